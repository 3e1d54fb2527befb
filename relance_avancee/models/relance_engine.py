from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, file_open

from .account_move import OPEN_PAYMENT_STATES
from .res_partner import GRADE_PRIORITY

# channels whose documents claim overdue amounts: invoices not yet due stay out of them
CLAIM_CHANNELS = ("letter", "notice", "mediation", "handover")
# the stored fields of account.move that _backfill sets, created empty by the pre-init hook
BACKFILL_FIELDS = ["relance_policy_id", "relance_prescription_date"]
# the engine's set-based statements, read from sql/ (their comments say what they mirror)
BACKFILL = file_open("relance_avancee/sql/backfill.sql").read()
POSITIONS = file_open("relance_avancee/sql/positions.sql").read()
# comparisons the position columns can be searched with (see _position_condition)
SQL_OPERATORS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# lines created at once from which the run's tables get fresh planner statistics
ANALYZE_MIN_LINES = 1000


class RelanceEngine(models.AbstractModel):
    """What is due at a date, for a set of companies, computed with set-based queries:
    one selection of the invoices, one aggregate of the customers' balances, batch creates."""

    _name = "relance.engine"
    _description = "Dunning engine"

    @api.model
    def _due_invoices_domain(self, date, companies, due_ids):
        """The invoices to remind at ``date`` among ``due_ids``, those whose next dunning
        date is reached (see ``_due_positions``)."""
        return [
            *self.env["account.move"]._relance_open_invoice_domain(companies),
            ("id", "in", due_ids),
            ("relance_dispute", "=", False),
            ("relance_mediation", "=", False),
            ("relance_payment_plan_id", "=", False),
            "|",
            ("relance_pause_until", "=", False),
            ("relance_pause_until", "<", date),
            ("relance_handed_over", "=", False),
            ("relance_run_line_ids", "not any", [("state", "=", "proposed")]),
        ]

    @api.model
    def _backfill(self, companies):
        """Brings the customer invoices of these companies into dunning in one set-based
        statement, as the computes would (installing the module on existing invoices, an
        upgrade, a policy created later): a policy for those that have none, the
        prescription date of them all. Idempotent: a second call writes nothing."""
        if not companies:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(BACKFILL, companies=tuple(companies.ids)))
        self.env["account.move"].invalidate_model(BACKFILL_FIELDS)

    @api.model
    def _positions_sql(self, date, where):
        """SQL of the dunning positions at ``date`` (see ``POSITIONS``) of the customer
        invoices meeting ``where``, an SQL condition on ``move``; the caller flushes."""
        return SQL(POSITIONS, date=date, where=where)

    @api.model
    def _positions_query(self, date, where):
        """SQL of the ids of the customer invoices whose position at ``date`` (see
        ``POSITIONS``) meets ``where``, an SQL condition on ``pos``."""
        self.env.flush_all()
        positions = self._positions_sql(date, SQL("TRUE"))
        return SQL("SELECT pos.id FROM (%s) pos WHERE %s", positions, where)

    @api.model
    def _positions(self, date, where, condition=None):
        """{invoice id: (next level id, next date, state, due date)} at ``date`` of the
        customer invoices meeting ``where``, an SQL condition on ``move``, and whose
        position meets ``condition``, one on ``pos``, in one query (the due date: of the
        first instalment still open)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT pos.id, pos.next_level_id, pos.next_date, pos.state, pos.due_date"
                " FROM (%s) pos WHERE %s",
                self._positions_sql(date, where),
                condition or SQL("TRUE"),
            )
        )
        return {row[0]: row[1:] for row in rows}

    @api.model
    def _position_condition(self, column, operator, value):
        """SQL condition on the ``column`` of a position, for a search method."""
        field = SQL.identifier("pos", column)
        if operator in ("in", "not in"):
            values = [v for v in value if v is not False and v is not None]
            condition = SQL("%s = ANY(%s)", field, values) if values else SQL("FALSE")
            if len(values) < len(value):
                condition = SQL("(%s OR %s IS NULL)", condition, field)
            return condition if operator == "in" else SQL("NOT COALESCE(%s, FALSE)", condition)
        if value is False or value is None:
            return SQL("%s IS NULL", field) if operator == "=" else SQL("%s IS NOT NULL", field)
        if operator not in SQL_OPERATORS:
            raise UserError(self.env._("Unsupported search on the dunning position: %s", operator))
        return SQL("%s %s %s", field, SQL(SQL_OPERATORS[operator]), value)

    @api.model
    def _compute_proposal(self, date, companies):
        """Returns a list of proposal values: one per (company, customer, policy) at the
        highest level due, listing every due invoice of that customer, each at its own
        level (one communication per customer and run); skipped customers and invoices
        come with their reason (state ``skipped``), one line per level and reason."""
        self._backfill(companies)
        # the positions computed once: to select the invoices due, then as their values
        positions = self._positions(
            date,
            SQL("move.company_id IN %s", tuple(companies.ids) or (0,)),
            SQL("pos.next_date <= %s", date),
        )
        invoices = (
            self.env["account.move"]
            .with_context(relance_date=date)
            .search_fetch(
                self._due_invoices_domain(date, companies, list(positions)),
                [
                    "company_id",
                    "commercial_partner_id",
                    "relance_policy_id",
                    "invoice_date_due",
                    "amount_residual_signed",
                    "invoice_user_id",
                ],
                order="commercial_partner_id, invoice_date_due, id",
            )
        )
        if not invoices:
            return []
        invoices._relance_set_positions(positions)
        facts = {
            "balances": self._overdue_balances(
                date, invoices.company_id, invoices.commercial_partner_id
            ),
            "pending_calls": self._pending_calls(invoices),
            "notice_deadlines": self._notice_deadlines(invoices),
            "contacts": self._recent_contacts(invoices, date),
        }
        # invoice ids by (company, customer, policy) and by (company, customer, level, reason)
        groups, skipped_ids = defaultdict(list), defaultdict(list)
        for (company, partner, policy), move_ids in self._customer_groups(invoices).items():
            customer_reason = self._customer_skip_reason(company, partner, policy, facts, date)
            for move_id in move_ids:
                level_id, _next_date, _state, due_date = positions[move_id]
                reason = customer_reason or self._invoice_skip_reason(
                    move_id, level_id, due_date, company, partner, policy, facts, date
                )
                if reason:
                    skipped_ids[(company, partner, level_id, reason)].append(move_id)
                else:
                    groups[(company, partner, policy)].append(move_id)
        levels = {
            level.id: level
            for level in self.env["relance.level"].browse(list({key[2] for key in skipped_ids}))
        }
        skipped_ids = {
            (company, partner, levels[level_id], reason): ids
            for (company, partner, level_id, reason), ids in skipped_ids.items()
        }
        # at the run date, as the invoices
        skipped = defaultdict(
            invoices.browse, {k: invoices.browse(v) for k, v in skipped_ids.items()}
        )
        proposal = []
        for (company, partner, _policy), due_ids in groups.items():
            level, moves, held = self._group_level(invoices.browse(due_ids))
            proposal.append(self._proposal_values(company, partner, level, moves, state="proposed"))
            if held:
                reason = self.env._("Not yet due: left out of the %s sent today.", level.name)
                skipped[(company, partner, held.relance_next_level_id[:1], reason)] |= held
        proposal += [
            self._proposal_values(company, partner, level, moves, state="skipped", reason=reason)
            for (company, partner, level, reason), moves in skipped.items()
        ]
        return proposal

    @api.model
    def _group_level(self, moves):
        """The level of one customer's communication: the highest level due among its
        invoices. Invoices not yet due join a reminder, never a letter, a formal notice or a
        handover, which claim overdue amounts only. Returns (level, invoices, held back)."""
        level = max(moves.relance_next_level_id, key=lambda lv: (lv.sequence, lv.offset_days))
        held = moves.browse()
        if level.channel_ids.filtered(lambda c: c.code in CLAIM_CHANNELS):
            held = moves.filtered(lambda m: m.relance_next_level_id.offset_days <= 0)
        return level, moves - held, held

    @api.model
    def _overdue_balances(self, date, companies, partners):
        """{(company, customer): overdue balance}, company currency: overdue invoices minus
        the open credit notes (credit notes count as credit, whatever their date)."""
        groups = self.env["account.move"]._read_group(
            [
                ("company_id", "in", companies.ids),
                ("commercial_partner_id", "in", partners.ids),
                ("state", "=", "posted"),
                ("payment_state", "in", OPEN_PAYMENT_STATES),
                "|",
                ("move_type", "=", "out_refund"),
                "&",
                ("move_type", "=", "out_invoice"),
                # an instalment past due (payment terms in several instalments)
                (
                    "line_ids",
                    "any",
                    [
                        ("display_type", "=", "payment_term"),
                        ("reconciled", "=", False),
                        ("date_maturity", "<", date),
                    ],
                ),
            ],
            ["company_id", "commercial_partner_id"],
            ["amount_residual_signed:sum"],
        )
        return {(company, partner): amount for company, partner, amount in groups}

    @api.model
    def _pending_calls(self, invoices):
        """{invoice id: date} of the calls planned for these invoices and not logged yet."""
        groups = self.env["relance.history.line"]._read_group(
            [("move_id", "in", invoices.ids), ("channel", "=", "call"), ("state", "=", "todo")],
            ["move_id"],
            ["date:max"],
        )
        return {move.id: day for move, day in groups}

    @api.model
    def _recent_contacts(self, invoices, date):
        """{customer id: [days it was reminded]} over the longest contact cap of the
        invoices' policies, every channel but the handover, in one query."""
        days = max(invoices.relance_policy_id.mapped("contact_cap_days") or [0])
        if not days:
            return {}
        groups = self.env["relance.history"]._read_group(
            [
                ("partner_id", "in", invoices.commercial_partner_id.ids),
                ("date", ">", fields.Date.add(date, days=-days)),
                ("date", "<=", date),
                ("state", "in", ("todo", "done")),
                ("channel", "!=", "handover"),
            ],
            ["partner_id", "date:day"],
        )
        contacts = defaultdict(list)
        for partner, day in groups:
            contacts[partner.id].append(day)
        return contacts

    @api.model
    def _contact_cap_reason(self, partner, policy, facts, date):
        """No harassment: at most N reminders in D days, whatever the channel."""
        if not (policy.contact_cap_count and policy.contact_cap_days):
            return False
        since = fields.Date.add(date, days=-policy.contact_cap_days)
        days = sorted(day for day in facts["contacts"].get(partner.id, []) if day > since)
        if len(days) < policy.contact_cap_count:
            return False
        return self.env._(
            "Held back: already reminded on %(dates)s (at most %(count)s in %(days)s days); "
            "next reminder from %(next)s.",
            dates=", ".join(str(day) for day in days),
            count=policy.contact_cap_count,
            days=policy.contact_cap_days,
            next=fields.Date.add(days[-policy.contact_cap_count], days=policy.contact_cap_days),
        )

    @api.model
    def _customer_groups(self, invoices):
        """{(company, customer, policy): [invoice ids]} of these invoices, in their order,
        from one query rather than three fields read on each of 100,000 records."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, company_id, commercial_partner_id, relance_policy_id"
                " FROM account_move WHERE id = ANY(%s)",
                list(invoices.ids),
            )
        )
        keys = {row[0]: row[1:] for row in rows}
        # each record iterated from the recordset of them all: read together when first used
        companies, partners, policies = (
            {record.id: record for record in self.env[model].browse(ids)}
            for model, ids in zip(
                ("res.company", "res.partner", "relance.policy"),
                (list({key[i] for key in keys.values()} - {None}) for i in range(3)),
                strict=True,
            )
        )
        no_policy = self.env["relance.policy"]
        records = {}
        groups = defaultdict(list)
        for move_id in invoices.ids:
            key = keys[move_id]
            if key not in records:
                company_id, partner_id, policy_id = key
                records[key] = (
                    companies[company_id],
                    partners[partner_id],
                    policies.get(policy_id, no_policy),
                )
            groups[records[key]].append(move_id)
        return groups

    @api.model
    def _customer_skip_reason(self, company, partner, policy, facts, date):
        """Why none of this customer's invoices under this policy is reminded today, or
        False: excluded from dunning, or reminded too often lately."""
        return (
            partner.relance_excluded
            and self.env._(
                "Customer excluded from dunning: %s", partner.relance_exclusion_reason or "-"
            )
        ) or self._contact_cap_reason(partner, policy, facts, date)

    @api.model
    def _invoice_skip_reason(
        self, move_id, level_id, due_date, company, partner, policy, facts, date
    ):
        """Why this invoice is not reminded at its level ``level_id`` today, or False (its
        customer's reason aside, see ``_customer_skip_reason``): a call to log first, a
        formal notice's deadline, its grace period, then the customer's balance.
        ``facts``: what the proposal read for all the invoices at once (balances, calls
        not logged, notice deadlines, recent contacts), and a memo."""
        reason = self._pending_call_reason(move_id, facts) or self._notice_deadline_reason(
            move_id, facts, date
        )
        if reason:
            return reason
        memo = facts.setdefault("memo", {})
        if ("level", level_id) not in memo:
            memo["level", level_id] = self.env["relance.level"].browse(level_id).offset_days
        if memo["level", level_id] <= 0:  # pre-reminders depend on neither grace nor balance
            return False
        if (date - due_date).days < policy.grace_days:
            return self.env._("In the grace period of %s days.", policy.grace_days)
        key = ("balance", company.id, partner.id, policy.id)
        if key not in memo:
            memo[key] = self._balance_reason(company, partner, policy, facts)
        return memo[key]

    @api.model
    def _notice_deadlines(self, invoices):
        """{invoice id: deadline} of the invoices whose last level was a formal notice: the
        deadline it gave to pay (from its receipt), which the next level waits for."""
        notice_levels = invoices.relance_level_id.filtered(
            lambda level: "notice" in level.channel_ids.mapped("code")
        )
        if not notice_levels:
            return {}
        lines = (
            self.env["relance.history.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", invoices.ids),
                    ("move_id.relance_level_id", "in", notice_levels.ids),
                    ("channel", "=", "notice"),
                    ("state", "in", ("todo", "done")),
                ],
                ["move_id", "history_id"],
            )
        )
        deadlines = {}
        for line in lines:
            deadline = line.history_id.deadline_date
            if deadline:
                move_id = line.move_id.id
                deadlines[move_id] = max(deadline, deadlines.get(move_id, deadline))
        return deadlines

    @api.model
    def _notice_deadline_reason(self, move_id, facts, date):
        """After a formal notice, nothing more before the deadline it gave has passed."""
        deadline = facts["notice_deadlines"].get(move_id)
        if not deadline or deadline < date:
            return False
        return self.env._("Waiting for the deadline the formal notice gave to pay (%s).", deadline)

    @api.model
    def _pending_call_reason(self, move_id, facts):
        """The level after a call speaks of it: it waits for the call's outcome."""
        if move_id not in facts["pending_calls"]:
            return False
        return self.env._(
            "Waiting for the outcome of the call planned on %s: log the call first.",
            facts["pending_calls"][move_id],
        )

    @api.model
    def _balance_reason(self, company, partner, policy, facts):
        """The customer's overdue balance, credit notes deducted, against the policy's
        minimum."""
        balance = facts["balances"].get((company, partner), 0.0)
        currency = company.currency_id
        if currency.compare_amounts(balance, 0.0) <= 0:
            return self.env._("Credit notes and payments cover the overdue balance.")
        if currency.compare_amounts(balance, policy.min_amount) < 0:
            return self.env._(
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
            "user_id": partner._relance_credit_controller(
                policy=level.policy_id, salesperson=moves[:1].invoice_user_id
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
        lines = self.env["relance.run.line"]._create_proposed(proposal)
        skipped = lines.filtered(lambda line: line.state == "skipped")
        for reason, reason_lines in skipped.grouped("reason").items():
            reason_lines.move_ids._relance_light_write({"relance_skip_reason": reason})
        if len(lines) >= ANALYZE_MIN_LINES:
            self._analyze_run_tables()
        return run

    def _analyze_run_tables(self):
        """Fresh planner statistics of the run lines and their invoices: the execution
        (jobs, batches) starts before PostgreSQL's autovacuum notices thousands of new
        lines, and on a table it has not analyzed yet (the first big run) each batch's
        read of its lines' invoices scanned every invoice (80 ms instead of 1 ms)."""
        self.env["relance.run.line"].flush_model()
        self.env.cr.execute(SQL("ANALYZE relance_run_line, relance_run_line_move_rel"))

    @api.model
    def _load_demo(self):
        """Entry point of demo/relance_demo.xml: the demo data relative to today, from a
        plain Python module (no model of the demo in the registry)."""
        from ..demo import generator

        generator.load(self.env)
