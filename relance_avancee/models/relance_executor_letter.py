from odoo import models
from odoo.exceptions import UserError
from odoo.tools.pdf import merge_pdf

from ..legal import notice_receipt
from .relance_channel import LETTER_CHANNELS

LETTER_REPORT = "relance_avancee.report_relance_letter"


class RelanceExecutorLetter(models.AbstractModel):
    """Letter channel: one QWeb PDF per customer and action, rendered in batch, attached to
    the action, to print and post; the action stays to do until it is marked as posted.
    Generating again never makes a second letter. The letter is the action's document: only
    the dunning groups read it (not every employee who reads the customer, see
    relance_access.py); the customer's chatter only says it was prepared."""

    _name = "relance.executor.letter"
    _inherit = "relance.executor"
    _description = "Dunning letter executor"

    def _execute(self, histories):
        no_address = histories.filtered(lambda h: not (h.contact_id.street and h.contact_id.city))
        if no_address:
            no_address._fail_with_fallback(self.env._("No postal address for the letter."))
        todo = (histories - no_address).filtered(lambda h: not h.attachment_id)
        if not todo:
            return
        pdfs = self.env["ir.actions.report"]._relance_render_pdfs(LETTER_REPORT, todo)
        pdfs = self._append_invoices(todo, pdfs)
        rendered = todo.filtered(lambda h: h.id in pdfs)
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": self._filename(history),
                        "raw": pdfs[history.id],
                        "mimetype": "application/pdf",
                        "res_model": "relance.history",
                        "res_id": history.id,
                    }
                    for history in rendered
                ]
            )
        )
        for history, attachment in zip(rendered, attachments, strict=True):
            history.attachment_id = attachment
            history.reason = self._to_do_text()
            history.partner_id._message_log(
                body=self.env._("%(document)s prepared.", document=history.display_name)
            )

    def _append_invoices(self, histories, pdfs):
        """``pdfs`` ({action id: letter PDF}) with, after the letter of each action whose
        level appends the invoices, the PDF of each invoice it claims: the one stored when
        the invoice was sent, else rendered now for all the letters at once and stored as
        the invoice's (not with ``relance_no_pdf``)."""
        appending = histories.filtered(lambda h: h.level_id.letter_append_invoices)
        moves = appending.line_ids.move_id
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        if missing and not self.env.context.get("relance_no_pdf"):
            self._store_invoice_pdfs(missing)
        pdfs = dict(pdfs)
        for history in appending.filtered(lambda h: h.id in pdfs):
            invoices = [
                move.invoice_pdf_report_id.raw
                for move in history.line_ids.move_id
                if move.invoice_pdf_report_id
            ]
            if invoices:
                pdfs[history.id] = merge_pdf([pdfs[history.id], *invoices])
        return pdfs

    def _print_line(self, line):
        """The download of a dunning line's letters (generated when missing); a proposed
        line is executed first: its letter is its reminder."""
        if not line.print_letter_ok:
            raise UserError(self.env._("This line has no letter to print."))
        if line.state == "proposed":
            line.action_execute()
        letters = line.history_ids.filtered(
            lambda h: h.channel in LETTER_CHANNELS and h.state in ("todo", "done")
        )
        action = letters.action_print_letter() if letters else False
        if not action:
            failed = line.history_ids.filtered(
                lambda h: h.channel in LETTER_CHANNELS and h.state == "failed"
            )
            raise UserError(
                failed[:1].reason
                or (line.state == "skipped" and line.reason)
                or self.env._("This line has no letter to print.")
            )
        return action

    def _filename(self, history):
        kind = (
            self.env._("Formal notice") if history.channel == "notice" else self.env._("Reminder")
        )
        return f"{kind} - {history.partner_id.name} - {history.date}.pdf"

    def _to_do_text(self):
        return self.env._("Print and post the letter, then mark it as done.")

    def _download(self, histories):
        """One PDF of the letters already generated for these actions."""
        documents = [h.attachment_id.raw for h in histories if h.attachment_id]
        if not documents:
            return False
        merged = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Letters.pdf"),
                    "raw": merge_pdf(documents) if len(documents) > 1 else documents[0],
                    "mimetype": "application/pdf",
                    "res_model": "relance.run" if histories.run_id else "relance.history",
                    "res_id": histories.run_id[:1].id or histories[:1].id,
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{merged.id}?download=true",
            "target": "download",
        }


class RelanceExecutorNotice(models.AbstractModel):
    """Formal-notice channel: the letter, with the legal mentions, sent by registered
    letter with acknowledgment of receipt."""

    _name = "relance.executor.notice"
    _inherit = "relance.executor.letter"
    _description = "Dunning formal notice executor"

    def _to_do_text(self):
        return self.env._(
            "Print, send by registered letter with acknowledgment of receipt, then enter the "
            "receipt."
        )

    def _execute(self, histories):
        super()._execute(histories)
        # the consumer mediator must be given to consumers (Code de la consommation L612-1,
        # L616-1, R616-1: its name and website): the notice is printed, the action says what
        # is missing
        incomplete = histories.filtered(
            lambda h: h.attachment_id
            and h.partner_id.commercial_partner_id.relance_policy_type == "b2c"
            and not (
                h.company_id.relance_consumer_mediator_name
                and h.company_id.relance_consumer_mediator_website
            )
        )
        warning = self.env._(
            "Warning: the consumer mediator's name and website are not entered in the "
            "settings; a formal notice to a consumer must give them (Code de la consommation "
            "L612-1, L616-1)."
        )
        for history in incomplete.filtered(lambda h: warning not in (h.reason or "")):
            history.reason = " ".join(filter(None, [history.reason, warning]))

    def _receipts(self, histories):
        """{formal notice: (receipt date, presumed)}: when each of these notices takes
        effect (``legal.notice_receipt``): its acknowledgment of receipt, else presumed the
        company's delivery days after it was posted (marked done; else its date)."""
        return {
            notice: notice_receipt(
                notice.sent_date or notice.date,
                notice.acknowledgment_date,
                notice.company_id.relance_notice_delivery_days,
            )
            for notice in histories.filtered(lambda h: h.channel == "notice")
        }
