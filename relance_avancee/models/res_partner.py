import phonenumbers
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..report.relance_statement import STATEMENT_MODEL
from .relance_access import DUNNING_READERS, copy_data_readable
from .relance_policy import POLICY_TYPES
from .res_company import MARGIN_PRESETS

GRADES = [("good", "Good payer"), ("average", "Average payer"), ("poor", "Poor payer")]
# the run proposes the worst payers first
GRADE_PRIORITY = {"poor": 3, "average": 2, None: 1, "good": 0}

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "relance.agency.mixin"]

    relance_policy_type = fields.Selection(
        POLICY_TYPES,
        "Dunning customer type",
        compute="_compute_relance_policy_type",
        store=True,
        readonly=False,
        recursive=True,
        help="Companies are reminded with the B2B policy, individuals with the B2C one.",
        groups=DUNNING_READERS,
    )
    relance_policy_id = fields.Many2one(
        "relance.policy",
        "Dunning policy",
        domain="[('policy_type', '=', relance_policy_type), ('is_template', '=', False)]",
        help="Overrides the company's default policy for this customer type.",
        groups=DUNNING_READERS,
    )
    relance_excluded = fields.Boolean("Excluded from dunning", groups=DUNNING_READERS)
    relance_exclusion_reason = fields.Char("Exclusion reason", groups=DUNNING_READERS)
    relance_user_id = fields.Many2one(
        "res.users",
        "Credit controller",
        help="Receives this customer's calls and validations.",
        groups=DUNNING_READERS,
    )
    relance_contact_id = fields.Many2one(
        "res.partner",
        "Dunning contact",
        compute="_compute_relance_contact_id",
        store=True,
        readonly=False,
        domain="[('id', 'child_of', commercial_partner_id)]",
        help="Who receives the reminders; by default the invoice address, else the customer.",
        groups=DUNNING_READERS,
    )
    relance_reminder_copy = fields.Boolean(
        "Copy of reminders",
        help="An accounting contact of the customer who receives the dunning emails in copy.",
        groups=DUNNING_READERS,
    )
    relance_channel_preference = fields.Selection(
        [("email", "Email"), ("sms", "SMS"), ("call", "Phone call"), ("letter", "Letter")],
        "Preferred channel",
        groups=DUNNING_READERS,
    )

    # the number itself is Odoo's phone_sanitized (phone_validation): what dunning adds is
    # whether it is a mobile (for SMS) and why there is no usable number
    relance_phone_e164 = fields.Char(
        "Phone (E.164)",
        related="phone_sanitized",
        help="The phone number normalised for calls and SMS, e.g. +33612345678.",
        groups=DUNNING_READERS,
    )
    relance_phone_national = fields.Char(
        "Phone (national)", compute="_compute_relance_phone", groups=DUNNING_READERS
    )
    relance_phone_is_mobile = fields.Boolean(
        "Mobile phone", compute="_compute_relance_phone", groups=DUNNING_READERS
    )
    relance_phone_warning = fields.Char(
        "Phone warning", compute="_compute_relance_phone", groups=DUNNING_READERS
    )
    relance_handover_partner_id = fields.Many2one(
        "res.partner",
        "Handed over to",
        help="The collection agency, bailiff (commissaire de justice) or lawyer in charge.",
        groups=DUNNING_READERS,
    )
    relance_handover_date = fields.Date("Handed over on", readonly=True, groups=DUNNING_READERS)
    relance_avg_days_late = fields.Float(
        "Average days late",
        compute="_compute_relance_behaviour",
        digits=(16, 1),
        groups=DUNNING_READERS,
    )
    relance_on_time_rate = fields.Float(
        "Paid on time (%)",
        compute="_compute_relance_behaviour",
        digits=(16, 1),
        groups=DUNNING_READERS,
    )
    relance_reminder_count = fields.Integer(
        "Reminders", compute="_compute_relance_behaviour", groups=DUNNING_READERS
    )
    relance_open_dispute_count = fields.Integer(
        "Open disputes", compute="_compute_relance_behaviour", groups=DUNNING_READERS
    )
    relance_margin_preset = fields.Selection(
        MARGIN_PRESETS,
        "Average margin",
        help="The average margin of the impact figure of this customer's invoices; empty: "
        "the company's.",
        groups=DUNNING_READERS,
    )
    relance_margin_rate = fields.Float(
        "Average margin (%)", help="This customer's custom average margin.", groups=DUNNING_READERS
    )
    relance_impact_currency_id = fields.Many2one(
        "res.currency",
        "Impact currency",
        compute="_compute_relance_impact_total",
        groups=DUNNING_READERS,
    )
    relance_impact_total = fields.Monetary(
        "Revenue to make up",
        currency_field="relance_impact_currency_id",
        compute="_compute_relance_impact_total",
        help="Sales needed to make up for the open invoices of this customer in the current "
        "company, at its average margin.",
        groups=DUNNING_READERS,
    )
    relance_behaviour_grade = fields.Selection(
        GRADES,
        "Payment behaviour",
        compute="_compute_relance_behaviour",
        help="From the average days late of the invoices paid over the last 12 months.",
        groups=DUNNING_READERS,
    )

    def _compute_relance_impact_total(self):
        # _origin: a customer being edited (or created) in a form is a new record
        totals = self.env["relance.legal"]._impact_totals(
            self.env.company, fields.Date.context_today(self), self.commercial_partner_id._origin
        )
        for partner in self:
            customer = partner.commercial_partner_id._origin
            partner.relance_impact_total = totals.get(customer.id, 0.0)
            # computed for the current company: in its currency
            partner.relance_impact_currency_id = self.env.company.currency_id

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
        # _origin: a customer being created in a form is a new record, without figures
        partners = self.commercial_partner_id._origin
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

    @api.depends("phone", "phone_sanitized", "country_id")
    def _compute_relance_phone(self):
        for partner in self:
            number = partner.phone_sanitized
            partner.relance_phone_national = number and partner._phone_format(
                number=number, force_format="NATIONAL"
            )
            partner.relance_phone_is_mobile = bool(number) and (
                phonenumbers.number_type(phonenumbers.parse(number)) in MOBILE_TYPES
            )
            if number:
                partner.relance_phone_warning = False
            elif partner.phone:
                partner.relance_phone_warning = self.env._(
                    "Invalid phone number: %(number)s.", number=partner.phone
                )
            else:
                partner.relance_phone_warning = self.env._("No phone number.")

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

    def copy_data(self, default=None):
        return copy_data_readable(self, default, super().copy_data)

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "relance_policy_type",
            "relance_policy_id",
            "relance_excluded",
            "relance_exclusion_reason",
            "relance_user_id",
            "relance_margin_preset",
            "relance_margin_rate",
        ]

    def _relance_credit_controller(self, policy=None, salesperson=None):
        """Who follows this customer's dunning: its credit controller, else its
        salesperson, else ``policy``'s default user, else ``salesperson`` (the invoice's).
        Never a portal user, someone archived nor OdooBot (the current user of portal
        requests and crons): the administrator when nobody qualifies."""
        self.ensure_one()
        # the dunning fields read as sudo: any user may ask (a portal request, a reply)
        customer = self.commercial_partner_id.sudo()
        candidates = (
            customer.relance_user_id,
            customer.user_id,
            policy and policy.default_user_id,
            salesperson,
        )
        controller = next(
            (
                user
                for user in candidates
                if user and user.active and user._is_internal() and not user._is_superuser()
            ),
            None,
        )
        if not controller:
            # the administrator when nobody qualifies (the id is cached: env.ref would cost
            # a query a customer)
            admin_id = self.env["ir.model.data"]._xmlid_to_res_id("base.user_admin")
            controller = self.env["res.users"].browse(admin_id)
        return controller.with_env(self.env)

    # ------------------------------------------------------------------------------------
    # Customer statement (relevé de compte, see report/relance_statement.py)
    # ------------------------------------------------------------------------------------

    def _relance_statement_companies(self):
        """The companies in which these customers have open receivable items."""
        groups = self.env["account.move.line"]._read_group(
            self.env[STATEMENT_MODEL]._open_items_domain(self), ["company_id"]
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
                self._relance_post_customer_reply(history, message)
        return result

    def _relance_post_customer_reply(self, history, message):
        """The customer's reply to the email of ``history``, on each of its invoices, their
        credit controllers notified."""
        body = Markup("%s<br/>%s") % (
            self.env._(
                "Reply of %(author)s to the reminder %(reminder)s:",
                author=message.author_id.name or message.email_from,
                reminder=history.display_name,
            ),
            message.body,
        )
        for move in history.line_ids.move_id:
            move.message_post(
                body=body,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=move._relance_controller().partner_id.ids,
                attachment_ids=message.attachment_ids.ids,
            )

    def _relance_channels(self, level, channels_by_code):
        """The channels of this customer's action at this level: the level's, the customer's
        preferred channel replacing its email and SMS (each channel once);
        ``channels_by_code``: every channel, by its code."""
        self.ensure_one()
        channels = level.channel_ids
        written = channels.filtered(lambda c: c.code in ("email", "sms"))
        if not (self.relance_channel_preference and written):
            return channels
        preferred = channels_by_code.get(self.relance_channel_preference, channels.browse())
        return (channels - written) | preferred
