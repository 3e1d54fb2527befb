import phonenumbers

from odoo import api, fields, models

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


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

    relance_phone_e164 = fields.Char(
        "Phone (E.164)",
        compute="_compute_relance_phone",
        store=True,
        help="The phone number normalised for calls and SMS, e.g. +33612345678.",
    )
    relance_phone_national = fields.Char("Phone (national)", compute="_compute_relance_phone")
    relance_phone_is_mobile = fields.Boolean("Mobile phone", compute="_compute_relance_phone")
    relance_phone_warning = fields.Char("Phone warning", compute="_compute_relance_phone")
    relance_handover_partner_id = fields.Many2one(
        "res.partner",
        "Handed over to",
        help="The collection agency, bailiff (commissaire de justice) or lawyer in charge.",
    )
    relance_handover_date = fields.Date("Handed over on", readonly=True)

    @api.depends("phone", "country_id", "company_id.country_id")
    def _compute_relance_phone(self):
        default_region = self.env.company.country_id.code or "FR"
        for partner in self:
            values = partner._relance_parse_phone(
                partner.phone,
                partner.country_id.code or partner.company_id.country_id.code or default_region,
            )
            partner.update(values)

    def _relance_parse_phone(self, number, region):
        """The number in E.164 and national format, whether it is a mobile, or why it
        cannot be used."""
        values = {
            "relance_phone_e164": False,
            "relance_phone_national": False,
            "relance_phone_is_mobile": False,
            "relance_phone_warning": False,
        }
        if not number:
            values["relance_phone_warning"] = self.env._("No phone number.")
            return values
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            parsed = None
        if not parsed or not phonenumbers.is_valid_number(parsed):
            values["relance_phone_warning"] = self.env._(
                "Invalid phone number: %(number)s.", number=number
            )
            return values
        values["relance_phone_e164"] = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164
        )
        values["relance_phone_national"] = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.NATIONAL
        )
        values["relance_phone_is_mobile"] = phonenumbers.number_type(parsed) in MOBILE_TYPES
        return values

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
