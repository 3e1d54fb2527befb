from odoo import Command, api, fields, models


class RelanceSettlementMixin(models.AbstractModel):
    """What disputes, promises to pay and payment plans share: a customer's invoices of
    one company. Each model declares its own ``move_ids`` (its own relation table)."""

    _name = "relance.settlement.mixin"
    _description = "Amicable settlement of unpaid invoices"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.model
    def _values_for(self, moves, **values):
        """What every settlement of these invoices starts with: their customer, company and
        the invoices themselves."""
        return {
            "partner_id": moves.commercial_partner_id[:1].id,
            "company_id": moves.company_id[:1].id,
            "move_ids": [Command.set(moves.ids)],
            **values,
        }

    def _notify_controller(self, move, author, body, summary):
        """The customer's message on the invoice (from the portal), and an activity on
        this settlement for its credit controller."""
        self.ensure_one()
        move.message_post(
            body=body, author_id=author.id, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, user_id=self.user_id.id
        )
