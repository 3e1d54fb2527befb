from collections import defaultdict

from odoo import _, api, fields, models

from .res_partner import GRADE_PRIORITY


class RelanceEngine(models.AbstractModel):
    """What is due at a date, for a set of companies, computed with set-based queries:
    one selection of the invoices, one aggregate of the customers' balances, batch creates."""

    _name = "relance.engine"
    _description = "Dunning engine"

    @api.model
    def _due_invoices_domain(self, date, companies):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("company_id", "in", companies.ids),
            ("relance_next_date", "<=", date),
            ("relance_dispute", "=", False),
            ("relance_payment_plan_id", "=", False),
            "|",
            ("relance_pause_until", "=", False),
            ("relance_pause_until", "<", date),
            ("relance_handed_over", "=", False),
            ("relance_run_line_ids", "not any", [("state", "=", "proposed")]),
        ]

    @api.model
    def _refresh(self, date, companies):
        """Date-driven updates of the stored dunning fields: pre-reminders whose date has
        passed give way to the next level, waiting invoices become to remind."""
        moves = self.env["account.move"].with_context(relance_date=date)
        base = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("company_id", "in", companies.ids),
        ]
        stale = moves.search(
            [*base, ("relance_next_level_id.offset_days", "<", 0), ("invoice_date_due", "<", date)]
        )
        if stale:
            self.env.add_to_compute(moves._fields["relance_next_level_id"], stale)
            self.env.add_to_compute(moves._fields["relance_next_date"], stale)
            stale.flush_recordset(["relance_next_level_id", "relance_next_date"])
        due = moves.search(
            [
                *base,
                ("relance_state", "in", ("not_due", "waiting")),
                ("relance_next_date", "<=", date),
            ]
        )
        if due:
            self.env.add_to_compute(moves._fields["relance_state"], due)
            due.flush_recordset(["relance_state"])

    @api.model
    def _compute_proposal(self, date, companies):
        """Returns a list of proposal values, one per (company, customer, level), each listing
        all that customer's invoices due for that level; skipped customers and invoices come
        with their reason (state ``skipped``)."""
        self._refresh(date, companies)
        invoices = self.env["account.move"].search_fetch(
            self._due_invoices_domain(date, companies),
            [
                "company_id",
                "commercial_partner_id",
                "relance_policy_id",
                "relance_next_level_id",
                "invoice_date_due",
                "amount_residual_signed",
                "invoice_user_id",
            ],
            order="commercial_partner_id, invoice_date_due, id",
        )
        if not invoices:
            return []
        balances = self._overdue_balances(date, invoices.company_id, invoices.commercial_partner_id)
        groups = defaultdict(lambda: self.env["account.move"])
        skipped = defaultdict(lambda: self.env["account.move"])
        for move in invoices:
            partner, policy, level = (
                move.commercial_partner_id,
                move.relance_policy_id,
                move.relance_next_level_id,
            )
            reason = self._skip_reason(
                move, partner=partner, policy=policy, level=level, balances=balances, date=date
            )
            key = (move.company_id, partner, level)
            if reason:
                skipped[(*key, reason)] |= move
            else:
                groups[key] |= move
        proposal = [
            self._proposal_values(company, partner, level, moves, state="proposed")
            for (company, partner, level), moves in groups.items()
        ]
        proposal += [
            self._proposal_values(company, partner, level, moves, state="skipped", reason=reason)
            for (company, partner, level, reason), moves in skipped.items()
        ]
        return proposal

    @api.model
    def _overdue_balances(self, date, companies, partners):
        """{(company, customer): overdue balance}, company currency: overdue invoices minus
        the open credit notes (credit notes count as credit, whatever their date)."""
        groups = self.env["account.move"]._read_group(
            [
                ("company_id", "in", companies.ids),
                ("commercial_partner_id", "in", partners.ids),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                "|",
                ("move_type", "=", "out_refund"),
                "&",
                ("move_type", "=", "out_invoice"),
                ("invoice_date_due", "<", date),
            ],
            ["company_id", "commercial_partner_id"],
            ["amount_residual_signed:sum"],
        )
        return {(company, partner): amount for company, partner, amount in groups}

    @api.model
    def _skip_reason(self, move, *, partner, policy, level, balances, date):
        if partner.relance_excluded:
            return _("Customer excluded from dunning: %s", partner.relance_exclusion_reason or "-")
        if level.offset_days > 0 and (date - move.invoice_date_due).days < policy.grace_days:
            return _("In the grace period of %s days.", policy.grace_days)
        if level.offset_days <= 0:
            return False  # pre-reminders do not depend on the overdue balance
        balance = balances.get((move.company_id, partner), 0.0)
        currency = move.company_id.currency_id
        if currency.compare_amounts(balance, 0.0) <= 0:
            return _("Credit notes and payments cover the overdue balance.")
        if currency.compare_amounts(balance, policy.min_amount) < 0:
            return _(
                "Overdue balance %(balance)s below the policy minimum %(minimum)s.",
                balance=currency.format(balance),
                minimum=currency.format(policy.min_amount),
            )
        return False

    @api.model
    def _proposal_values(self, company, partner, level, moves, *, state, reason=False):
        return {
            "company_id": company.id,
            "partner_id": partner.id,
            "level_id": level.id,
            "user_id": (
                partner.relance_user_id
                or moves[:1].invoice_user_id
                or level.policy_id.default_user_id
            ).id,
            "move_ids": [fields.Command.set(moves.ids)],
            "amount": sum(moves.mapped("amount_residual_signed")),
            "state": state,
            "reason": reason,
        }

    @api.model
    def _prepare_run(self, date, company):
        """The company's draft run for the date, created or completed with what is due.
        Returns the run, or an empty recordset when nothing is due."""
        proposal = self._compute_proposal(date, company)
        Run = self.env["relance.run"]
        run = Run.search(
            [("company_id", "=", company.id), ("date", "=", date), ("state", "=", "draft")], limit=1
        )
        if not proposal:
            return run
        # the same skip is not recorded again in a run the same day
        if run:
            known_skips = {
                (line.partner_id.id, line.level_id.id, line.reason)
                for line in run.line_ids.filtered(lambda line: line.state == "skipped")
            }
            proposal = [
                vals
                for vals in proposal
                if vals["state"] != "skipped"
                or (vals["partner_id"], vals["level_id"], vals["reason"]) not in known_skips
            ]
        if not run:
            run = Run.create({"date": date, "company_id": company.id})
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in proposal})
        behaviour = partners._relance_behaviour(date, company)
        for vals in proposal:
            del vals["company_id"]
            vals["run_id"] = run.id
            grade = behaviour.get(vals["partner_id"], {}).get("grade")
            vals["priority"] = GRADE_PRIORITY.get(grade, 1)
        lines = self.env["relance.run.line"].create(proposal)
        skipped = lines.filtered(lambda line: line.state == "skipped")
        for reason, reason_lines in skipped.grouped("reason").items():
            reason_lines.move_ids._relance_light_write({"relance_skip_reason": reason})
        return run
