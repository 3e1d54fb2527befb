from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_penalty_mode = fields.Selection(
        related="company_id.relance_penalty_mode", readonly=False
    )
    relance_penalty_rate = fields.Float(related="company_id.relance_penalty_rate", readonly=False)
    relance_claim_indemnity = fields.Boolean(
        related="company_id.relance_claim_indemnity", readonly=False
    )
    relance_indemnity_amount = fields.Float(
        related="company_id.relance_indemnity_amount", readonly=False
    )
    relance_margin_rate = fields.Float(related="company_id.relance_margin_rate", readonly=False)
    relance_promise_grace_days = fields.Integer(
        related="company_id.relance_promise_grace_days", readonly=False
    )
    relance_plan_installments = fields.Integer(
        related="company_id.relance_plan_installments", readonly=False
    )

    relance_grade_good_days = fields.Integer(
        related="company_id.relance_grade_good_days", readonly=False
    )
    relance_grade_poor_days = fields.Integer(
        related="company_id.relance_grade_poor_days", readonly=False
    )

    def action_relance_add_invoice_mentions(self):
        self.company_id.action_relance_add_invoice_mentions()
