from odoo import api, fields, models


class RelancePaymentPlanInstallment(models.Model):
    _name = "relance.payment.plan.installment"
    _description = "Payment plan instalment"
    _order = "plan_id, date, sequence"

    plan_id = fields.Many2one("relance.payment.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer()
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    amount_paid = fields.Monetary(currency_field="currency_id", readonly=True)
    state = fields.Selection(
        [("pending", "To pay"), ("paid", "Paid")], compute="_compute_state", store=True
    )

    @api.depends("amount", "amount_paid")
    def _compute_state(self):
        for installment in self:
            paid = installment.currency_id.compare_amounts(
                installment.amount_paid, installment.amount
            )
            installment.state = "paid" if paid >= 0 else "pending"
