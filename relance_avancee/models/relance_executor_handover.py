import csv
import io
import zipfile

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..report.relance_injunction import INJUNCTION_REPORT

MANAGER_GROUP = "relance_avancee.group_relance_manager"


class RelanceExecutorHandover(models.AbstractModel):
    """Legal handover channel ("transmettre au contentieux"): the customer's automatic
    reminders stop and the file a bailiff (commissaire de justice) or a collection agency
    needs is put together in one ZIP attached to the handover action: invoice PDFs, the
    history of the reminders, the call notes, the letters and formal notices with their
    registered-letter proof. A manual channel: never executed by the cron; a dunning
    manager executes the proposed handover (to the level's agency) or uses the handover
    wizard (to the agency chosen there): both run ``_hand_over``."""

    _name = "relance.executor.handover"
    _inherit = "relance.executor"
    _description = "Dunning legal handover executor"

    def _execute(self, histories):
        if not self.env.user.has_group(MANAGER_GROUP):
            histories.write({"reason": self._manager_only_text()})
            return
        for history in histories:
            agency = history.level_id.handover_partner_id
            if not agency:
                history.reason = self.env._(
                    "Choose who takes the file over: set the agency on the level, or use "
                    "Hand over on the customer."
                )
                continue
            self._hand_over(history.partner_id, agency, history.line_ids.move_id)

    def _manager_only_text(self):
        return self.env._("Only a dunning manager can hand a customer over.")

    def _hand_over(self, partner, agency, moves, note="", costs=0.0):
        """Hands these open invoices of the customer over to ``agency``: the recovery file
        made, with its order for payment file claiming ``costs`` besides the invoices
        (company currency), the handover action done. Returns the file."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self._manager_only_text())
        partner = partner.commercial_partner_id
        moves = moves._relance_open()
        if not moves:
            raise UserError(self.env._("This customer has no unpaid invoice to hand over."))
        histories = self.env["relance.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
        today = fields.Date.context_today(self)
        bundle = self._bundle(partner, moves, histories, costs)
        partner.sudo().write(
            {
                "relance_handover_partner_id": agency.id,
                "relance_handover_date": today,
            }
        )
        # the file is a dunning document, read by the dunning groups only (see
        # relance_access.py): the handover action's, else the customer's latest action's
        # (a policy without a handover level); the customer's chatter only tells of it
        handover = {"handover_partner_id": agency.id, "handover_costs": costs}
        owner = self._record_action(partner, moves, histories, bundle, **handover)
        owner = owner or histories[-1:]
        if owner:
            bundle.write({"res_model": "relance.history", "res_id": owner[:1].id})
        partner._message_log(
            body=Markup("<br/>").join(
                filter(
                    None,
                    [
                        self.env._(
                            "Handed over to %(agency)s: automatic reminders stopped for "
                            "%(count)s invoices.",
                            agency=agency.name,
                            count=len(moves),
                        ),
                        self._simplified_procedure_text(partner, moves, today),
                        note,
                    ],
                )
            )
        )
        return bundle

    def _simplified_procedure_text(self, partner, moves, date):
        """Whether the claim may go by the simplified recovery of small claims."""
        is_open, amount, threshold = self.env["relance.legal"]._simplified_procedure(
            partner, moves, date
        )
        if not is_open:
            return ""
        eur = self.env.ref("base.EUR")
        return self.env._(
            "Simplified recovery procedure possible (CPCE L125-1): the claim, %(amount)s, "
            "is at most %(threshold)s.",
            amount=eur.format(amount),
            threshold=eur.format(threshold),
        )

    def _bundle(self, partner, moves, histories, costs=0.0):
        without_pdf = self.env.context.get("relance_handover_without_pdf")
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        if missing and not without_pdf:
            self._store_invoice_pdfs(missing)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for move in moves:
                if move.invoice_pdf_report_id:
                    name = move.invoice_pdf_report_id.name
                    archive.writestr(f"invoices/{name}", move.invoice_pdf_report_id.raw)
            for history in histories.filtered("attachment_id"):
                archive.writestr(f"letters/{history.attachment_id.name}", history.attachment_id.raw)
            if not without_pdf:
                archive.writestr(*self._injunction_file(partner, moves, costs))
            archive.writestr("history.csv", self._history_csv(histories))
            archive.writestr("calls.txt", self._call_notes(histories))
        # for managers only (checked above); they may not edit the partner itself
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

    def _injunction_file(self, partner, moves, costs):
        """(name, content) of the order for payment file (report/relance_injunction.py)
        of these invoices today; HTML where reports are not printed (tests)."""
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            INJUNCTION_REPORT,
            partner.ids,
            data=self._injunction_data(partner, moves, fields.Date.context_today(self), costs),
        )
        name = self.env._("Order for payment file - %(customer)s", customer=partner.name)
        return f"{name}.{kind}", content

    def _injunction_data(self, partner, moves, date, costs):
        """The data the order for payment report is printed with."""
        return {
            "partner_id": partner.id,
            "move_ids": moves.ids,
            "date": fields.Date.to_string(date),
            "costs": costs,
        }

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

    def _record_action(self, partner, moves, histories, bundle, **values):
        """The handover action of the history (with these ``values``): the one the run
        proposed, else a new one at the policy's handover level (none without such a level
        or invoice left to hand over). Returns it."""
        todo = histories.filtered(lambda h: h.channel == "handover" and h.state == "todo")
        if todo:
            todo.write({"state": "done", "attachment_id": bundle.id, "reason": False, **values})
            return todo
        channel = self.env.ref("relance_avancee.channel_handover")
        level = moves.relance_policy_id.level_ids.filtered(lambda lv: channel in lv.channel_ids)[:1]
        done = histories.filtered(lambda h: h.channel == "handover").line_ids.move_id
        remaining = moves - done
        if not level or not remaining:
            return histories.browse()
        history_model = self.env["relance.history"]
        return history_model.create(
            history_model._action_values(
                partner,
                level,
                channel,
                remaining,
                state="done",
                attachment_id=bundle.id,
                **values,
            )
        )
