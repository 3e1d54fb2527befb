from odoo import api, fields, models

# the notification states of a mail or SMS that did not reach its recipient
UNDELIVERED = ("exception", "bounce")


class MailNotification(models.Model):
    """A reminder is done once its mail or SMS is queued; Odoo reports later, on the
    recipient's notification, whether it was delivered: an SMTP error, a bounce, an SMS
    provider's refusal make its dunning action fail, its channel's fallback is proposed
    and executed, and the invoices no channel reached go back to the level their other
    actions give them."""

    _name = "mail.notification"
    _inherit = ["mail.notification", "relance.bulk.mixin"]

    @api.model
    def _relance_create_read(self, vals_list):
        """``create(vals_list)`` of notifications already read (a reminder's notification
        of its dunning contact), in bulk (``relance.bulk.mixin``), as superuser: the rows
        ``create`` writes, read now."""
        now = fields.Datetime.now()
        return self.sudo()._relance_bulk_create(
            [{**vals, "is_read": True, "read_date": now} for vals in vals_list]
        )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("notification_status") in UNDELIVERED:
            self._relance_undelivered()
        return result

    def _relance_undelivered(self):
        histories = (
            self.env["relance.history"]
            .sudo()
            .search(
                [
                    ("message_id", "in", self.mail_message_id.ids),
                    ("state", "=", "done"),
                    ("channel", "in", ("email", "sms")),
                ]
            )
        )
        if not histories:
            return
        types = dict(self._fields["failure_type"]._description_selection(self.env))
        reasons = {
            notification.mail_message_id: notification.failure_reason
            or types.get(notification.failure_type)
            or notification.notification_status
            for notification in self
        }
        for reason, failed in histories.grouped(lambda h: reasons.get(h.message_id)).items():
            failed._fail_with_fallback(
                self.env._("Not delivered: %(reason)s", reason=reason)
            )._execute()
        self.env["relance.history.line"].sudo()._restore_levels(histories.line_ids.move_id)
        histories.run_line_id.filtered(
            lambda line: all(h.state == "failed" for h in line.history_ids)
        ).write({"state": "failed", "reason": self.env._("Every channel failed, see the actions.")})
