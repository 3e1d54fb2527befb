from collections import defaultdict

from markupsafe import Markup

from odoo import _, models
from odoo.tools import SQL, email_normalize


class RelanceHistory(models.Model):
    """Email channel: one mail per customer and level, rendered and created in batches,
    invoice PDFs attached (stored ones reused, missing ones rendered together), sent by
    Odoo's mail queue, logged on the customer and on each invoice."""

    _inherit = "relance.history"

    def _execute_email(self):
        without_email = self.filtered(lambda h: not email_normalize(h.contact_id.email or ""))
        without_template = (self - without_email).filtered(
            lambda h: not h.level_id.mail_template_id
        )
        if without_email:
            without_email._fail_with_fallback(_("The customer has no valid email address."))
        if without_template:
            without_template._fail_with_fallback(_("The level has no email template."))
        sendable = self - without_email - without_template
        if not sendable:
            return
        pdfs = sendable._invoice_pdf_attachments()
        sendable._ensure_invoice_access_tokens()
        by_template = defaultdict(self.browse)
        for history in sendable:
            by_template[history.level_id.mail_template_id] |= history
        mail_vals, ordered = [], self.browse()
        note_subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        for template, histories in by_template.items():
            rendered = template._generate_template(
                histories.ids, ["subject", "body_html", "email_from", "reply_to"]
            )
            mail_vals += [
                history._mail_values(rendered[history.id], pdfs, note_subtype_id)
                for history in histories
            ]
            ordered |= histories
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        # mails come in template order: pair them with the histories in that same order
        for history, mail in zip(ordered, mails, strict=True):
            history.mail_id = mail
            history.message_id = mail.mail_message_id
        sendable.state = "done"
        sendable._note_missing_pdfs(pdfs)
        sendable._log_on_invoices()

    def _mail_values(self, rendered, pdfs, subtype_id):
        self.ensure_one()
        company = self.company_id
        return {
            "subject": rendered.get("subject"),
            "body_html": rendered.get("body_html"),
            "email_from": rendered.get("email_from") or company.email_formatted,
            "reply_to": rendered.get("reply_to"),
            "author_id": self.env.user.partner_id.id,
            "model": "res.partner",
            "res_id": self.partner_id.id,
            "record_name": self.partner_id.display_name,
            "message_type": "email_outgoing",
            "subtype_id": subtype_id,
            "recipient_ids": [(4, self.contact_id.id)],
            "attachment_ids": [(4, pdfs[m.id]) for m in self.line_ids.move_id if m.id in pdfs],
            "auto_delete": False,
        }

    def _invoice_pdf_attachments(self):
        """{invoice id: attachment id} of the invoices' PDFs: the stored legal PDF when there
        is one, else rendered now for all the missing invoices in one wkhtmltopdf call and
        stored as the invoice's PDF (what Odoo's Send & Print does)."""
        if self.env.context.get("relance_no_pdf"):
            return {}
        moves = self.line_ids.move_id
        pdfs = {m.id: m.invoice_pdf_report_id.id for m in moves if m.invoice_pdf_report_id}
        missing = moves.filtered(lambda m: m.id not in pdfs)
        if not missing:
            return pdfs
        attachments = missing._relance_store_invoice_pdfs()
        pdfs.update({a.res_id: a.id for a in attachments})
        return pdfs

    def _note_missing_pdfs(self, pdfs):
        """A mail goes out even when an invoice's PDF could not be rendered (it has the
        portal link): the action says which PDFs are missing."""
        if self.env.context.get("relance_no_pdf"):
            return
        for history in self:
            missing = history.line_ids.move_id.filtered(lambda m: m.id not in pdfs)
            if missing:
                history.reason = _(
                    "Sent without the PDF of %(invoices)s: the PDF could not be rendered "
                    "(see the server log).",
                    invoices=", ".join(missing.mapped("name")),
                )

    def _ensure_invoice_access_tokens(self):
        """The portal links of the mail need the invoices' access tokens: created here in one
        statement, instead of one ``account.move.write`` per invoice while rendering."""
        moves = self.line_ids.move_id.filtered(lambda m: not m.access_token)
        if not moves:
            return
        moves.flush_recordset(["access_token"])
        self.env.execute_query(
            SQL(
                "UPDATE account_move SET access_token = gen_random_uuid()::text"
                " WHERE id IN %s AND access_token IS NULL",
                tuple(moves.ids),
            )
        )
        moves.invalidate_recordset(["access_token"])

    def _log_on_invoices(self):
        """A note on each invoice, pointing to the mail sent to the customer."""
        bodies = {}
        for history in self:
            note = Markup("%s<br/>%s") % (
                _("Reminder sent by email: %(level)s", level=history.level_id.name),
                _(
                    "To %(contact)s, subject: %(subject)s",
                    contact=history.contact_id.email,
                    subject=history.mail_id.subject,
                ),
            )
            for move in history.line_ids.move_id:
                bodies[move.id] = bodies.get(move.id, Markup()) + note
        moves = self.env["account.move"].browse(list(bodies))
        moves._message_log_batch(bodies=bodies)
