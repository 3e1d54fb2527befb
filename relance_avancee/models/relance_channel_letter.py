from odoo import _, fields, models
from odoo.tools.pdf import merge_pdf

LETTER_REPORT = "relance_avancee.report_relance_letter"


class RelanceHistory(models.Model):
    """Letter and formal-notice channels: one QWeb PDF per customer and action, rendered
    in batch, attached to the action and to the customer's chatter; printing a run's
    letters joins them in one PDF and never creates a second action."""

    _inherit = "relance.history"

    def _execute_letter(self):
        self._generate_letters()

    def _execute_notice(self):
        self._generate_letters()

    def _generate_letters(self):
        no_address = self.filtered(lambda h: not (h.contact_id.street and h.contact_id.city))
        if no_address:
            no_address._fail_with_fallback(_("No postal address for the letter."))
        todo = (self - no_address).filtered(lambda h: not h.attachment_id)
        if not todo:
            return
        pdfs = self.env["ir.actions.report"]._relance_render_pdfs(LETTER_REPORT, todo)
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": history._letter_filename(),
                        "raw": pdfs[history.id],
                        "mimetype": "application/pdf",
                        "res_model": "res.partner",
                        "res_id": history.partner_id.id,
                    }
                    for history in todo
                    if history.id in pdfs
                ]
            )
        )
        for history, attachment in zip(
            todo.filtered(lambda h: h.id in pdfs), attachments, strict=True
        ):
            history.attachment_id = attachment
            history.reason = (
                _("Print, then send by registered letter with acknowledgment of receipt.")
                if history.channel == "notice"
                else _("Print and post the letter, then mark it as done.")
            )
            history.partner_id._message_log(
                body=_("%(document)s prepared.", document=history.display_name),
                attachment_ids=attachment.ids,
            )

    def _letter_filename(self):
        self.ensure_one()
        kind = _("Formal notice") if self.channel == "notice" else _("Reminder")
        return f"{kind} - {self.partner_id.name} - {self.date}.pdf"

    def _letter_deadline(self):
        self.ensure_one()
        return fields.Date.add(self.date, days=self.level_id.notice_deadline_days)

    def _legal_amounts_for_letter(self):
        """Interest and indemnity per invoice at the action's date, for a business
        customer (a consumer owes interest only from the formal notice itself)."""
        self.ensure_one()
        if self.partner_id.relance_policy_type == "b2c":
            return {}
        return self.line_ids.move_id._relance_legal_amounts(self.date)

    def action_print_letter(self):
        self._generate_letters()
        return self._download_letters(self)

    def _download_letters(self, histories):
        """One PDF of the letters already generated for these actions."""
        documents = [h.attachment_id.raw for h in histories if h.attachment_id]
        if not documents:
            return False
        merged = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": _("Letters.pdf"),
                    "raw": merge_pdf(documents) if len(documents) > 1 else documents[0],
                    "mimetype": "application/pdf",
                    "res_model": "relance.run" if histories.run_id else "res.partner",
                    "res_id": histories.run_id[:1].id or histories.partner_id[:1].id,
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{merged.id}?download=true",
            "target": "download",
        }
