from odoo import fields, models

CHANNEL_CODES = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("call", "Phone call"),
    ("letter", "Letter"),
    ("notice", "Formal notice"),
    ("handover", "Legal handover"),
]


class RelanceChannel(models.Model):
    """A way of reaching a customer. Each code has one executor in the engine."""

    _name = "relance.channel"
    _description = "Dunning channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(CHANNEL_CODES, required=True)
    sequence = fields.Integer(default=10)
    manual = fields.Boolean(
        help="Never executed by the cron: a person decides (e.g. legal handover)."
    )
    fallback_channel_id = fields.Many2one(
        "relance.channel",
        help="Proposed instead when this channel cannot reach the customer "
        "(no email address, no mobile number…).",
    )

    _code_uniq = models.Constraint("UNIQUE(code)", "A channel code can only be used once.")
