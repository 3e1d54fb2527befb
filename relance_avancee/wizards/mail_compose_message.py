from odoo import models
from odoo.exceptions import UserError

from ..models.relance_run_line import PREVIEW_HISTORY_KEY


class MailComposeMessage(models.TransientModel):
    """The composer opened by "Preview and send" on a dunning line: sending it executes
    the line, its email action recording the message as the accountant sent it."""

    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        history_id = self.env.context.get(PREVIEW_HISTORY_KEY)
        if not history_id:
            return super()._action_send_mail(auto_commit=auto_commit)
        self.ensure_one()
        if self.composition_mode != "comment" or not self.partner_ids:
            raise UserError(self.env._("Add the recipients of the reminder."))
        history = self.env["relance.history"].browse(history_id)
        line = history.run_line_id
        current_by_line = line._check_preview(history)
        # posted as the automatic execution creates its mail: with the rights of the
        # dunning, which the checks above granted (an accountant may not edit customers)
        mails, messages = super(MailComposeMessage, self.sudo())._action_send_mail(
            auto_commit=auto_commit
        )
        messages = messages.sudo(False)
        line._record_preview_sent(history, messages[:1], current_by_line)
        return mails, messages

    def _action_schedule_message(self):
        if self.env.context.get(PREVIEW_HISTORY_KEY):
            raise UserError(
                self.env._("A reminder is sent now: it cannot be scheduled from its preview.")
            )
        return super()._action_schedule_message()
