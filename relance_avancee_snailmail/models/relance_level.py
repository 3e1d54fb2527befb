from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RelanceLevel(models.Model):
    _inherit = "relance.level"

    snailmail_send = fields.Boolean(
        "Send by post (Odoo Snailmail)",
        help="The letters of this level are printed and posted by Odoo's Snailmail service "
        "(IAP credits), as simple letters: the action is done once the post has the letter. "
        "Snailmail sends no registered letter with acknowledgment of receipt: a formal "
        "notice is posted by hand.",
    )

    @api.constrains("snailmail_send", "channel_ids")
    def _check_snailmail_send(self):
        for level in self.filtered("snailmail_send"):
            if "notice" in level.channel_ids.mapped("code"):
                raise ValidationError(
                    self.env._(
                        "%(level)s: a formal notice is sent by registered letter with "
                        "acknowledgment of receipt, which Odoo Snailmail does not offer: its "
                        "receipt, which the consumers' interest and its deadline count from, "
                        "could not be proven.",
                        level=level.display_name,
                    )
                )
