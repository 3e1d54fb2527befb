from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from .relance_access import DUNNING_READERS

# an invoice still (partly) unpaid: what dunning may remind
OPEN_PAYMENT_STATES = ("not_paid", "partial")
# an invoice nothing is due on any more
PAID_STATES = ("paid", "in_payment", "reversed")

# the invoice's own stored fields the dunning position (sql/positions.sql) is computed from
POSITION_INPUTS = (
    "relance_policy_id",
    "relance_level_id",
    "relance_last_date",
    "relance_escalate_date",
    "relance_dispute",
    "relance_mediation",
    "relance_pause_until",
    "relance_payment_plan_id",
    "relance_handed_over",
)

# why an invoice is paid late, as the customer said (a call, the portal) or a dispute shows
DELAY_CAUSES = [
    ("cash", "Cash difficulties"),
    ("forgotten", "Forgotten"),
    ("dispute", "Dispute"),
    ("billing_error", "Billing error"),
    ("process", "Process or approval"),
    ("unknown", "Unknown"),
]

RELANCE_STATES = [
    ("not_due", "Not due"),
    ("to_remind", "To remind"),
    ("waiting", "Waiting"),
    ("paused", "Paused"),
    ("handed_over", "Handed over"),
    ("closed", "Closed"),
]


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "relance.legal.mixin", "relance.invoice.settlement.mixin"]

    relance_policy_id = fields.Many2one(
        "relance.policy",
        "Dunning policy",
        compute="_compute_relance_policy_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        copy=False,
        groups=DUNNING_READERS,
    )
    relance_level_id = fields.Many2one(
        "relance.level",
        "Dunning level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups=DUNNING_READERS,
    )
    # the next level, its date and the state are computed at the date of the context
    # (``relance_date``, default today) by one query (relance.engine._positions): never
    # stored, so never stale
    relance_state = fields.Selection(
        RELANCE_STATES,
        "Dunning state",
        compute="_compute_relance_position",
        search="_search_relance_state",
        groups=DUNNING_READERS,
    )
    relance_last_date = fields.Date(
        "Last reminder", copy=False, readonly=True, groups=DUNNING_READERS
    )
    relance_next_date = fields.Date(
        "Next reminder",
        compute="_compute_relance_position",
        search="_search_relance_next_date",
        groups=DUNNING_READERS,
    )
    relance_next_level_id = fields.Many2one(
        "relance.level",
        "Next dunning level",
        compute="_compute_relance_position",
        search="_search_relance_next_level_id",
        groups=DUNNING_READERS,
    )
    relance_days_overdue = fields.Integer("Days overdue", compute="_compute_relance_position")
    relance_due_date = fields.Date(
        "Dunning due date",
        compute="_compute_relance_position",
        groups=DUNNING_READERS,
        help="The due date of the first instalment still open: the invoice's due date, or "
        "with payment terms in several instalments, the earliest one not paid.",
    )
    relance_handed_over = fields.Boolean(
        "Handed over to legal",
        compute="_compute_relance_handed_over",
        store=True,
        groups=DUNNING_READERS,
    )
    relance_recovery_ids = fields.Many2many(
        "relance.recovery",
        "relance_recovery_move_rel",
        "move_id",
        "recovery_id",
        "Recovered by agencies",
        readonly=True,
        copy=False,
        groups=DUNNING_READERS,
    )
    relance_skip_reason = fields.Char(
        "Dunning note",
        copy=False,
        readonly=True,
        help="Why the last run did not remind it.",
        groups=DUNNING_READERS,
    )
    relance_warning = fields.Char(
        "Dunning warning", compute="_compute_relance_warning", groups=DUNNING_READERS
    )
    relance_history_line_ids = fields.One2many(
        "relance.history.line", "move_id", "Dunning history", readonly=True, groups=DUNNING_READERS
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
        groups=DUNNING_READERS,
    )
    relance_escalate_date = fields.Date(
        "Escalate on",
        compute="_compute_relance_escalate_date",
        store=True,
        help="A broken promise, a defaulted payment plan or calls left unanswered since the "
        "last reminder bring the next level forward to this date.",
        groups=DUNNING_READERS,
    )

    relance_cause = fields.Selection(
        DELAY_CAUSES,
        "Cause of delay",
        copy=False,
        readonly=True,
        tracking=True,
        help="The last cause of the delay recorded: logged with a call, given by the customer "
        "on the portal or shown by a dispute. The chatter keeps the earlier ones.",
        groups=DUNNING_READERS,
    )
    relance_satisfaction_id = fields.Many2one(
        "relance.satisfaction",
        "Satisfaction request",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The rating asked from the customer once the invoice was paid after reminders.",
        groups=DUNNING_READERS,
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
        "move_type",
        "state",
        "payment_state",
        "amount_residual",
        "invoice_date_due",
        "relance_policy_id.level_ids.sequence",
        "relance_policy_id.level_ids.offset_days",
        "relance_policy_id.level_ids.min_days_since_previous",
        *POSITION_INPUTS,
    )
    @api.depends_context("relance_date")
    def _compute_relance_position(self):
        today = self._relance_today()
        positions = self.env["relance.engine"]._positions(
            today, SQL("move.id IN %s", tuple(self._origin.ids) or (0,))
        )
        self._relance_assign_positions(positions, today)

    def _relance_set_positions(self, positions):
        """Puts ``positions`` (``relance.engine._positions`` at the context's date, read
        for these invoices) in their position fields, as their compute would, without
        reading them again."""
        fields_ = self.pool.field_computed[self._fields["relance_next_level_id"]]
        with self.env.protecting(fields_, self):
            self._relance_assign_positions(positions, self._relance_today())

    def _relance_assign_positions(self, positions, today):
        # assigned per distinct value, on all the invoices that have it at once (100,000
        # invoices: a few hundred assignments instead of 500,000)
        by_value = defaultdict(list)
        for move_id, origin in zip(self._ids, self._origin._ids, strict=True):
            level_id, next_date, state, due = positions.get(origin, (False,) * 4)
            late = due and state not in (False, "closed") and (today - due).days
            for fname, value in (
                ("relance_next_level_id", level_id or False),
                ("relance_next_date", next_date or False),
                ("relance_state", state or False),
                ("relance_due_date", due or False),
                ("relance_days_overdue", max(late or 0, 0)),
            ):
                by_value[fname, value].append(move_id)
        for (fname, value), ids in by_value.items():
            self.browse(ids)[fname] = value

    def _search_relance_state(self, operator, value):
        return self._relance_search_position("state", operator, value)

    def _search_relance_next_date(self, operator, value):
        return self._relance_search_position("next_date", operator, value)

    def _search_relance_next_level_id(self, operator, value):
        if isinstance(value, str):
            levels = self.env["relance.level"]._search([("name", operator, value)])
            return [("relance_next_level_id", "in", levels)]
        return self._relance_search_position("next_level_id", operator, value)

    def _relance_search_position(self, column, operator, value):
        """The invoices whose dunning position at the context's date matches."""
        engine = self.env["relance.engine"]
        condition = engine._position_condition(column, operator, value)
        return [("id", "in", engine._positions_query(self._relance_today(), condition))]

    @api.depends(
        "relance_last_date",
        "relance_promise_ids.broken_date",
        "relance_payment_plan_ids.escalate_date",
        "relance_history_line_ids.history_id.escalate_date",
    )
    def _compute_relance_escalate_date(self):
        """The first escalation since the last reminder: a broken promise, a defaulted
        plan, calls left unanswered (the reminder that follows consumes it)."""
        for move in self:
            events = [
                *move.relance_promise_ids.mapped("broken_date"),
                *move.relance_payment_plan_ids.mapped("escalate_date"),
                *move.relance_history_line_ids.history_id.mapped("escalate_date"),
            ]
            last = move.relance_last_date
            move.relance_escalate_date = min(
                (day for day in events if day and (not last or day > last)), default=False
            )

    def _relance_stored_pdfs(self):
        """{invoice id: attachment id} of these invoices' stored legal PDFs (Send &
        Print's), in one query on the attachments, as ``invoice_pdf_report_id`` finds
        them but without computing that field invoice by invoice."""
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search_fetch(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ],
                ["res_id"],
            )
        )
        return {attachment.res_id: attachment.id for attachment in attachments}

    def _relance_escalation_kept(self, date):
        """Those of these invoices whose escalation date a reminder on ``date`` leaves as
        it is, without computing it again: a reminder consumes the escalations up to its
        date only, so none stays none and one after ``date`` stays, when ``date`` does not
        go back before the last reminder."""
        if not date:
            return self.browse()
        return self.filtered(
            lambda m: (not m.relance_last_date or date >= m.relance_last_date)
            and (not m.relance_escalate_date or m.relance_escalate_date > date)
        )

    @api.depends("relance_history_line_ids.channel", "relance_history_line_ids.state")
    def _compute_relance_handed_over(self):
        # one query for the few handed over, not every invoice's whole history read
        handed_over = {
            move.id
            for [move] in self.env["relance.history.line"]._read_group(
                [
                    ("move_id", "in", self._origin.ids),
                    ("channel", "=", "handover"),
                    ("state", "=", "done"),
                ],
                ["move_id"],
            )
        }
        for move in self:
            move.relance_handed_over = move._origin.id in handed_over

    @api.depends("relance_policy_id", "move_type", "state")
    def _compute_relance_warning(self):
        warning = self.env._(
            "No dunning policy applies: create a policy for this customer type "
            "in Invoicing > Configuration > Dunning."
        )
        for move in self:
            invoice = move.move_type == "out_invoice" and move.state == "posted"
            move.relance_warning = warning if invoice and not move.relance_policy_id else False

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

    def _relance_controller(self):
        """Who follows the invoice's dunning: its customer's credit controller."""
        self.ensure_one()
        return self.commercial_partner_id._relance_credit_controller(
            policy=self.sudo().relance_policy_id, salesperson=self.invoice_user_id
        )

    def _compute_payment_state(self):
        """``payment_state`` is a stored compute, recomputed in batch whatever changes it (a
        payment, a reconciliation, a credit note, a bank statement match): the one place that
        sees every invoice becoming paid. The invoices in dispute that are now paid close
        their open disputes and mediations once all of their invoices are."""
        super()._compute_payment_state()
        settled = self.filtered(lambda m: m.relance_dispute and m.payment_state in PAID_STATES)
        if settled:
            # the payer need not be a credit controller
            settled.sudo().relance_dispute_ids._close_paid()
        mediated = self.filtered(
            lambda m: m.relance_mediation and m.payment_state in PAID_STATES
        ).sudo()
        mediated.relance_mediation_ids._close_paid()

    def _relance_set_cause(self, cause):
        """Records ``cause`` as the cause of the delay of these invoices. Sudo: whoever
        logs a call, opens a dispute or answers on the portal may not edit invoices."""
        changed = self.sudo().filtered(lambda m: m.relance_cause != cause)
        if cause and changed:
            changed._relance_light_write({"relance_cause": cause})

    def _relance_light_write(self, vals):
        """Writes the module's own fields on invoices without the accounting machinery of
        ``account.move.write`` (no line synchronisation, not an edit by hand)."""
        return self.with_context(
            skip_is_manually_modified=True,
            check_move_validity=False,
            skip_invoice_sync=True,
            skip_account_move_synchronization=True,
        ).write(vals)

    # customer portal: controllers/portal.py checks the access, then calls these as sudo

    def _relance_portal_answerable(self):
        """An invoice the customer still has to pay: it may be contested or spread."""
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in OPEN_PAYMENT_STATES
        )
