from odoo import Command, api, models


class MailMail(models.Model):
    _name = "mail.mail"
    _inherit = ["mail.mail", "relance.bulk.mixin"]

    @api.model
    def _relance_create_mails(self, vals_list):
        """``create(vals_list)`` for a run's reminders, in bulk (``relance.bulk.mixin``):
        the messages in a few queries, then the mails. The rows are those ``create``
        writes: the defaults of ``mail.mail`` (its message's among them), the message's
        ``message_id`` and ``reply_to`` as ``mail.message.create`` gives them, the
        scheduled date as ``mail.mail.create`` parses it. As superuser, as the channels
        create their mails. ``tests/test_customer_message.py`` compares the rows with
        Odoo's own.

        The values give no message body (``body_html`` is the mail's; Odoo extracts the
        images embedded in a message body) and their many2many as links; other values
        go to ``create``.

        Why not ``create``: it cost a sixth of an execution job, most of it in the ORM's
        upkeep of the cache of every ``message_ids`` field of every model for each new
        message (``Many2oneReference._update_inverses``)."""
        self = self.sudo()  # noqa: PLW0642
        if not vals_list or not all(map(self._relance_bulk_creatable, vals_list)):
            return self.create(vals_list)
        own = {name for name, field in self._fields.items() if not field.inherited}
        defaults = self._add_missing_default_values({})
        message_model = self.env["mail.message"]
        message_vals, mail_vals = [], []
        for given in vals_list:
            vals = {**defaults, **self._relance_linked_as_set(given)}
            message = {name: value for name, value in vals.items() if name not in own}
            if not message.get("message_id"):
                message["message_id"] = message_model._get_message_id(message)
            if "reply_to" not in message:
                message["reply_to"] = message_model._get_reply_to(message)
            message_vals.append(message)
            mail = {name: value for name, value in vals.items() if name in own}
            scheduled = mail.get("scheduled_date") and self._parse_scheduled_datetime(
                mail["scheduled_date"]
            )
            mail["scheduled_date"] = scheduled.replace(tzinfo=None) if scheduled else False
            mail_vals.append(mail)
        messages = message_model._relance_bulk_create(message_vals)
        return self._relance_bulk_create(
            [
                {**mail, "mail_message_id": message.id}
                for mail, message in zip(mail_vals, messages, strict=True)
            ]
        )

    def _relance_bulk_creatable(self, vals):
        m2m = [name for name in vals if self._fields[name].type == "many2many"]
        return (
            "email_from" in vals
            and not vals.get("body")
            and not vals.get("mail_message_id")
            and all(command[0] == Command.LINK for name in m2m for command in vals[name] or ())
        )

    def _relance_linked_as_set(self, vals):
        return {
            name: [Command.set([command[1] for command in value or ()])]
            if self._fields[name].type == "many2many"
            else value
            for name, value in vals.items()
        }
