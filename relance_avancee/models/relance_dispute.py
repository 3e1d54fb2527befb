from odoo import api, fields, models

from .account_move import PAID_STATES

DISPUTE_REASONS = [
    ("amount", "Amount contested"),
    ("not_delivered", "Goods or service not delivered"),
    ("invoicing_error", "Invoicing error"),
    ("missing_po", "Missing purchase order"),
    ("other", "Other"),
]
# the cause of delay a dispute shows, by its reason (else a dispute): a missing purchase
# order is the customer's approval process
DISPUTE_CAUSES = {"invoicing_error": "billing_error", "missing_po": "process"}

DISPUTE_STATES = [
    ("open", "Open"),
    ("credit_note", "Settled by a credit note"),
    ("corrected", "Settled by a corrected invoice"),
    ("rejected", "Rejected"),
    ("paid", "Closed: invoices paid"),
]


class RelanceDispute(models.Model):
    """A dispute ("litige") over some invoices of a customer: their reminders are paused
    while it is open; they resume at the level they had when it is closed."""

    _name = "relance.dispute"
    _description = "Invoice dispute"
    _inherit = ["relance.settlement.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "state, date_open desc, id desc"
    _check_company_auto = True

    move_ids = fields.Many2many(
        "account.move",
        "relance_dispute_move_rel",
        "dispute_id",
        "move_id",
        "Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    reason = fields.Selection(DISPUTE_REASONS, required=True, default="other", tracking=True)
    description = fields.Text()
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True
    )
    date_open = fields.Date("Opened on", required=True, default=fields.Date.context_today)
    date_closed = fields.Date("Closed on", readonly=True)
    state = fields.Selection(
        DISPUTE_STATES, required=True, default="open", tracking=True, index=True
    )
    amount = fields.Monetary(
        "Amount in dispute", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    age_days = fields.Integer("Age (days)", compute="_compute_age_days")

    @api.depends("move_ids.amount_residual_signed")
    def _compute_amount(self):
        for dispute in self:
            dispute.amount = sum(dispute.move_ids.mapped("amount_residual_signed"))

    @api.depends("date_open", "date_closed")
    def _compute_age_days(self):
        today = fields.Date.context_today(self)
        for dispute in self:
            end = dispute.date_closed or today
            dispute.age_days = (end - dispute.date_open).days if dispute.date_open else 0

    @api.depends("partner_id", "reason")
    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for dispute in self:
            dispute.display_name = self.env._(
                "Dispute %(customer)s: %(reason)s",
                customer=dispute.partner_id.name or "",
                reason=reasons.get(dispute.reason, ""),
            )

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            dispute.partner_id._message_log(
                body=self.env._(
                    "Dispute opened on %(invoices)s: %(reason)s. Reminders paused.",
                    invoices=", ".join(dispute.move_ids.mapped("name")),
                    reason=dispute.display_name,
                ),
            )
        disputes._set_invoice_causes()
        return disputes

    def write(self, vals):
        result = super().write(vals)
        if "reason" in vals:
            self.filtered(lambda d: d.state == "open")._set_invoice_causes()
        return result

    def _set_invoice_causes(self):
        """The invoices of these disputes are late because of them (see DISPUTE_CAUSES)."""
        for cause, disputes in self.grouped(
            lambda d: DISPUTE_CAUSES.get(d.reason, "dispute")
        ).items():
            disputes.move_ids._relance_set_cause(cause)

    def action_close_credit_note(self):
        """Settled by a credit note: closes the disputes and opens Odoo's credit note wizard
        on their invoices, the dispute reason as the credit note's."""
        open_disputes = self.filtered(lambda d: d.state == "open")
        moves = open_disputes.move_ids
        labels = open_disputes._reason_labels()
        self._close("credit_note")
        if not moves:
            return False
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_view_account_move_reversal"
        )
        action["name"] = self.env._("Credit Note")
        action["context"] = {
            "active_model": "account.move",
            "active_ids": moves.ids,
            "default_reason": "; ".join(dict.fromkeys(labels.values())),
        }
        return action

    def action_close_corrected(self):
        self._close("corrected")

    def action_reject(self):
        self._close("rejected")

    def _close(self, state):
        self.filtered(lambda d: d.state == "open").write(
            {"state": state, "date_closed": fields.Date.context_today(self)}
        )

    def _close_paid(self):
        """The open disputes among these whose invoices are all paid or reversed close
        themselves, with a message on each: settled by a credit note when all the invoices
        are reversed by one, else closed as paid."""
        settled = self.filtered(
            lambda d: d.state == "open" and all(m.payment_state in PAID_STATES for m in d.move_ids)
        )
        credited = settled.filtered(
            lambda d: all(m.payment_state == "reversed" for m in d.move_ids)
        )
        credited._close("credit_note")
        (settled - credited)._close("paid")
        for dispute in settled:
            dispute.message_post(
                body=self.env._(
                    "All the invoices of the dispute are settled (%(invoices)s): dispute "
                    "closed.",
                    invoices=", ".join(dispute.move_ids.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return settled

    def _reason_labels(self):
        """{dispute: its reason and description}, as shown on the invoices."""
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        return {
            dispute: f"{reasons[dispute.reason]}: {dispute.description}"
            if dispute.description
            else reasons[dispute.reason]
            for dispute in self
        }

    @api.model
    def _open_for(self, moves, reason, description="", user=None):
        """A dispute over these invoices, followed by ``user`` (default: the current one)."""
        vals = self._values_for(moves, reason=reason, description=description)
        if user:
            vals["user_id"] = user.id
        return self.create(vals)

    @api.model
    def _portal_contest(self, move, author, reason, message):
        """The customer contests the invoice on the portal (controllers/portal.py checks
        the access, then calls this as sudo): a dispute pauses its reminders and the credit
        controller gets an activity. Contesting it again changes nothing."""
        if move.relance_dispute or not move._relance_portal_answerable():
            return self.browse()
        dispute = self._open_for(move, reason, message, user=move._relance_controller())
        dispute._notify_controller(
            move,
            author,
            self.env._("Invoice contested by the customer: %(message)s", message=message),
            self.env._("Dispute opened by the customer on the portal"),
        )
        return dispute
