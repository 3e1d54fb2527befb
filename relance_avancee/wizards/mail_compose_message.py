from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

# the context key of the composer opened by "Preview and send": the email action it sends
PREVIEW_HISTORY_KEY = "relance_preview_history_id"


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
        current_by_line = self._relance_check_preview(line, history)
        # posted as the automatic execution creates its mail: with the rights of the
        # dunning, which the checks above granted (an accountant may not edit customers)
        mails, messages = super(MailComposeMessage, self.sudo())._action_send_mail(
            auto_commit=auto_commit
        )
        messages = messages.sudo(False)
        self._relance_record_sent(line, history, messages[:1], current_by_line)
        return mails, messages

    def _relance_check_preview(self, line, history):
        """Before the composer sends ``history``: locks the invoices and checks that the
        line is still to send with the invoices the preview showed. Returns
        ``{line: invoices still due}`` for ``_relance_record_sent``."""
        if len(line) != 1 or line.state != "proposed" or history.state != "todo":
            raise UserError(
                self.env._(
                    "This reminder was executed or previewed again meanwhile: this email "
                    "was not sent."
                )
            )
        held, current_by_line = line._lock_current_invoices()
        if not held:
            raise UserError(self._relance_locked_message())
        if line not in current_by_line or not history.line_ids.move_id <= current_by_line[line]:
            raise UserError(
                self.env._(
                    "The invoices of this reminder changed meanwhile (paid, paused or "
                    "reminded): close this window and preview the reminder again."
                )
            )
        return current_by_line

    def _relance_record_sent(self, line, history, message, current_by_line):
        """The composer posted ``message``: the email action records it (the subject, body
        and recipients the accountant sent) and is done, the line is executed as
        ``_execute`` does with its other actions."""
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        contact = history.contact_id
        if contact not in message.partner_ids:
            contact = message.partner_ids[:1]
        vals = {
            "state": "done",
            "message_id": message.id,
            "mail_id": (mails.filtered(lambda m: contact in m.recipient_ids) or mails)[:1].id,
            "contact_id": contact.id,
        }
        # the levels before the action is done (once done, it moves the positions)
        levels = {move: move.relance_next_level_id for move in current_by_line[line]}
        history.with_context(tracking_disable=True).write(vals)
        self.env["relance.executor.email"]._log_on_invoices(history)
        others = line.history_ids.filtered(lambda h: h.state == "todo") - history
        line._finish_execution(current_by_line, others, levels)
        line.run_id._update_state()

    def _action_schedule_message(self):
        if self.env.context.get(PREVIEW_HISTORY_KEY):
            raise UserError(
                self.env._("A reminder is sent now: it cannot be scheduled from its preview.")
            )
        return super()._action_schedule_message()

    @api.model
    def _relance_preview_line(self, line):
        """Opens Odoo's composer on the customer with the mail that executing this line
        would send (subject and body rendered by the level's template, the dunning contact
        and the copies as recipients, the PDFs attached). Its email action is created now,
        to do; the accountant's Send executes the line (``_action_send_mail``),
        closing the composer sends nothing (the action is cancelled at the next preview or
        execution)."""
        if not line.preview_email_ok:
            raise UserError(self.env._("Only a proposed reminder by email can be previewed."))
        if not line.level_id.mail_template_id:
            raise UserError(self.env._("The level has no email template."))
        contact = line.partner_id.relance_contact_id or line.partner_id
        if not email_normalize(contact.email or ""):
            raise UserError(self.env._("The customer has no valid email address."))
        held, current_by_line = line._lock_current_invoices()
        if not held:
            raise UserError(self._relance_locked_message())
        if line not in current_by_line:
            raise UserError(self.env._("Already reminded, paid or paused meanwhile."))
        line._cancel_previews()
        histories = line._create_histories(current_by_line)
        email = histories.filtered(lambda h: h.channel == "email")
        if not email:
            raise UserError(self.env._("Already reminded, paid or paused meanwhile."))
        return self._relance_preview_action(email)

    def _relance_locked_message(self):
        return self.env._("Another run is executing these invoices: try again in a moment.")

    @api.model
    def _relance_preview_action(self, history):
        """The composer's action of "Preview and send" (``relance.run.line``), filled with
        what the email executor would send for this email action: the same rendering,
        copies and PDFs. The PDFs are given to the composer as its own copies: removing one
        there never deletes an invoice's PDF."""
        executor = self.env["relance.executor.email"]
        executor._ensure_invoice_access_tokens(history)
        rendered = history.level_id.mail_template_id._generate_template(
            history.ids, ["subject", "body_html", "email_from", "reply_to"]
        )[history.id]
        pdfs = executor._pdf_attachments(history)
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .browse([command[1] for command in executor._mail_attachment_commands(history, pdfs)])
        )
        # the invoices' legal PDFs stay theirs; the PDFs rendered for this mail move
        shared = attachments.filtered("res_field")
        copies = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": a.name,
                        "raw": a.raw,
                        "mimetype": a.mimetype,
                        "res_model": "mail.compose.message",
                        "res_id": 0,
                    }
                    for a in shared
                ]
            )
        )
        (attachments - shared).write({"res_model": "mail.compose.message", "res_id": 0})
        cc_emails, bcc_partners = executor._mail_copies(history).get(
            history.id, ([], self.env["res.partner"])
        )
        recipients = history.contact_id.union(
            *self.env["res.partner"]._find_or_create_from_emails(cc_emails, no_create=True),
            bcc_partners,
        )
        context = {
            "default_model": "res.partner",
            "default_res_ids": history.partner_id.ids,
            "default_composition_mode": "comment",
            "default_subject": rendered.get("subject"),
            "default_body": rendered.get("body_html"),
            "default_email_from": rendered.get("email_from") or history.company_id.email_formatted,
            "default_partner_ids": recipients.ids,
            "default_attachment_ids": (copies | (attachments - shared)).ids,
            # as the automatic mail: no signature added, kept once sent, to the
            # recipients shown only (not the customer's followers), by email
            "default_email_add_signature": False,
            "default_auto_delete": False,
            "default_notify_skip_followers": True,
            "force_email": True,
            "mail_post_autofollow_author_skip": True,
            "hide_mail_template_management_options": True,
            PREVIEW_HISTORY_KEY: history.id,
        }
        if rendered.get("reply_to"):
            context["default_reply_to"] = rendered["reply_to"]
        return {
            "name": self.env._("Preview the reminder"),
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }
