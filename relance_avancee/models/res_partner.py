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
    relance_reminder_copy = fields.Boolean(
        "Copy of reminders",
        help="An accounting contact of the customer who receives the dunning emails in copy.",
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

    # ------------------------------------------------------------------------------------
    # Customer statement (relevé de compte)
    # ------------------------------------------------------------------------------------

    def _relance_statement_domain(self, companies=None, date=None):
        """The open receivable items of these customers (and their contacts): posted,
        unreconciled journal items with something left, in ``companies`` when given,
        dated ``date`` at the latest when given."""
        domain = [
            ("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        if date:
            domain.append(("date", "<=", date))
        return domain

    def _relance_statement_data(self, company, date):
        """The statement of account of these customers in ``company`` at ``date``, from one
        query for all of them: {commercial partner id: [per currency, by currency name,
        {"currency", "items", "total", "ageing"}]}.

        Each item, by due date: "type" (``invoice``, ``credit_note``, ``payment`` for an
        unallocated payment or any other credit, ``entry`` for another debit), "number",
        "date", "date_due", "amount" (the original amount) and "residual", signed (credits
        negative) in the item's own currency, and "days_late" (of what is owed; 0 for a
        credit). "ageing" spreads the residuals on the days past the due date (an item
        without due date is aged from its date), as Odoo's aged receivable does, so its
        buckets ``not_due``, ``1_30``, ``31_60``, ``61_90``, ``over_90`` add up to "total".
        """
        partners = self.commercial_partner_id
        result = {partner.id: [] for partner in partners}
        if not partners:
            return result
        lines = self.env["account.move.line"].search_fetch(
            partners._relance_statement_domain(company, date),
            [
                "partner_id",
                "move_name",
                "move_type",
                "date",
                "date_maturity",
                "currency_id",
                "amount_currency",
                "amount_residual_currency",
            ],
            order="id",
        )
        by_partner = {}
        for line in lines:
            due = line.date_maturity or line.date
            age = (date - due).days
            residual = line.amount_residual_currency
            if line.move_type in ("out_invoice", "out_receipt"):
                kind = "invoice"
            elif line.move_type == "out_refund":
                kind = "credit_note"
            else:
                kind = "payment" if residual < 0 else "entry"
            statement = by_partner.setdefault(line.partner_id.commercial_partner_id.id, {})
            currency = statement.setdefault(
                line.currency_id,
                {
                    "currency": line.currency_id,
                    "items": [],
                    "total": 0.0,
                    "ageing": dict.fromkeys(("not_due", "1_30", "31_60", "61_90", "over_90"), 0.0),
                },
            )
            currency["items"].append(
                {
                    "type": kind,
                    "number": line.move_name,
                    "date": line.date,
                    "date_due": due,
                    "amount": line.amount_currency,
                    "residual": residual,
                    "days_late": max(age, 0) if residual > 0 else 0,
                }
            )
            currency["total"] += residual
            currency["ageing"][self._relance_ageing_bucket(age)] += residual
        for partner_id, statement in by_partner.items():
            for values in statement.values():
                values["items"].sort(key=lambda i: (i["date_due"], i["date"], i["number"]))
                rounding = values["currency"].round
                values["total"] = rounding(values["total"])
                values["ageing"] = {
                    key: rounding(amount) for key, amount in values["ageing"].items()
                }
            result[partner_id] = sorted(statement.values(), key=lambda v: v["currency"].name)
        return result

    @api.model
    def _relance_ageing_bucket(self, days_late):
        """The statement's ageing bucket of an item so many days past its due date."""
        if days_late <= 0:
            return "not_due"
        if days_late > 90:
            return "over_90"
        start = (days_late - 1) // 30 * 30
        return f"{start + 1}_{start + 30}"

    def _relance_statement_companies(self):
        """The companies in which these customers have open receivable items."""
        groups = self.env["account.move.line"]._read_group(
            self._relance_statement_domain(), ["company_id"]
        )
        return self.env["res.company"].union(*(company for (company,) in groups))

    def _relance_portal_statement_company(self, company_id=None, current=None):
        """The company whose statement the customer gets on the portal: ``company_id`` (a
        request parameter, not trusted) when the customer has open items in it, else the
        ``current`` company when it has, else the first company where it has, else the
        ``current`` one (an empty statement). Never a company of someone else's items: the
        items shown are always the customer's own."""
        self.ensure_one()
        companies = self._relance_statement_companies()
        asked = companies.filtered(lambda c: c.id == company_id)
        if asked:
            return asked
        if current and current in companies:
            return current
        return companies[:1] or current or self.env.company

    def _relance_credit_controller(self, policy=None, salesperson=None):
        """Who follows this customer's dunning: its credit controller, else its
        salesperson, else the policy's default user, else ``salesperson`` (the invoice's);
        never a portal user nor OdooBot (the user of crons and portal requests): the
        administrator when nobody else qualifies."""
        self.ensure_one()
        partner = self.commercial_partner_id
        candidates = (
            partner.relance_user_id,
            partner.user_id,
            policy and policy.default_user_id,
            salesperson,
        )
        return next(
            (
                user
                for user in candidates
                if user and user.active and user._is_internal() and not user._is_superuser()
            ),
            self.env.ref("base.user_admin"),
        )

    # replies to a reminder email come back by Odoo's mail gateway to the customer's
    # thread (the mail's record): each invoice of the reminder gets the reply
    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if message.message_type == "email" and message.parent_id:
            history = (
                self.env["relance.history"]
                .sudo()
                .search([("message_id", "=", message.parent_id.id)], limit=1)
            )
            if history:
                history._post_customer_reply(message)
        return result
