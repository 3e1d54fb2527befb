import phonenumbers

from odoo import api, fields, models
from odoo.tools import SQL

GRADES = [("good", "Good payer"), ("average", "Average payer"), ("poor", "Poor payer")]
# the run proposes the worst payers first
GRADE_PRIORITY = {"poor": 3, "average": 2, None: 1, "good": 0}

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
    relance_phone_national = fields.Char(
        "Phone (national)", compute="_compute_relance_phone", store=True
    )
    relance_phone_is_mobile = fields.Boolean(
        "Mobile phone", compute="_compute_relance_phone", store=True
    )
    relance_phone_warning = fields.Char(
        "Phone warning", compute="_compute_relance_phone", store=True
    )
    relance_handover_partner_id = fields.Many2one(
        "res.partner",
        "Handed over to",
        help="The collection agency, bailiff (commissaire de justice) or lawyer in charge.",
    )
    relance_handover_date = fields.Date("Handed over on", readonly=True)
    relance_avg_days_late = fields.Float(
        "Average days late", compute="_compute_relance_behaviour", digits=(16, 1)
    )
    relance_on_time_rate = fields.Float(
        "Paid on time (%)", compute="_compute_relance_behaviour", digits=(16, 1)
    )
    relance_reminder_count = fields.Integer("Reminders", compute="_compute_relance_behaviour")
    relance_open_dispute_count = fields.Integer(
        "Open disputes", compute="_compute_relance_behaviour"
    )
    relance_behaviour_grade = fields.Selection(
        GRADES,
        "Payment behaviour",
        compute="_compute_relance_behaviour",
        help="From the average days late of the invoices paid over the last 12 months.",
    )

    def _compute_relance_behaviour(self):
        behaviour = self._relance_behaviour(fields.Date.context_today(self))
        for partner in self:
            values = behaviour.get(partner.commercial_partner_id.id, {})
            partner.relance_avg_days_late = values.get("avg_days_late", 0.0)
            partner.relance_on_time_rate = values.get("on_time_rate", 0.0)
            partner.relance_reminder_count = values.get("reminders", 0)
            partner.relance_open_dispute_count = values.get("open_disputes", 0)
            partner.relance_behaviour_grade = values.get("grade")

    def _relance_behaviour(self, date, companies=None):
        """{commercial partner id: payment behaviour over the 12 months before ``date``}
        in ``companies`` (default: the user's current companies, the first one giving the
        grade thresholds): average days late and share paid on time of the invoices fully
        paid, reminders done, open disputes, and the grade. Three queries."""
        partners = self.commercial_partner_id
        if not partners:
            return {}
        companies = companies or self.env.companies
        since = fields.Date.add(date, months=-12)
        self.env["account.move"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT paid.partner_id,
                       AVG(GREATEST(paid.days_late, 0)),
                       AVG(CASE WHEN paid.days_late <= 0 THEN 100.0 ELSE 0 END)
                  FROM (
                        SELECT move.commercial_partner_id AS partner_id,
                               MAX(partial.max_date) - move.invoice_date_due AS days_late
                          FROM account_move move
                          JOIN account_move_line aml ON aml.move_id = move.id
                          JOIN account_partial_reconcile partial
                            ON partial.debit_move_id = aml.id
                         WHERE move.move_type = 'out_invoice'
                           AND move.state = 'posted'
                           AND move.payment_state IN ('paid', 'in_payment')
                           AND move.commercial_partner_id IN %(partners)s
                           AND move.company_id IN %(companies)s
                         GROUP BY move.id
                        HAVING MAX(partial.max_date) BETWEEN %(since)s AND %(date)s
                       ) paid
                 GROUP BY paid.partner_id
                """,
                partners=tuple(partners.ids),
                companies=tuple(companies.ids),
                since=since,
                date=date,
            )
        )
        reminders = dict(
            self.env["relance.history"]._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", companies.ids),
                    ("state", "=", "done"),
                    ("date", ">=", since),
                    ("date", "<=", date),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        disputes = dict(
            self.env["relance.dispute"]._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", companies.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        company = companies[:1]
        result = {
            partner.id: {
                "reminders": reminders.get(partner, 0),
                "open_disputes": disputes.get(partner, 0),
                "grade": None,
            }
            for partner in partners
        }
        for partner_id, avg, on_time in rows:
            avg_late = float(avg)
            if avg_late <= company.relance_grade_good_days:
                grade = "good"
            elif avg_late >= company.relance_grade_poor_days:
                grade = "poor"
            else:
                grade = "average"
            result[partner_id].update(
                {"avg_days_late": avg_late, "on_time_rate": float(on_time), "grade": grade}
            )
        return result

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
