from odoo import api, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

# what the ORM writes itself on every row
LOG_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model
    def _relance_insert_notes(self, records, bodies):
        """Logs ``bodies[record.id]`` as an internal note on each of ``records``, with the
        values that ``_message_log_batch`` gives its notes and the defaults of every other
        stored field, in one INSERT.

        Why not ``_message_log_batch``: a run logs a note on every invoice it reminds, and
        creating them through the ORM cost a quarter of an execution job, most of it in the
        ORM's upkeep of the cache of every ``message_ids`` field of every model for each
        note (``Many2oneReference._update_inverses``) and in sanitizing the same body again
        for each invoice of an action. ``tests/test_customer_message.py`` compares the rows
        with Odoo's own."""
        records = records.filtered(lambda r: r.id in bodies)
        if not records:
            return self.browse()
        author_id, email_from = records._message_compute_author()
        values = self._add_missing_default_values(
            {
                "author_id": author_id,
                "email_from": email_from,
                "model": records._name,
                "record_alias_domain_id": False,
                "record_company_id": False,
                "message_type": "notification",
                "is_internal": True,
                "subject": False,
                "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                "email_add_signature": False,
                "message_id": generate_tracking_message_id("message-notify"),
                "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                    default=email_from, author_id=author_id
                )[False],
            }
        )
        columns = [
            name
            for name, field in self._fields.items()
            if field.store
            and field.column_type
            and name in values
            and name not in (*LOG_COLUMNS, "res_id", "body")
        ]
        constants = [
            self._fields[name].convert_to_column_insert(values[name], self) for name in columns
        ]
        # sanitized as the ORM does, once per distinct body (an action's invoices share it)
        body_field = self._fields["body"]
        stored_bodies = {
            body: body_field.convert_to_column_insert(body, self) for body in set(bodies.values())
        }
        now = self.env.cr.now()
        uid = self.env.uid
        rows = [
            (*constants, record.id, stored_bodies[bodies[record.id]], uid, now, uid, now)
            for record in records
        ]
        self.flush_model()
        result = self.env.execute_query(
            SQL(
                "INSERT INTO mail_message (%s) VALUES %s RETURNING id",
                SQL(", ").join(
                    SQL.identifier(name) for name in (*columns, "res_id", "body", *LOG_COLUMNS[1:])
                ),
                SQL(", ").join(rows),
            )
        )
        records.invalidate_recordset(
            ["message_ids", "message_needaction", "message_needaction_counter"]
        )
        return self.browse([row[0] for row in result])
