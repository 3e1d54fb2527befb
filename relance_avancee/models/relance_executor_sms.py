from odoo import fields, models


class RelanceExecutorSms(models.AbstractModel):
    """SMS channel: the level's SMS template, to mobiles only, never to a blacklisted
    number, posted on the customer and queued in Odoo's SMS queue; out of the policy's
    sending window, the SMS waits in its action (``relance.history._cron_send_scheduled_sms``)."""

    _name = "relance.executor.sms"
    _inherit = "relance.executor"
    _description = "Dunning SMS executor"

    def _execute(self, histories):
        numbers = {h: h._call_partner().relance_phone_e164 for h in histories}
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", [n for n in numbers.values() if n])])
            .mapped("number")
        )
        refused = histories.grouped(lambda h: self._refusal(h, numbers[h], blacklisted))
        for reason, refused_histories in refused.items():
            if reason:
                refused_histories._fail_with_fallback(reason)
        sendable = histories.filtered(lambda h: h.state == "todo")
        sendable._schedule_in_sending_window()
        sendable = sendable.filtered(
            lambda h: not h.scheduled_at or h.scheduled_at <= fields.Datetime.now()
        )
        for template, template_histories in sendable.grouped(
            lambda h: h.level_id.sms_template_id
        ).items():
            bodies = template._render_field("body", template_histories.ids, compute_lang=True)
            for history in template_histories:
                partner = history._call_partner()
                # posted with the rights of the dunning (an accountant may not edit the
                # customer), as the current user's
                history.message_id = history.partner_id.sudo()._message_sms(
                    bodies[history.id],
                    author_id=self.env.user.partner_id.id,
                    partner_ids=partner.ids,
                    sms_pid_to_number={partner.id: numbers[history]},
                    put_in_queue=True,
                )
        sendable.state = "done"

    def _refusal(self, history, number, blacklisted):
        partner = history._call_partner()
        if not history.level_id.sms_template_id:
            return self.env._("The level has no SMS template.")
        if not number:
            return self.env._("No SMS possible: %(warning)s", warning=partner.relance_phone_warning)
        if not partner.relance_phone_is_mobile:
            return self.env._("No SMS possible: %(number)s is not a mobile.", number=number)
        if number in blacklisted:
            return self.env._("No SMS possible: %(number)s refuses SMS (blacklist).", number=number)
        return False
