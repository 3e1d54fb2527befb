from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


class RelanceAcknowledgment(models.TransientModel):
    """The acknowledgments of receipt of formal notices sent by registered letter, entered
    at once for one notice (its action) or several (a run, a proposal line, a selection of
    actions): the letter number and the date of receipt of each, which the notice's effects
    count from (the consumers' legal interest, the deadline given to pay)."""

    _name = "relance.acknowledgment"
    _description = "Acknowledgments of receipt of formal notices"

    date = fields.Date(
        "Received on",
        required=True,
        default=fields.Date.context_today,
        help="The date of the notices ticked whose line gives none.",
    )
    line_ids = fields.One2many("relance.acknowledgment.line", "wizard_id", "Formal notices")

    @api.model
    def _open_for(self, histories):
        """The wizard on the formal notices posted or printed among these actions (a notice
        never printed cannot have been received). With several, each is ticked by hand as
        its acknowledgment comes back: one returned receipt never stamps the others."""
        notices = histories.filtered(
            lambda h: h.channel == "notice"
            and (h.state == "done" or (h.state == "todo" and h.attachment_id))
        )
        if not notices:
            raise UserError(self.env._("No formal notice sent by registered letter here."))
        wizard = self.create(
            {
                "line_ids": [
                    Command.create(
                        {
                            "history_id": notice.id,
                            "received": len(notices) == 1 or bool(notice.acknowledgment_date),
                            "registered_letter_number": notice.registered_letter_number,
                            "acknowledgment_date": notice.acknowledgment_date,
                        }
                    )
                    for notice in notices
                ]
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receipt acknowledged"),
            "res_model": self._name,
            "res_id": wizard.id,
            "views": [(False, "form")],
            "target": "new",
        }

    def action_confirm(self):
        """Each notice ticked gets its number and date of receipt, and is done: it was
        posted."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        lines = self.line_ids.filtered("received")
        if not lines:
            raise UserError(self.env._("Tick the formal notices whose receipt came back."))
        for line in lines:
            history = line.history_id
            received = line.acknowledgment_date or self.date
            sent = history.sent_date or history.date
            if received < sent or received > today:
                raise ValidationError(
                    self.env._(
                        "%(notice)s: the receipt (%(received)s) must be between the notice's "
                        "date (%(sent)s) and today.",
                        notice=history.display_name,
                        received=format_date(self.env, received),
                        sent=format_date(self.env, sent),
                    )
                )
            values = {
                "acknowledgment_date": received,
                "registered_letter_number": line.registered_letter_number,
            }
            if history.state == "todo":
                values.update(state="done", reason=False)
            history.write(values)
            history.message_post(body=self._message(received, line.registered_letter_number))
        return {"type": "ir.actions.act_window_close"}

    def _message(self, received, number):
        text = self.env._(
            "Formal notice received on %(date)s.", date=format_date(self.env, received)
        )
        if number:
            text += " " + self.env._("Registered letter n° %(number)s.", number=number)
        return Markup("<p>%s</p>") % text


class RelanceAcknowledgmentLine(models.TransientModel):
    _name = "relance.acknowledgment.line"
    _description = "Acknowledgment of receipt of a formal notice"

    wizard_id = fields.Many2one("relance.acknowledgment", required=True, ondelete="cascade")
    history_id = fields.Many2one(
        "relance.history", "Formal notice", required=True, domain="[('channel', '=', 'notice')]"
    )
    partner_id = fields.Many2one(related="history_id.partner_id")
    sent_date = fields.Date(related="history_id.date", string="Sent on")
    received = fields.Boolean(
        "Receipt back", help="Its acknowledgment of receipt came back: recorded on confirming."
    )
    registered_letter_number = fields.Char("Registered letter number")
    acknowledgment_date = fields.Date(
        "Received on", help="Empty: the date given above, for the notices ticked."
    )
