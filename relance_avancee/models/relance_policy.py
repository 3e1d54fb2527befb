from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

SEND_DAYS = [
    ("mon_fri", "Monday to Friday"),
    ("mon_sat", "Monday to Saturday"),
    ("all", "Every day"),
]
SEND_WEEKDAYS = {"mon_fri": range(5), "mon_sat": range(6), "all": range(7)}
DEFAULT_TZ = "Europe/Paris"

# the kinds of customer a policy reminds (also the customer's and the reports' field)
POLICY_TYPES = [("b2b", "Business (B2B)"), ("b2c", "Consumer (B2C)")]

COPY_MODES = [
    ("none", "No copy"),
    ("cc", "In copy (CC)"),
    ("bcc", "In blind copy (BCC)"),
]


class RelancePolicy(models.Model):
    """How a company reminds one kind of customer: its tone, thresholds and ordered levels.

    A template (no company) is never used to remind anyone: each company starts with its
    own copies of the templates (``_ensure_default_policies``)."""

    _name = "relance.policy"
    _description = "Dunning policy"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_template = fields.Boolean(
        "Template",
        readonly=True,
        help="Copied to each new company, which then reminds its customers with its own "
        "copy; a template itself reminds no one.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Empty on a template.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_type = fields.Selection(
        POLICY_TYPES,
        string="Customers",
        required=True,
        default="b2b",
        help="Companies default to the B2B policy, individuals to the B2C one.",
    )
    mode = fields.Selection(
        [("auto", "Automatic"), ("validate", "To validate")],
        required=True,
        default="validate",
        help="Automatic: the daily run executes the reminders. To validate: the daily "
        "run prepares them and an accountant validates the proposal.",
    )
    min_amount = fields.Monetary(
        "Minimum overdue amount",
        currency_field="currency_id",
        help="A customer whose overdue balance (in company currency, credit notes "
        "deducted) is below this amount is not reminded.",
    )
    grace_days = fields.Integer(
        help="Days after the due date during which no overdue reminder is sent."
    )
    paid_pause_days = fields.Integer(
        "Pause when declared paid",
        default=10,
        help="Days the reminders of invoices wait when the customer says they are already "
        "paid (on the phone or on the portal), while the payment is looked for; they "
        "resume by themselves if nothing is reconciled by then.",
    )
    default_user_id = fields.Many2one(
        "res.users",
        "Default credit controller",
        check_company=True,
        help="Responsible for the customers that have no credit controller nor salesperson.",
    )
    call_window = fields.Boolean(
        "Calling window",
        compute="_compute_call_window",
        store=True,
        readonly=False,
        help="Good practice with consumers: call from Monday to Friday, 10:00-13:00 and "
        "14:00-20:00. Call activities then fall on a weekday and say so.",
    )
    send_days = fields.Selection(
        SEND_DAYS,
        "Sending days",
        compute="_compute_sending_window",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        help="Emails and SMS go out on these days only, in the company's time zone; out of "
        "the window they are scheduled for its next opening.",
    )
    send_hour_from = fields.Float(
        "Sending from",
        compute="_compute_sending_window",
        store=True,
        precompute=True,
        readonly=False,
    )
    send_hour_to = fields.Float(
        "Sending until",
        compute="_compute_sending_window",
        store=True,
        precompute=True,
        readonly=False,
    )
    contact_cap_count = fields.Integer(
        "Contacts at most",
        default=1,
        help="Reminders of any channel a customer receives at most over the period; the next "
        "one is held back until the period has passed (0: no cap).",
    )
    contact_cap_days = fields.Integer("Over (days)", default=3)
    copy_salesperson = fields.Selection(
        COPY_MODES,
        "Copy the salesperson",
        default="none",
        required=True,
        help="Send the salesperson of the invoices a copy of each reminder email.",
    )
    copy_controller = fields.Selection(
        COPY_MODES,
        "Copy the credit controller",
        default="none",
        required=True,
        help="Send the customer's credit controller a copy of each reminder email.",
    )
    level_ids = fields.One2many("relance.level", "policy_id", "Levels", copy=True)
    level_count = fields.Integer(compute="_compute_level_count")

    _template_without_company = models.Constraint(
        "CHECK((is_template IS TRUE) = (company_id IS NULL))",
        "A template has no company, and a company's policy is no template.",
    )
    _min_amount_positive = models.Constraint(
        "CHECK(min_amount >= 0)", "The minimum overdue amount cannot be negative."
    )
    _sending_hours = models.Constraint(
        "CHECK(send_hour_from >= 0 AND send_hour_from < send_hour_to AND send_hour_to <= 24)",
        "The sending window must open before it closes, between 0:00 and 24:00.",
    )
    _contact_cap_positive = models.Constraint(
        "CHECK(contact_cap_count >= 0 AND contact_cap_days >= 0)",
        "The contact cap cannot be negative.",
    )
    _grace_days_positive = models.Constraint(
        "CHECK(grace_days >= 0)", "Grace days cannot be negative."
    )
    _paid_pause_days_positive = models.Constraint(
        "CHECK(paid_pause_days >= 0)", "The pause when declared paid cannot be negative."
    )

    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        # invoices left without a policy (no policy of their type until now) take this one
        self.env["relance.engine"]._backfill(policies.company_id)
        return policies

    @api.depends("policy_type")
    def _compute_sending_window(self):
        """Good practice: businesses on working days and hours, consumers from Monday to
        Saturday, 9:00-19:00."""
        for policy in self:
            if policy.policy_type == "b2c":
                policy.send_days, policy.send_hour_from, policy.send_hour_to = "mon_sat", 9, 19
            else:
                policy.send_days, policy.send_hour_from, policy.send_hour_to = "mon_fri", 8, 19

    def _sending_tz(self):
        self.ensure_one()
        return pytz.timezone(self.company_id.partner_id.tz or self.env.user.tz or DEFAULT_TZ)

    def _next_sending_time(self, when):
        """``when`` (naive UTC) if it falls in the policy's sending window, else the
        window's next opening (naive UTC), in the company's time zone."""
        self.ensure_one()
        tz = self._sending_tz()
        local = pytz.utc.localize(when).astimezone(tz).replace(tzinfo=None)
        weekdays = SEND_WEEKDAYS[self.send_days]
        hour = local.hour + local.minute / 60
        for days in range(8):
            day = (local + timedelta(days=days)).date()
            if day.weekday() not in weekdays:
                continue
            if days == 0 and self.send_hour_from <= hour < self.send_hour_to:
                return when
            if days > 0 or hour < self.send_hour_from:
                opening = datetime.combine(day, time()) + timedelta(hours=self.send_hour_from)
                return tz.localize(opening).astimezone(pytz.utc).replace(tzinfo=None)
        return when

    @api.depends("policy_type")
    def _compute_call_window(self):
        for policy in self:
            policy.call_window = policy.policy_type == "b2c"

    @api.depends("level_ids")
    def _compute_level_count(self):
        counts = dict(
            self.env["relance.level"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.level_count = counts.get(policy, 0)

    @api.model
    def _ensure_default_policies(self, companies):
        """Copies the active templates to the companies that have no policy yet."""
        templates = self.search([("is_template", "=", True)])
        equipped = (
            self.with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
            .company_id
        )
        copies = self.browse()
        for company in companies - equipped:
            copies |= templates.sudo().copy({"company_id": company.id, "is_template": False})
        return copies

    @api.model
    def _default_policies(self, companies):
        """{(company, policy_type): policy}: the first active policy of each type (the
        templates, of no company, are never among them)."""
        policies = self.search(
            [("company_id", "in", companies.ids)], order="sequence desc, id desc"
        )
        return {(p.company_id, p.policy_type): p for p in policies}
