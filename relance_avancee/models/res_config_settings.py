from odoo import api, fields, models

from .relance_access import DUNNING_READERS
from .res_company import MARGIN_PRESETS


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
    # not related fields: both written at once, else the rate written after the preset
    # would make the company's preset "custom" again (res.company._compute_relance_margin_preset)
    relance_margin_preset = fields.Selection(
        MARGIN_PRESETS,
        "Average margin",
        compute="_compute_relance_margin",
        inverse="_inverse_relance_margin",
        readonly=False,
        groups=DUNNING_READERS,
    )
    relance_margin_rate = fields.Float(
        "Average margin (%)",
        compute="_compute_relance_margin",
        inverse="_inverse_relance_margin",
        readonly=False,
        groups=DUNNING_READERS,
    )
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
    relance_notice_delivery_days = fields.Integer(
        related="company_id.relance_notice_delivery_days", readonly=False
    )
    relance_consumer_mediator_name = fields.Char(
        related="company_id.relance_consumer_mediator_name", readonly=False
    )
    relance_consumer_mediator_address = fields.Char(
        related="company_id.relance_consumer_mediator_address", readonly=False
    )
    relance_consumer_mediator_website = fields.Char(
        related="company_id.relance_consumer_mediator_website", readonly=False
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the one of the margin fields not given is the company's (their inverse writes both)
        for vals in vals_list:
            names = {"relance_margin_preset", "relance_margin_rate"}
            if len(names & vals.keys()) == 1:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals.update({name: company[name] for name in names - vals.keys()})
        return super().create(vals_list)

    @api.depends("company_id")
    def _compute_relance_margin(self):
        for settings in self:
            settings.relance_margin_preset = settings.company_id.relance_margin_preset
            settings.relance_margin_rate = settings.company_id.relance_margin_rate

    def _inverse_relance_margin(self):
        for settings in self:
            settings.company_id.write(
                {
                    "relance_margin_rate": settings.relance_margin_rate,
                    "relance_margin_preset": settings.relance_margin_preset,
                }
            )

    relance_dso_method = fields.Selection(related="company_id.relance_dso_method", readonly=False)
    relance_rating_request = fields.Boolean(
        related="company_id.relance_rating_request", readonly=False
    )

    def action_relance_add_invoice_mentions(self):
        self.company_id.action_relance_add_invoice_mentions()
