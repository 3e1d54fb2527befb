from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_policy_type = fields.Selection(
        [("b2b", "Business (B2B)"), ("b2c", "Consumer (B2C)")],
        "Dunning customer type",
        compute="_compute_relance_policy_type",
        store=True,
        readonly=False,
        recursive=True,
        help="Companies are reminded with the B2B policy, individuals with the B2C one.",
    )
    relance_policy_id = fields.Many2one(
        "relance.policy",
        "Dunning policy",
        domain="[('policy_type', '=', relance_policy_type)]",
        help="Overrides the company's default policy for this customer type.",
    )
    relance_excluded = fields.Boolean("Excluded from dunning")
    relance_exclusion_reason = fields.Char("Exclusion reason")
    relance_user_id = fields.Many2one(
        "res.users",
        "Credit controller",
        help="Receives this customer's calls and validations.",
    )
    relance_contact_id = fields.Many2one(
        "res.partner",
        "Dunning contact",
        compute="_compute_relance_contact_id",
        store=True,
        readonly=False,
        domain="[('id', 'child_of', commercial_partner_id)]",
        help="Who receives the reminders; by default the invoice address, else the customer.",
    )
    relance_channel_preference = fields.Selection(
        [("email", "Email"), ("sms", "SMS"), ("call", "Phone call"), ("letter", "Letter")],
        "Preferred channel",
    )

    @api.depends("is_company", "parent_id.relance_policy_type")
    def _compute_relance_policy_type(self):
        for partner in self:
            if partner.parent_id:
                partner.relance_policy_type = partner.parent_id.relance_policy_type
            else:
                partner.relance_policy_type = "b2b" if partner.is_company else "b2c"

    @api.depends("child_ids.type")
    def _compute_relance_contact_id(self):
        for partner in self:
            invoice_contacts = partner.child_ids.filtered(lambda c: c.type == "invoice")
            partner.relance_contact_id = invoice_contacts[:1] or partner

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "relance_policy_type",
            "relance_policy_id",
            "relance_excluded",
            "relance_exclusion_reason",
            "relance_user_id",
        ]
