from odoo import _, api, fields, models


class RelanceHistory(models.Model):
    """SMS channel: the level's SMS template, to mobiles only, never to a blacklisted
    number, posted on the customer and queued in Odoo's SMS queue."""

    _inherit = "relance.history"

    def _execute_sms(self):
        numbers = {h: h._call_partner().relance_phone_e164 for h in self}
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", [n for n in numbers.values() if n])])
            .mapped("number")
        )
        refused = self.grouped(lambda h: h._sms_refusal(numbers[h], blacklisted))
        for reason, histories in refused.items():
            if reason:
                histories._fail_with_fallback(reason)
        sendable = self.filtered(lambda h: h.state == "todo")
        sendable._schedule_in_sending_window()
        # out of the window, the SMS waits in its action (see _cron_send_scheduled_sms)
        sendable = sendable.filtered(
            lambda h: not h.scheduled_at or h.scheduled_at <= fields.Datetime.now()
        )
        by_template = sendable.grouped(lambda h: h.level_id.sms_template_id)
        for template, histories in by_template.items():
            bodies = template._render_field("body", histories.ids, compute_lang=True)
            for history in histories:
                partner = history._call_partner()
                message = history.partner_id._message_sms(
                    bodies[history.id],
                    partner_ids=partner.ids,
                    sms_pid_to_number={partner.id: numbers[history]},
                    put_in_queue=True,
                )
                history.message_id = message
        sendable.state = "done"

    @api.model
    def _cron_send_scheduled_sms(self):
        """Sends the SMS that waited for their sending window to open."""
        due = self.search(
            [
                ("channel", "=", "sms"),
                ("state", "=", "todo"),
                ("scheduled_at", "<=", fields.Datetime.now()),
            ]
        )
        due.write({"reason": False})
        due._execute_sms()

    def _sms_refusal(self, number, blacklisted):
        self.ensure_one()
        partner = self._call_partner()
        if not self.level_id.sms_template_id:
            return _("The level has no SMS template.")
        if not number:
            return _("No SMS possible: %(warning)s", warning=partner.relance_phone_warning)
        if not partner.relance_phone_is_mobile:
            return _("No SMS possible: %(number)s is not a mobile.", number=number)
        if number in blacklisted:
            return _("No SMS possible: %(number)s refuses SMS (blacklist).", number=number)
        return False
