import logging
import uuid

from markupsafe import Markup

from odoo import Command, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from .ir_qweb import COMPILE_ONCE_KEY

_logger = logging.getLogger(__name__)

STATEMENT_REPORT = "relance_avancee.report_relance_statement"
# the key of an action's customer statement among the mails' PDFs: (STATEMENT, action id)
STATEMENT = "statement"


class RelanceExecutorEmail(models.AbstractModel):
    """Email channel: one mail per customer and level, rendered and created in batches,
    invoice PDFs attached (stored ones reused, missing ones rendered together), sent by
    Odoo's mail queue, logged on the customer and on each invoice."""

    _name = "relance.executor.email"
    _inherit = "relance.executor"
    _description = "Dunning email executor"

    def _execute(self, histories):
        without_email = histories.filtered(lambda h: not email_normalize(h.contact_id.email or ""))
        without_template = (histories - without_email).filtered(
            lambda h: not h.level_id.mail_template_id
        )
        if without_email:
            without_email._fail_with_fallback(
                self.env._("The customer has no valid email address.")
            )
        if without_template:
            without_template._fail_with_fallback(self.env._("The level has no email template."))
        sendable = histories - without_email - without_template
        if not sendable:
            return
        pdfs = self._pdf_attachments(sendable)
        self._ensure_invoice_access_tokens(sendable)
        note_subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        copies = self._mail_copies(sendable)
        sendable._schedule_in_sending_window()
        mail_vals, ordered = [], histories.browse()
        for template, template_histories in sendable.grouped(
            lambda h: h.level_id.mail_template_id
        ).items():
            rendered = template.with_context(**{COMPILE_ONCE_KEY: True})._generate_template(
                template_histories.ids, ["subject", "body_html", "email_from", "reply_to"]
            )
            mail_vals += [
                self._mail_values(history, rendered[history.id], pdfs, note_subtype_id, copies)
                for history in template_histories
            ]
            ordered |= template_histories
        mails = self.env["mail.mail"]._relance_create_mails(mail_vals)
        # mails come in template order: pair them with the histories in that same order
        for history, mail in zip(ordered, mails, strict=True):
            history.write({"mail_id": mail.id, "message_id": mail.mail_message_id.id})
        # the dunning contact's notification: Odoo marks it sent, in error or bounced, and
        # the action follows it (see mail.notification)
        self.env["mail.notification"]._relance_create_read(
            [
                {
                    "mail_message_id": history.message_id.id,
                    "mail_mail_id": history.mail_id.id,
                    "res_partner_id": history.contact_id.id,
                    "notification_type": "email",
                    "notification_status": "ready",
                }
                for history in ordered
            ]
        )
        sendable.state = "done"
        self._note_missing_pdfs(sendable, pdfs)
        self._log_on_invoices(sendable)

    def _mail_values(self, history, rendered, pdfs, subtype_id, copies):
        """The dunning contact in To, the copies of ``_mail_copies`` in CC and BCC (each
        BCC recipient gets a copy of their own). Replies come back to the customer's
        thread by Odoo's mail gateway (see ``res.partner._message_post_after_hook``)."""
        company = history.company_id
        email_cc, bcc_partners = copies.get(history.id, ([], self.env["res.partner"]))
        return {
            "subject": rendered.get("subject"),
            "body_html": rendered.get("body_html"),
            "email_from": rendered.get("email_from") or company.email_formatted,
            "reply_to": rendered.get("reply_to"),
            "author_id": self.env.user.partner_id.id,
            "model": "res.partner",
            "res_id": history.partner_id.id,
            "record_name": history.partner_id.display_name,
            "message_type": "email_outgoing",
            "subtype_id": subtype_id,
            "email_to": history.contact_id.email_formatted,
            "email_cc": ", ".join(email_cc) or False,
            "recipient_ids": [Command.link(partner.id) for partner in bcc_partners],
            "attachment_ids": self._mail_attachment_commands(history, pdfs),
            "auto_delete": False,
            # a notification of its message: Odoo reports the delivery on the contact's
            # mail.notification, which the action follows
            "is_notification": True,
            "scheduled_date": history.scheduled_at,
        }

    def _mail_copies(self, histories):
        """{action id: (CC emails, BCC partners)}: the customer's contacts marked to receive
        the reminders in copy, then the salesperson and the credit controller as the policy
        says; never the dunning contact itself, each address once."""
        contacts = self.env["res.partner"].search_fetch(
            [
                ("commercial_partner_id", "in", histories.partner_id.ids),
                ("relance_reminder_copy", "=", True),
                ("email", "!=", False),
            ],
            ["commercial_partner_id", "email", "email_formatted"],
        )
        copy_contacts = contacts.grouped("commercial_partner_id")
        result = {}
        for history in histories:
            policy = history.level_id.policy_id
            cc = copy_contacts.get(history.partner_id, self.env["res.partner"])
            bcc = self.env["res.partner"]
            for mode, user in (
                (policy.copy_salesperson, history.line_ids.move_id.invoice_user_id[:1]),
                (policy.copy_controller, history.user_id),
            ):
                if mode == "cc":
                    cc |= user.partner_id
                elif mode == "bcc":
                    bcc |= user.partner_id
            sent_to = {email_normalize(history.contact_id.email or "")}
            emails = []
            for partner in cc:
                normalized = email_normalize(partner.email or "")
                if normalized and normalized not in sent_to:
                    sent_to.add(normalized)
                    emails.append(partner.email_formatted)
            bcc = bcc.filtered(
                lambda p, sent=sent_to: email_normalize(p.email or "")
                and email_normalize(p.email) not in sent
            )
            result[history.id] = (emails, bcc)
        return result

    def _mail_attachment_commands(self, history, pdfs):
        """The attachments of this action's mail among ``pdfs``: its invoices' PDFs when its
        level attaches them, its customer statement when its level attaches one."""
        attachment_ids = []
        if history.level_id.attach_invoices:
            attachment_ids += [pdfs[m.id] for m in history.line_ids.move_id if m.id in pdfs]
        if (STATEMENT, history.id) in pdfs:
            attachment_ids.append(pdfs[STATEMENT, history.id])
        return [Command.link(attachment_id) for attachment_id in attachment_ids]

    def _pdf_attachments(self, histories):
        """The PDFs of these actions' mails: {invoice id: attachment id} of the invoices'
        PDFs, for the actions whose level attaches them (none with ``relance_no_pdf`` in
        the context) — the stored legal PDF when there is one, else rendered now for all
        the missing invoices in one wkhtmltopdf call and stored as the invoice's PDF (what
        Odoo's Send & Print does) — and {(STATEMENT, action id): attachment id} of the
        customer statements rendered now for the actions whose level attaches one."""
        pdfs = self._statement_pdf_attachments(histories)
        if self.env.context.get("relance_no_pdf"):
            return pdfs
        moves = histories.filtered(lambda h: h.level_id.attach_invoices).line_ids.move_id
        pdfs.update(moves._relance_stored_pdfs())
        missing = moves.filtered(lambda m: m.id not in pdfs)
        if not missing:
            return pdfs
        attachments = self._store_invoice_pdfs(missing)
        pdfs.update({a.res_id: a.id for a in attachments})
        return pdfs

    def _statement_pdf_attachments(self, histories):
        """{(STATEMENT, action id): attachment id}: the customer statement at the action's
        date, for the actions whose level attaches one, rendered in one go per company and
        date (as few wkhtmltopdf calls as the statements' lengths allow) and attached to
        the customer, one attachment per action. Statements that cannot be rendered are
        logged and left out: the mail goes without (see ``_note_missing_pdfs``)."""
        todo = histories.filtered(lambda h: h.level_id.attach_statement)
        if not todo:
            return {}
        report_model = self.env["ir.actions.report"]
        vals_list, attached = [], []
        for (company, date), group in todo.grouped(lambda h: (h.company_id, h.date)).items():
            partners = group.partner_id.commercial_partner_id
            try:
                content_by_id = (
                    report_model.with_company(company)
                    .with_context(
                        relance_statement_company_id=company.id, relance_statement_date=date
                    )
                    ._relance_render_pdfs(STATEMENT_REPORT, partners)
                )
            except UserError as error:
                _logger.warning("Customer statements of %s not rendered: %s", partners, error)
                continue
            for history in group:
                partner = history.partner_id.commercial_partner_id
                if partner.id not in content_by_id:
                    continue
                vals_list.append(
                    {
                        "name": self.env._(
                            "Customer statement - %(customer)s - %(date)s.pdf",
                            customer=partner.name,
                            date=date,
                        ),
                        "raw": content_by_id[partner.id],
                        "mimetype": "application/pdf",
                        "res_model": "res.partner",
                        "res_id": partner.id,
                    }
                )
                attached.append(history.id)
        attachments = self.env["ir.attachment"].sudo().create(vals_list)
        return {
            (STATEMENT, history_id): attachment.id
            for history_id, attachment in zip(attached, attachments, strict=True)
        }

    def _note_missing_pdfs(self, histories, pdfs):
        """A mail goes out even when an invoice's PDF or the customer statement could not be
        rendered (it has the portal link): the action says which PDFs are missing."""
        no_invoice_pdf = self.env.context.get("relance_no_pdf")
        for history in histories:
            reasons = []
            if history.level_id.attach_invoices and not no_invoice_pdf:
                missing = history.line_ids.move_id.filtered(lambda m: m.id not in pdfs)
                if missing:
                    reasons.append(
                        self.env._(
                            "Sent without the PDF of %(invoices)s: the PDF could not be "
                            "rendered (see the server log).",
                            invoices=", ".join(missing.mapped("name")),
                        )
                    )
            if history.level_id.attach_statement and (STATEMENT, history.id) not in pdfs:
                reasons.append(
                    self.env._(
                        "Sent without the customer statement: it could not be rendered "
                        "(see the server log)."
                    )
                )
            if reasons:
                history.reason = " ".join(reasons)

    def _ensure_invoice_access_tokens(self, histories):
        """The portal links of the mail need the invoices' access tokens: put in the cache
        for all of them at once, instead of one ``account.move.write`` per invoice while
        rendering, and flushed with the invoices' new levels: one UPDATE of their rows, not
        two (each rewrites the rows and the indexes of ``account_move``)."""
        moves = histories.line_ids.move_id.filtered(lambda m: not m.access_token)
        if moves:
            tokens = [str(uuid.uuid4()) for _move in moves]
            self.env.cache.update(moves, moves._fields["access_token"], tokens, dirty=True)

    def _log_on_invoices(self, histories):
        """A note on each invoice, pointing to the mail sent to the customer."""
        bodies = {}
        for history in histories:
            note = Markup("%s<br/>%s") % (
                self.env._("Reminder sent by email: %(level)s", level=history.level_id.name),
                self.env._(
                    "To %(contact)s, subject: %(subject)s",
                    contact=history.contact_id.email,
                    subject=history.mail_id.subject,
                ),
            )
            for move in history.line_ids.move_id:
                bodies[move.id] = bodies.get(move.id, Markup()) + note
        moves = self.env["account.move"].browse(list(bodies))
        self.env["mail.message"]._relance_insert_notes(moves, bodies)
