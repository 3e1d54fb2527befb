from odoo import api, fields, models


class RelanceLevel(models.Model):
    """One step of a policy's escalation ladder."""

    _name = "relance.level"
    _description = "Dunning level"
    _order = "policy_id, sequence, offset_days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    policy_id = fields.Many2one("relance.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    policy_type = fields.Selection(related="policy_id.policy_type")
    offset_days = fields.Integer(
        "Days from due date",
        help="When this level becomes due, counted from the invoice's due date "
        "(negative: before it, e.g. -5 for a pre-reminder).",
    )
    min_days_since_previous = fields.Integer(
        "Minimum days since previous action",
        help="Leaves the customer time to react to the previous reminder.",
    )
    channel_ids = fields.Many2many("relance.channel", string="Channels", required=True)
    tone = fields.Selection(
        [
            ("courteous", "Courteous"),
            ("friendly", "Friendly"),
            ("firm", "Firm"),
            ("formal", "Formal"),
            ("legal", "Legal"),
        ],
        default="courteous",
        required=True,
    )
    call_retry_days = fields.Integer(
        "Call again after (days)", default=2, help="When the customer does not answer."
    )
    call_max_tries = fields.Integer(
        "Call tries", default=3, help="Unanswered calls before going to the next level."
    )
    notice_deadline_days = fields.Integer(
        "Deadline given (days)", default=8, help="Days given to pay in a letter or formal notice."
    )
    manual = fields.Boolean(
        compute="_compute_manual",
        store=True,
        readonly=False,
        help="Proposed to an accountant but never executed automatically, "
        "even by an automatic policy.",
    )
    handover_partner_id = fields.Many2one(
        "res.partner",
        "Hand over to",
        help="The collection agency, bailiff or lawyer that takes the files over when a "
        "dunning manager executes this level's handover.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        "Email template",
        domain="[('model', '=', 'relance.history')]",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        "SMS template",
        domain="[('model', '=', 'relance.history')]",
    )
    note = fields.Html("Call script / instructions", translate=True)
    attach_invoices = fields.Boolean(
        "Attach the invoices",
        default=True,
        help="The reminder emails carry the PDF of each invoice reminded.",
    )
    letter_append_invoices = fields.Boolean(
        "Append the invoices",
        help="The letter or formal notice is followed by the PDF of each invoice it claims: "
        "one document to print and post.",
    )
    attach_statement = fields.Boolean(
        "Attach the customer statement",
        help="The reminder emails carry the customer's statement of account: all its open "
        "invoices, credit notes and payments, with their ageing.",
    )

    _min_days_positive = models.Constraint(
        "CHECK(min_days_since_previous >= 0)",
        "The minimum days since the previous action cannot be negative.",
    )

    @api.depends("channel_ids.manual")
    def _compute_manual(self):
        for level in self:
            level.manual = any(level.channel_ids.mapped("manual"))

    @api.depends("name", "offset_days")
    def _compute_display_name(self):
        for level in self:
            # D for the day counted from the due date (J in French: J+7)
            level.display_name = self.env._(
                "%(level)s (D%(days)+d)", level=level.name, days=level.offset_days
            )
