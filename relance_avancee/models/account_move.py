import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

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
    relance_run_line_ids = fields.Many2many(
        "relance.run.line",
        "relance_run_line_move_rel",
        "move_id",
        "line_id",
        "Dunning proposals",
        readonly=True,
        copy=False,
    )

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
        return date

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "amount_residual",
        "relance_dispute",
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
        if self.relance_dispute:
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
                    "in Accounting > Configuration > Dunning."
                )
            else:
                move.relance_warning = False

    def _relance_still_due_for(self, level):
        """After locking: is this invoice still waiting for exactly this level?"""
        self.ensure_one()
        return (
            self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self.relance_dispute
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

    @api.depends("invoice_date_due", "payment_state")
    def _compute_relance_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            open_ = move.payment_state not in ("paid", "in_payment", "reversed")
            move.relance_days_overdue = max((today - due).days, 0) if due and open_ else 0
