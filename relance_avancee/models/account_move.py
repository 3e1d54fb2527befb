import logging
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..legal import late_interest, prescription_date

_logger = logging.getLogger(__name__)

PRESCRIPTION_ALERT_DAYS = (90, 30)
# an invoice still (partly) unpaid: what dunning may remind
OPEN_PAYMENT_STATES = ("not_paid", "partial")
PDF_BATCH = 200  # invoices rendered together (one HTML document per wkhtmltopdf process)

RELANCE_STATES = [
    ("not_due", "Not due"),
    ("to_remind", "To remind"),
    ("waiting", "Waiting"),
    ("paused", "Paused"),
    ("handed_over", "Handed over"),
    ("closed", "Closed"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_policy_id = fields.Many2one(
        "relance.policy",
        "Dunning policy",
        compute="_compute_relance_policy_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        copy=False,
    )
    relance_level_id = fields.Many2one(
        "relance.level", "Dunning level", copy=False, readonly=True, index="btree_not_null"
    )
    relance_state = fields.Selection(
        RELANCE_STATES,
        "Dunning state",
        compute="_compute_relance_state",
        store=True,
        copy=False,
    )
    relance_last_date = fields.Date("Last reminder", copy=False, readonly=True)
    relance_next_date = fields.Date(
        "Next reminder",
        compute="_compute_relance_next_level",
        store=True,
        index="btree_not_null",
        copy=False,
    )
    relance_next_level_id = fields.Many2one(
        "relance.level",
        "Next dunning level",
        compute="_compute_relance_next_level",
        store=True,
        copy=False,
    )
    relance_days_overdue = fields.Integer("Days overdue", compute="_compute_relance_days_overdue")
    relance_dispute = fields.Boolean("In dispute", copy=False, tracking=True)
    relance_dispute_reason = fields.Char("Dispute reason", copy=False)
    relance_handed_over = fields.Boolean("Handed over to legal", copy=False, readonly=True)
    relance_skip_reason = fields.Char(
        "Dunning note", copy=False, readonly=True, help="Why the last run did not remind it."
    )
    relance_warning = fields.Char("Dunning warning", compute="_compute_relance_warning")
    relance_history_line_ids = fields.One2many(
        "relance.history.line", "move_id", "Dunning history", readonly=True
    )
    relance_reminder_count = fields.Integer(
        "Reminders sent", compute="_compute_relance_reminder_count"
    )
    relance_run_line_ids = fields.Many2many(
        "relance.run.line",
        "relance_run_line_move_rel",
        "move_id",
        "line_id",
        "Dunning proposals",
        readonly=True,
        copy=False,
    )
    relance_pause_until = fields.Date(
        "Paused until",
        copy=False,
        readonly=True,
        help="A promise to pay pauses the reminders until its date plus the grace days.",
    )
    relance_payment_plan_id = fields.Many2one(
        "relance.payment.plan", "Payment plan", copy=False, readonly=True, index="btree_not_null"
    )
    relance_escalate_date = fields.Date(
        "Escalate on",
        copy=False,
        readonly=True,
        help="A broken promise or a missed instalment brings the next level forward to this date.",
    )
    relance_dispute_ids = fields.Many2many(
        "relance.dispute",
        "relance_dispute_move_rel",
        "move_id",
        "dispute_id",
        "Disputes",
        copy=False,
        readonly=True,
    )
    relance_promise_ids = fields.Many2many(
        "relance.promise",
        "relance_promise_move_rel",
        "move_id",
        "promise_id",
        "Promises to pay",
        copy=False,
        readonly=True,
    )
    relance_interest_amount = fields.Monetary(
        "Late-payment interest",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="B2B: penalties at the company's rate from the day after the due date. "
        "B2C: legal interest from the formal notice only.",
    )
    relance_indemnity_amount = fields.Monetary(
        "Recovery indemnity",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="Fixed 40 EUR per late invoice of a business customer (D441-5), not subject to VAT.",
    )
    relance_claimable_amount = fields.Monetary(
        "Total claimable",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
    )
    relance_impact_amount = fields.Monetary(
        "Revenue to make up",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="Sales needed to make up for the unpaid amount at the company's average margin.",
    )
    relance_penalty_move_id = fields.Many2one(
        "account.move", "Penalty invoice", copy=False, readonly=True, index="btree_not_null"
    )
    relance_prescription_date = fields.Date(
        "Prescription date",
        compute="_compute_relance_prescription_date",
        store=True,
        help="5 years between merchants (Code de commerce L110-4), 2 years against a consumer "
        "(Code de la consommation L218-2), from the delivery date, else the invoice date, or "
        "from the last interruption.",
    )
    relance_interruption_date = fields.Date(
        "Prescription interrupted on",
        copy=False,
        tracking=True,
        help="An acknowledgment of debt, a court claim or an enforcement act restarts the "
        "prescription period; reminders and formal notices do not.",
    )
    relance_prescription_alerted = fields.Integer(
        "Prescription alert sent (days before)", copy=False, readonly=True
    )
    relance_interruption_type = fields.Selection(
        [
            ("acknowledgment", "Acknowledgment of debt"),
            ("court_claim", "Court claim"),
            ("enforcement", "Enforcement act"),
        ],
        "Interruption",
        copy=False,
    )

    @api.model
    def _relance_open_invoice_domain(self, companies):
        """The posted customer invoices of these companies still (partly) unpaid."""
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
            ("company_id", "in", companies.ids),
        ]

    def _relance_open(self):
        """Those of these invoices still (partly) unpaid."""
        return self.filtered(lambda m: m.payment_state in OPEN_PAYMENT_STATES)

    def _relance_today(self):
        return self.env.context.get("relance_date") or fields.Date.context_today(self)

    def _relance_is_candidate(self):
        """Customer invoices (not credit notes) that may be reminded at all."""
        self.ensure_one()
        return self.move_type == "out_invoice" and self.state == "posted"

    @api.depends(
        "move_type",
        "company_id",
        "commercial_partner_id.relance_policy_id",
        "commercial_partner_id.relance_policy_type",
    )
    def _compute_relance_policy_id(self):
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        (self - invoices).relance_policy_id = False
        defaults = self.env["relance.policy"].sudo()._default_policies(invoices.company_id)
        for move in invoices:
            partner = move.commercial_partner_id
            override = partner.relance_policy_id
            if override and override.company_id == move.company_id:
                move.relance_policy_id = override
            else:
                policy_type = partner.relance_policy_type or "b2b"
                move.relance_policy_id = defaults.get((move.company_id, policy_type))

    @api.depends(
        "relance_policy_id.level_ids.sequence",
        "relance_policy_id.level_ids.offset_days",
        "relance_policy_id.level_ids.min_days_since_previous",
        "relance_level_id",
        "relance_last_date",
        "relance_escalate_date",
        "invoice_date_due",
        "state",
    )
    def _compute_relance_next_level(self):
        for move in self:
            level = move._relance_find_next_level()
            move.relance_next_level_id = level
            move.relance_next_date = level and move._relance_level_date(level)

    def _relance_find_next_level(self):
        """Step by step: the level after the current one; pre-due levels that can no longer
        happen before the due date are passed over."""
        self.ensure_one()
        if not (self.relance_policy_id and self.invoice_date_due and self._relance_is_candidate()):
            return self.env["relance.level"]
        levels = self.relance_policy_id.level_ids.sorted(lambda lv: (lv.sequence, lv.offset_days))
        if self.relance_level_id in levels:
            levels = levels[list(levels).index(self.relance_level_id) + 1 :]
        today = self._relance_today()
        for level in levels:
            if level.offset_days < 0 and today > self.invoice_date_due:
                continue
            return level
        return self.env["relance.level"]

    def _relance_level_date(self, level):
        self.ensure_one()
        date = fields.Date.add(self.invoice_date_due, days=level.offset_days)
        if self.relance_last_date:
            date = max(
                date, fields.Date.add(self.relance_last_date, days=level.min_days_since_previous)
            )
        if self.relance_escalate_date:
            date = min(date, self.relance_escalate_date)
        return date

    def _relance_is_paused(self, today):
        """A dispute, a running payment plan or a promise not yet due pause the reminders."""
        self.ensure_one()
        return bool(
            self.relance_dispute
            or self.relance_payment_plan_id
            or (self.relance_pause_until and self.relance_pause_until >= today)
        )

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "amount_residual",
        "relance_dispute",
        "relance_pause_until",
        "relance_payment_plan_id",
        "relance_handed_over",
        "relance_level_id",
        "relance_next_date",
    )
    def _compute_relance_state(self):
        today = self._relance_today()
        for move in self:
            move.relance_state = move._relance_state_at(today)

    def _relance_state_at(self, today):
        self.ensure_one()
        if self.move_type != "out_invoice":
            return False
        if (
            self.state != "posted"
            or self.payment_state in ("paid", "in_payment", "reversed")
            or self.currency_id.is_zero(self.amount_residual)
        ):
            return "closed"
        if self.relance_handed_over:
            return "handed_over"
        if self._relance_is_paused(today):
            return "paused"
        if self.relance_next_date and self.relance_next_date <= today:
            return "to_remind"
        return "waiting" if self.relance_level_id else "not_due"

    @api.depends("relance_policy_id", "move_type", "state")
    def _compute_relance_warning(self):
        for move in self:
            if (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and not move.relance_policy_id
            ):
                move.relance_warning = self.env._(
                    "No dunning policy applies: create a policy for this customer type "
                    "in Invoicing > Configuration > Dunning."
                )
            else:
                move.relance_warning = False

    def _relance_still_due_for(self, level):
        """After locking: is this invoice still waiting for exactly this level?"""
        self.ensure_one()
        return (
            self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
            and not self._relance_is_paused(self._relance_today())
            and not self.relance_handed_over
            and self.relance_next_level_id == level
        )

    def _relance_store_invoice_pdfs(self, batch_size=PDF_BATCH):
        """Renders these invoices' PDFs (many per wkhtmltopdf call, ``batch_size`` at most)
        and stores them as their legal PDF, as Send & Print does. A batch that cannot be
        rendered is logged and left out: the caller sees which invoices have no PDF.
        Returns the attachments."""
        report_model = self.env["ir.actions.report"]
        report = self.env.ref("account.account_invoices")
        vals_list = []
        for company, company_moves in self.grouped("company_id").items():
            for start in range(0, len(company_moves), batch_size):
                batch = company_moves[start : start + batch_size]
                try:
                    content_by_id = report_model.with_company(company)._relance_render_pdfs(
                        report.report_name, batch
                    )
                except UserError as error:
                    _logger.warning("Invoice PDFs of %s not rendered: %s", batch, error)
                    continue
                vals_list += [
                    {
                        "name": move._get_invoice_report_filename(report=report),
                        "raw": content_by_id[move.id],
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                        "res_field": "invoice_pdf_report_file",
                    }
                    for move in batch
                    if move.id in content_by_id
                ]
        attachments = self.env["ir.attachment"].sudo().create(vals_list)
        self.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return attachments

    def _compute_relance_reminder_count(self):
        counts = dict(
            self.env["relance.history.line"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("state", "=", "done")], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.relance_reminder_count = counts.get(move, 0)

    @api.depends("invoice_date_due", "payment_state")
    def _compute_relance_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            open_ = move.payment_state not in ("paid", "in_payment", "reversed")
            move.relance_days_overdue = max((today - due).days, 0) if due and open_ else 0

    # ------------------------------------------------------------------------------------
    # French late-payment law: interest, indemnity, prescription
    # ------------------------------------------------------------------------------------

    @api.depends("amount_residual_signed", "invoice_date_due", "payment_state", "state")
    @api.depends_context("relance_date")
    def _compute_relance_legal_amounts(self):
        amounts = self._relance_legal_amounts()
        for move in self:
            values = amounts.get(move.id, {})
            move.relance_interest_amount = values.get("interest", 0.0)
            move.relance_indemnity_amount = values.get("indemnity", 0.0)
            move.relance_claimable_amount = values.get("total", 0.0)
            move.relance_impact_amount = values.get("impact", 0.0)

    def _relance_legal_amounts(self, date=None):
        """{invoice id: {"principal", "interest", "indemnity", "total", "impact", "warning"}}
        at the date, in company currency, for many invoices with two queries (the rates and
        the formal notices' dates). B2B: penalties from the day after the due date at the
        company's rate (ECB rate of 1 January / 1 July + 10 points, or the contractual rate),
        split at each half-year, and the fixed indemnity. B2C: legal interest
        (professional-creditor rate) from the formal notice only, no indemnity."""
        date = date or self._relance_today()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not invoices:
            return {}
        rate_model = self.env["relance.rate"]
        table = rate_model._rate_table()
        notices = invoices._relance_notice_dates()
        settled = invoices._relance_settlements()
        eur = self.env.ref("base.EUR")
        result = {}
        for move in invoices:
            company = move.company_id
            principal = move.amount_residual_signed
            values = {"principal": principal, "interest": 0.0, "indemnity": 0.0}
            values["warning"] = False
            late = move.invoice_date_due and move.invoice_date_due < date and principal > 0
            if late and move.commercial_partner_id.relance_policy_type == "b2c":
                start = notices.get(move.id)
                if start:

                    def rate_for(half_year):
                        return rate_model._rate_at(table, "legal_professional", half_year)

                    values["interest"], values["warning"] = move._relance_interest(
                        principal, start, date, rate_for, settled[move.id]
                    )
            elif late:

                def rate_for(half_year, company=company):
                    if company.relance_penalty_mode == "contract":
                        return company.relance_penalty_rate
                    ecb = rate_model._rate_at(table, "ecb", half_year)
                    return None if ecb is None else ecb + 10.0

                values["interest"], values["warning"] = move._relance_interest(
                    principal, move.invoice_date_due, date, rate_for, settled[move.id]
                )
                if company.relance_claim_indemnity:
                    values["indemnity"] = eur._convert(
                        company.relance_indemnity_amount, company.currency_id, company, date
                    )
            values["total"] = principal + values["interest"] + values["indemnity"]
            margin = company.relance_margin_rate
            values["impact"] = principal / (margin / 100.0) if margin > 0 and principal > 0 else 0
            result[move.id] = values
        return result

    def _relance_interest(self, principal, start, end, rate_for, settlements=()):
        """Interest for the days after ``start`` up to ``end`` (``legal.late_interest``),
        in company currency: (amount, warning). A half-year without a rate gives no figure
        rather than a wrong one, and says which rate to enter."""
        self.ensure_one()
        total, missing = late_interest(principal, start, end, rate_for, settlements)
        if missing:
            return 0.0, self.env._(
                "No reference rate entered for the half-year starting %(date)s: "
                "add it in Invoicing > Configuration > Dunning > Interest rates.",
                date=missing,
            )
        return self.company_id.currency_id.round(total), False

    def _relance_settlements(self):
        """{invoice id: [(date, amount in company currency)]}: the payments and credit
        notes reconciled with these invoices, by day, in one query."""
        groups = (
            self.env["account.partial.reconcile"]
            .sudo()
            ._read_group(
                [("debit_move_id.move_id", "in", self.ids)],
                ["debit_move_id", "max_date:day"],
                ["amount:sum"],
            )
        )
        result = defaultdict(list)
        for line, day, amount in groups:
            result[line.move_id.id].append((day, amount))
        return result

    def _relance_notice_dates(self):
        """{invoice id: date of its first formal notice sent}, in one query."""
        groups = (
            self.env["relance.history.line"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("channel", "=", "notice"), ("state", "=", "done")],
                ["move_id"],
                ["date:min"],
            )
        )
        return {move.id: first for move, first in groups}

    @api.depends(
        "move_type",
        "invoice_date",
        "delivery_date",
        "relance_interruption_date",
        "commercial_partner_id.relance_policy_type",
    )
    def _compute_relance_prescription_date(self):
        for move in self:
            start = move.relance_interruption_date or move.delivery_date or move.invoice_date
            if move.move_type != "out_invoice" or not start:
                move.relance_prescription_date = False
                continue
            move.relance_prescription_date = prescription_date(
                start, consumer=move.commercial_partner_id.relance_policy_type == "b2c"
            )

    @api.model
    def _relance_prescription_alerts(self, date, companies):
        """Activities for the credit controller 90 and then 30 days before an open invoice
        is time-barred; each alert once (an interruption starts them again)."""
        for days in PRESCRIPTION_ALERT_DAYS:
            moves = self.search(
                [
                    *self._relance_open_invoice_domain(companies),
                    ("relance_prescription_date", "<=", fields.Date.add(date, days=days)),
                    ("relance_prescription_date", ">=", date),
                    "|",
                    ("relance_prescription_alerted", "=", 0),
                    ("relance_prescription_alerted", ">", days),
                ]
            )
            for move in moves:
                move.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=date,
                    summary=self.env._("Prescription in %(days)s days", days=days),
                    note=self.env._(
                        "%(invoice)s is time-barred on %(date)s: obtain an acknowledgment of "
                        "debt or start a court claim before then.",
                        invoice=move.name,
                        date=move.relance_prescription_date,
                    ),
                    user_id=move._relance_controller().id,
                )
            moves.relance_prescription_alerted = days

    def _relance_controller(self):
        """Who follows the invoice's dunning: the customer's credit controller, else the
        salesperson, the policy's default user, the invoice's author. Never a portal
        customer nor OdooBot (the current user of portal requests and crons): the
        administrator when nobody else qualifies."""
        self.ensure_one()
        candidates = (
            self.commercial_partner_id.relance_user_id,
            self.invoice_user_id,
            self.relance_policy_id.default_user_id,
            self.create_uid,
        )
        return next(
            (
                user
                for user in candidates
                if user.active and user._is_internal() and not user._is_superuser()
            ),
            self.env.ref("base.user_admin"),
        )

    def write(self, vals):
        if "relance_interruption_date" in vals:
            vals = {**vals, "relance_prescription_alerted": 0}
        return super().write(vals)

    def action_relance_invoice_penalties(self):
        """One penalty invoice per customer (no VAT) with the interest and the indemnity of
        these late invoices, linked to them; an invoice already invoiced is left out."""
        amounts = self._relance_legal_amounts()
        todo = self.filtered(
            lambda m: (
                not m.relance_penalty_move_id
                and m.id in amounts
                and (amounts[m.id]["interest"] or amounts[m.id]["indemnity"])
            )
        )
        if not todo:
            raise UserError(
                self.env._("No late-payment penalty to invoice: already invoiced, or none due.")
            )
        penalties = self.browse()
        for (company, partner), moves in todo.grouped(
            lambda m: (m.company_id, m.commercial_partner_id)
        ).items():
            penalty = self.create(moves._relance_penalty_invoice_values(company, partner, amounts))
            moves._relance_light_write({"relance_penalty_move_id": penalty.id})
            penalties |= penalty
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "name": self.env._("Penalty invoices"),
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", penalties.ids)],
        }

    def _relance_penalty_invoice_values(self, company, partner, amounts):
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")],
            limit=1,
        )
        lines = []
        for move in self:
            values = amounts[move.id]
            days = (self._relance_today() - move.invoice_date_due).days
            if values["interest"]:
                lines.append(
                    {
                        "name": self.env._(
                            "Late-payment penalties on %(invoice)s (%(days)s days)",
                            invoice=move.name,
                            days=days,
                        ),
                        "price_unit": values["interest"],
                        "tax_ids": [Command.clear()],
                        "account_id": journal.default_account_id.id,
                    }
                )
            if values["indemnity"]:
                lines.append(
                    {
                        "name": self.env._(
                            "Fixed recovery indemnity on %(invoice)s (Code de commerce D441-5)",
                            invoice=move.name,
                        ),
                        "price_unit": values["indemnity"],
                        "tax_ids": [Command.clear()],
                        "account_id": journal.default_account_id.id,
                    }
                )
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": company.currency_id.id,
            "invoice_origin": ", ".join(self.mapped("name")),
            "invoice_line_ids": [Command.create(line) for line in lines],
        }

    # ------------------------------------------------------------------------------------
    # Amicable settlements (see relance_dispute.py, relance_promise.py,
    # relance_payment_plan.py)
    # ------------------------------------------------------------------------------------

    def _relance_settlement_values(self, **values):
        """What every settlement of these invoices (dispute, promise, plan, payment
        declared) starts with: their customer, company and the invoices themselves."""
        return {
            "partner_id": self.commercial_partner_id[:1].id,
            "company_id": self.company_id[:1].id,
            "move_ids": [Command.set(self.ids)],
            **values,
        }

    def _relance_open_dispute(self, reason, description="", user=None):
        """A dispute over these invoices, followed by ``user`` (default: the current one)."""
        vals = self._relance_settlement_values(reason=reason, description=description)
        if user:
            vals["user_id"] = user.id
        return self.env["relance.dispute"].create(vals)

    def _relance_promise(self, date, amount, note=""):
        return self.env["relance.promise"].create(
            self._relance_settlement_values(date=date, amount=amount, note=note)
        )

    def _relance_request_payment_plan(self, note="", user=None, **extra):
        """A draft plan of these invoices, followed by ``user`` (default: the current one)."""
        vals = self._relance_settlement_values(note=note, **extra)
        if user:
            vals["user_id"] = user.id
        plan = self.env["relance.payment.plan"].create(vals)
        plan.action_compute_installments()
        return plan

    def _relance_light_write(self, vals):
        """Writes the module's own fields on invoices without the accounting machinery of
        ``account.move.write`` (no line synchronisation, not an edit by hand)."""
        return self.with_context(
            skip_is_manually_modified=True,
            check_move_validity=False,
            skip_invoice_sync=True,
            skip_account_move_synchronization=True,
        ).write(vals)

    def _relance_new_settlement_action(self, model, name):
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "name": name,
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id[:1].id,
                "default_company_id": self.company_id[:1].id,
                "default_move_ids": self.ids,
            },
        }

    def action_relance_new_dispute(self):
        return self._relance_new_settlement_action("relance.dispute", self.env._("Dispute"))

    def action_relance_new_promise(self):
        action = self._relance_new_settlement_action(
            "relance.promise", self.env._("Promise to pay")
        )
        action["context"]["default_amount"] = sum(self.mapped("amount_residual_signed"))
        return action

    def action_relance_new_payment_plan(self):
        plan = self._relance_request_payment_plan()
        return {
            "type": "ir.actions.act_window",
            "res_model": "relance.payment.plan",
            "res_id": plan.id,
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------------------------
    # Customer portal (controllers/portal.py checks the access, then calls these as sudo)
    # ------------------------------------------------------------------------------------

    def _relance_portal_answerable(self):
        """An invoice the customer still has to pay: it may be contested or spread."""
        self.ensure_one()
        return self._relance_is_candidate() and self.payment_state in OPEN_PAYMENT_STATES

    def _relance_pending_plan(self):
        """The draft or running payment plan of the invoice, if any."""
        self.ensure_one()
        return self.env["relance.payment.plan"].search(
            [("move_ids", "in", self.ids), ("state", "in", ("draft", "running"))], limit=1
        )

    def _relance_portal_contest(self, author, reason, message):
        """The customer contests the invoice: a dispute pauses its reminders and the credit
        controller gets an activity. Contesting it again changes nothing."""
        self.ensure_one()
        if self.relance_dispute or not self._relance_portal_answerable():
            return self.env["relance.dispute"]
        dispute = self._relance_open_dispute(reason, message, user=self._relance_controller())
        self._relance_portal_notify(
            author,
            self.env._("Invoice contested by the customer: %(message)s", message=message),
            dispute,
            self.env._("Dispute opened by the customer on the portal"),
        )
        return dispute

    def _relance_portal_plan_request(self, author, message):
        """The customer asks for a payment plan: a draft plan of the invoice for the credit
        controller to accept (confirm) or decline."""
        self.ensure_one()
        pending = self._relance_pending_plan()
        if pending or not self._relance_portal_answerable():
            return pending
        plan = self._relance_request_payment_plan(
            message, user=self._relance_controller(), requested_by_customer=True
        )
        self._relance_portal_notify(
            author,
            self.env._("Payment plan requested by the customer: %(message)s", message=message),
            plan,
            self.env._("Payment plan requested on the portal: accept or decline"),
        )
        return plan

    def _relance_portal_notify(self, author, body, record, summary):
        """The customer's message on the invoice, and an activity for its credit
        controller on the record created."""
        self.message_post(
            body=body, author_id=author.id, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        record.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, user_id=record.user_id.id
        )
