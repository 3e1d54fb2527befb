from odoo import api, fields, models


class RelanceHistoryLine(models.Model):
    """An invoice concerned by a dunning action. The unique index makes each
    (invoice, level, channel) happen once, whatever runs overlap."""

    _name = "relance.history.line"
    _description = "Dunning action invoice"
    _order = "history_id desc, id"

    history_id = fields.Many2one("relance.history", required=True, ondelete="cascade", index=True)
    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, ondelete="cascade", index=True
    )
    level_id = fields.Many2one(
        "relance.level",
        compute="_compute_level_id",
        store=True,
        readonly=False,
        index=True,
        help="The invoice's own level: an action at a higher level covers the lower levels "
        "of the customer's other invoices.",
    )
    channel = fields.Selection(related="history_id.channel", store=True)
    state = fields.Selection(related="history_id.state", store=True)
    date = fields.Date(related="history_id.date", store=True)
    partner_id = fields.Many2one(related="history_id.partner_id")
    company_id = fields.Many2one(related="history_id.company_id", store=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        "Amount due then", currency_field="currency_id", help="Remaining amount at the action date."
    )

    @api.depends("history_id.level_id")
    def _compute_level_id(self):
        for line in self:
            line.level_id = line.history_id.level_id

    _once_per_level_channel = models.UniqueIndex(
        "(move_id, level_id, channel) WHERE state != 'cancelled'",
        "This invoice already had this action at this level.",
    )
