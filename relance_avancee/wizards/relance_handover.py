import csv
import io
import zipfile

from markupsafe import Markup

from odoo import Command, fields, models
from odoo.exceptions import UserError


class RelanceHandover(models.TransientModel):
    """Hand over to legal recovery ("transmettre au contentieux"): the customer's automatic
    reminders stop and the file a bailiff (commissaire de justice) or a collection agency
    needs is put together in one ZIP attached to the customer: invoice PDFs, the history of
    the reminders, the call notes, the letters and formal notices with their
    registered-letter proof."""

    _name = "relance.handover"
    _description = "Hand a customer over to legal recovery"

    partner_id = fields.Many2one("res.partner", "Customer", required=True)
    agency_id = fields.Many2one(
        "res.partner", "Agency or lawyer", required=True, help="Who takes the file over."
    )
    note = fields.Text()

    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            partner = self.env["res.partner"].browse(context["active_id"])
            values["partner_id"] = partner.commercial_partner_id.id
        return values

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("relance_avancee.group_relance_manager"):
            raise UserError(self.env._("Only a dunning manager can hand a customer over."))
        partner = self.partner_id.commercial_partner_id
        moves = self.env["account.move"].search(
            [
                *self.env["account.move"]._relance_open_invoice_domain(self.env.companies),
                ("commercial_partner_id", "=", partner.id),
            ]
        )
        if not moves:
            raise UserError(self.env._("This customer has no unpaid invoice to hand over."))
        histories = self.env["relance.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
        bundle = self._bundle(partner, moves, histories)
        moves._relance_light_write({"relance_handed_over": True})
        partner.sudo().write(
            {
                "relance_handover_partner_id": self.agency_id.id,
                "relance_handover_date": fields.Date.context_today(self),
            }
        )
        self._record_action(partner, moves, histories, bundle)
        partner._message_log(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "Handed over to %(agency)s: automatic reminders stopped for %(count)s "
                    "invoices.",
                    agency=self.agency_id.name,
                    count=len(moves),
                ),
                self.note or "",
            ),
            attachment_ids=bundle.ids,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{bundle.id}?download=true",
            "target": "new",
            "close": True,  # the download opens, the dialog closes
        }

    def _bundle(self, partner, moves, histories):
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        if missing and not self.env.context.get("relance_handover_without_pdf"):
            missing._relance_store_invoice_pdfs()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for move in moves:
                if move.invoice_pdf_report_id:
                    name = move.invoice_pdf_report_id.name
                    archive.writestr(f"invoices/{name}", move.invoice_pdf_report_id.raw)
            for history in histories.filtered("attachment_id"):
                archive.writestr(f"letters/{history.attachment_id.name}", history.attachment_id.raw)
            archive.writestr("history.csv", self._history_csv(histories))
            archive.writestr("calls.txt", self._call_notes(histories))
        # the wizard is for managers only; they may not edit the partner itself
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Recovery file - %(customer)s.zip", customer=partner.name),
                    "raw": buffer.getvalue(),
                    "mimetype": "application/zip",
                    "res_model": "res.partner",
                    "res_id": partner.id,
                }
            )
        )

    def _history_csv(self, histories):
        channels = dict(histories._fields["channel"]._description_selection(self.env))
        states = dict(histories._fields["state"]._description_selection(self.env))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                self.env._("Date"),
                self.env._("Level"),
                self.env._("Channel"),
                self.env._("State"),
                self.env._("Invoices"),
                self.env._("Amount reminded"),
                self.env._("Registered letter number"),
                self.env._("Acknowledgment of receipt"),
                self.env._("Details"),
            ]
        )
        for history in histories:
            writer.writerow(
                [
                    history.date,
                    history.level_id.name,
                    channels.get(history.channel),
                    states.get(history.state),
                    " ".join(history.line_ids.move_id.mapped("name")),
                    history._amounts_text(),
                    history.registered_letter_number or "",
                    history.acknowledgment_date or "",
                    history.reason or "",
                ]
            )
        return out.getvalue()

    def _call_notes(self, histories):
        calls = histories.filtered(lambda h: h.channel == "call")
        messages = self.env["mail.message"].search(
            [("model", "=", "relance.history"), ("res_id", "in", calls.ids)], order="date"
        )
        return "\n\n".join(
            f"{message.date} {message.author_id.name or ''}\n{message.preview or ''}"
            for message in messages
        )

    def _record_action(self, partner, moves, histories, bundle):
        """The handover action of the history: the one the run proposed, else a new one at
        the policy's handover level."""
        todo = histories.filtered(lambda h: h.channel == "handover" and h.state == "todo")
        if todo:
            todo.write({"state": "done", "attachment_id": bundle.id, "reason": False})
            return
        level = moves.relance_policy_id.level_ids.filtered(
            lambda lv: "handover" in lv.channel_ids.mapped("code")
        )[:1]
        done = histories.filtered(lambda h: h.channel == "handover").line_ids.move_id
        remaining = moves - done
        if not level or not remaining:
            return
        self.env["relance.history"].create(
            {
                "company_id": remaining.company_id[:1].id,
                "partner_id": partner.id,
                "contact_id": partner.id,
                "level_id": level.id,
                "channel": "handover",
                "state": "done",
                "attachment_id": bundle.id,
                "amount_due": sum(remaining.mapped("amount_residual_signed")),
                "line_ids": [
                    Command.create({"move_id": m.id, "amount_residual": m.amount_residual})
                    for m in remaining
                ],
            }
        )
