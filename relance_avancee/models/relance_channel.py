from odoo import api, fields, models
from odoo.exceptions import ValidationError

CHANNEL_CODES = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("call", "Phone call"),
    ("letter", "Letter"),
    ("notice", "Formal notice"),
    ("mediation", "Mediation"),
    ("handover", "Legal handover"),
]
# the channels whose action is a printed letter
LETTER_CHANNELS = ("letter", "notice")


class RelanceChannel(models.Model):
    """A way of reaching a customer, executed by its executor: a model inheriting
    ``relance.executor`` (relance_executor*.py) called with all the channel's actions."""

    _name = "relance.channel"
    _description = "Dunning channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(CHANNEL_CODES, required=True)
    sequence = fields.Integer(default=10)
    manual = fields.Boolean(
        help="Never executed by the cron: a person decides (e.g. legal handover)."
    )
    executor_model = fields.Char(
        "Executor",
        required=True,
        default="relance.executor",
        help="Technical name of the model that executes this channel's actions.",
    )
    fallback_channel_id = fields.Many2one(
        "relance.channel",
        help="Proposed instead when this channel cannot reach the customer "
        "(no email address, no mobile number…).",
    )

    _code_uniq = models.Constraint("UNIQUE(code)", "A channel code can only be used once.")

    @api.constrains("executor_model")
    def _check_executor_model(self):
        executors = self.env.registry.descendants(["relance.executor"], "_inherit")
        for channel in self:
            if channel.executor_model not in executors:
                raise ValidationError(
                    self.env._(
                        "%(model)s is not a dunning executor (a model inheriting "
                        "relance.executor).",
                        model=channel.executor_model,
                    )
                )

    def _executor(self):
        self.ensure_one()
        return self.env[self.executor_model]
