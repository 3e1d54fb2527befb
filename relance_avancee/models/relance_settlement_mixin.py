from odoo import fields, models


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
