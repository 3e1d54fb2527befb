from odoo import api, fields, models
from odoo.exceptions import ValidationError

PENALTY_MODES = [
    ("ecb", "ECB rate + 10 points (legal default)"),
    ("contract", "Contractual rate"),
]

LEGAL_MENTIONS = (
    "En cas de retard de paiement, des pénalités de retard sont exigibles au taux de "
    "%(rate)s, dès le jour suivant la date d'échéance, sans qu'un rappel soit nécessaire "
    "(article L441-10 du Code de commerce), ainsi qu'une indemnité forfaitaire pour frais de "
    "recouvrement de 40 € (article D441-5 du Code de commerce). Pas d'escompte pour paiement "
    "anticipé."
)


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_penalty_mode = fields.Selection(
        PENALTY_MODES, "Late-payment penalty rate", default="ecb", required=True
    )
    relance_penalty_rate = fields.Float(
        "Contractual penalty rate (%)",
        digits=(6, 3),
        help="Annual rate agreed in the general terms; at least 3 times the legal interest rate.",
    )
    relance_claim_indemnity = fields.Boolean(
        "Claim the fixed recovery indemnity",
        default=True,
        help="40 EUR per late invoice of a business customer (Code de commerce D441-5).",
    )
    relance_indemnity_amount = fields.Float("Fixed recovery indemnity (EUR)", default=40.0)
    relance_margin_rate = fields.Float(
        "Average margin (%)",
        default=20.0,
        help="Used for the impact of an unpaid invoice: the revenue needed to make up for it.",
    )
    relance_promise_grace_days = fields.Integer(
        "Promise grace days",
        default=3,
        help="Days after a promised date (or an instalment date) before it counts as broken.",
    )
    relance_plan_installments = fields.Integer("Default instalments of a payment plan", default=3)
    relance_grade_good_days = fields.Integer(
        "Good payer up to (days late)",
        default=5,
        help="Average days late over 12 months up to which a customer is a good payer.",
    )
    relance_grade_poor_days = fields.Integer(
        "Poor payer from (days late)",
        default=30,
        help="Average days late over 12 months from which a customer is a poor payer.",
    )

    @api.constrains("relance_penalty_mode", "relance_penalty_rate")
    def _check_relance_penalty_rate(self):
        rate_model = self.env["relance.rate"]
        table = rate_model._rate_table()
        today = fields.Date.context_today(self)
        for company in self.filtered(lambda c: c.relance_penalty_mode == "contract"):
            legal = rate_model._rate_at(table, "legal_professional", today) or 0.0
            if company.relance_penalty_rate < 3 * legal:
                raise ValidationError(
                    self.env._(
                        "The contractual penalty rate (%(rate)s %%) cannot be lower than three "
                        "times the legal interest rate (3 x %(legal)s %% = %(floor)s %%).",
                        rate=company.relance_penalty_rate,
                        legal=legal,
                        floor=round(3 * legal, 3),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["relance.policy"].sudo()._ensure_default_policies(companies)
        return companies

    def _relance_penalty_rate_label(self):
        """How the penalty rate reads in the invoice terms."""
        self.ensure_one()
        if self.relance_penalty_mode == "contract":
            return f"{self.relance_penalty_rate:g} %"
        return "taux directeur de la BCE majoré de 10 points"

    def action_relance_add_invoice_mentions(self):
        """Adds the mandatory B2B mentions (penalty rate, 40 EUR indemnity) to the default
        invoice terms, once."""
        for company in self:
            mentions = LEGAL_MENTIONS % {"rate": company._relance_penalty_rate_label()}
            terms = company.invoice_terms or ""
            if "D441-5" not in terms:
                company.invoice_terms = f"{terms}<p>{mentions}</p>"
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", True)
