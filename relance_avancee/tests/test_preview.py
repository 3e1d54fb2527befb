import base64
from datetime import date

from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import RelanceCommon

DUE = date(2026, 3, 2)
TODAY = date(2026, 3, 10)  # 8 days late: the first reminder, by email
FAKE_PDF = b"%%PDF-1.4 invoice %d"


@tagged("post_install", "-at_install")
class TestPreview(RelanceCommon):
    """A reminder previewed in Odoo's composer, edited, then sent (or not)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.email = "manager@atelier.example"
        cls.policy_b2b.copy_controller = "bcc"
        cls.customer_b2b.relance_user_id = cls.manager
        cls.billing = cls.env["res.partner"].create(
            {
                "name": "Service comptable",
                "type": "invoice",
                "parent_id": cls.customer_b2b.id,
                "email": "factures@dupont.example",
            }
        )
        cls.director = cls.env["res.partner"].create(
            {
                "name": "Paul Dupont",
                "parent_id": cls.customer_b2b.id,
                "email": "paul@dupont.example",
                "relance_reminder_copy": True,
            }
        )

    def setUp(self):
        super().setUp()
        freezer = freeze_time(TODAY)
        freezer.start()
        self.addCleanup(freezer.stop)
        self.invoices = self._relance_invoice(
            self.customer_b2b, 700.0, DUE, invoice_date=date(2026, 2, 1)
        ) | self._relance_invoice(self.customer_b2b, 500.0, DUE, invoice_date=date(2026, 2, 1))
        for invoice in self.invoices:
            # a stored legal PDF, as Send & Print leaves it (no wkhtmltopdf here)
            invoice.invoice_pdf_report_file = base64.b64encode(FAKE_PDF % invoice.id)
        self.run = self.env["relance.engine"]._prepare_run(TODAY, self.company)
        self.line = self.run.line_ids.filtered(lambda ln: ln.partner_id == self.customer_b2b)
        self.assertEqual(self.line.state, "proposed")
        self.assertEqual(self.line.level_id.name, "First reminder")
        self.line = self.line.with_user(self.accountant)

    def _composer(self, action):
        return Form(
            self.env["mail.compose.message"]
            .with_user(self.accountant)
            .with_context(action["context"])
        )

    def _mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer_b2b.id)]
        )

    def test_preview_fills_the_composer(self):
        action = self.line.action_preview_email()
        self.assertEqual(action["res_model"], "mail.compose.message")
        history = self.line.history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual((history.channel, history.state), ("email", "todo"))
        self.assertEqual(history.line_ids.move_id, self.invoices)
        self.assertEqual(self.line.state, "proposed", "nothing is sent by a preview")
        self.assertFalse(self.invoices.relance_level_id)
        composer = self._composer(action)
        self.assertEqual(composer.composition_mode, "comment")
        self.assertEqual(composer.model, "res.partner")
        self.assertIn("reminder of overdue invoices", composer.subject)
        for invoice in self.invoices:
            self.assertIn(invoice.name, composer.body)
            self.assertIn(f"access_token={invoice.access_token}", composer.body)
        self.assertIn("Service comptable", composer.body)
        # the dunning contact, the contact in copy, the credit controller in BCC
        self.assertEqual(
            set(composer.partner_ids.ids),
            {self.billing.id, self.director.id, self.manager.partner_id.id},
        )
        # the invoices' PDFs, as copies: removing one here leaves the invoice's own
        attachments = self.env["ir.attachment"].browse(composer.attachment_ids.ids)
        self.assertEqual(len(attachments), 2)
        self.assertEqual(
            sorted(attachments.mapped("raw")),
            sorted(self.invoices.invoice_pdf_report_id.mapped("raw")),
        )
        self.assertNotIn(attachments[0], self.invoices.invoice_pdf_report_id)
        self.assertEqual(set(attachments.mapped("res_model")), {"mail.compose.message"})
        self.assertEqual(composer.email_from, self.manager.email_formatted)
        wizard = composer.save()
        self.assertFalse(wizard.email_add_signature)
        self.assertFalse(wizard.auto_delete)

    def test_send_records_what_was_sent(self):
        self.customer_b2b.message_subscribe(partner_ids=self.basic_user.partner_id.ids)
        composer = self._composer(self.line.action_preview_email())
        composer.subject = "Dupont: our call of this morning"
        composer.body += Markup("<p>As agreed on the phone, we expect your transfer on Friday.</p>")
        composer.partner_ids.remove(self.director.id)
        composer.save().action_send_mail()

        history = self.line.history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual(history.state, "done")
        message = history.message_id
        self.assertEqual((message.model, message.res_id), ("res.partner", self.customer_b2b.id))
        self.assertEqual(message.subject, "Dupont: our call of this morning")
        self.assertIn(
            "<p>As agreed on the phone, we expect your transfer on Friday.</p>", message.body
        )
        self.assertIn("we expect your transfer on Friday", history.mail_id.body_html)
        self.assertIn(self.invoices[0].name, message.body)
        self.assertEqual(message.partner_ids, self.billing | self.manager.partner_id)
        self.assertEqual(len(message.attachment_ids), 2)
        self.assertEqual(history.mail_id.mail_message_id, message)
        self.assertIn(self.billing, history.mail_id.recipient_ids)
        self.assertEqual(history.contact_id, self.billing)
        notified = message.notification_ids.res_partner_id
        self.assertNotIn(self.director, notified)
        self.assertNotIn(self.basic_user.partner_id, notified, "followers are not notified")
        # the line is executed as "Validate and send" would
        self.assertEqual(self.line.state, "done")
        for invoice in self.invoices:
            self.assertEqual(invoice.relance_level_id, self.line.level_id)
            self.assertEqual(invoice.relance_last_date, TODAY)
            self.assertIn("Dupont: our call of this morning", invoice.message_ids[0].body)
            self.assertTrue(invoice.invoice_pdf_report_id, "the invoice keeps its PDF")
        self.assertEqual(self.run.state, "done")
        # executing again sends nothing more
        self.line.action_execute()
        self.assertEqual(len(self.line.history_ids), 1)

    def test_discard_then_execute_sends_one_mail(self):
        self.line.action_preview_email()  # the composer is closed without sending
        self.assertFalse(self._mails())
        self.line.action_execute()
        self.assertEqual(self.line.state, "done")
        histories = self.line.history_ids
        self.assertEqual(sorted(histories.mapped("state")), ["cancelled", "done"])
        self.assertFalse(histories.filtered(lambda h: h.state == "todo"))
        mails = self._mails()
        self.assertEqual(len(mails), 1)
        self.assertEqual(histories.filtered(lambda h: h.state == "done").mail_id, mails)
        self.assertEqual(self.invoices.relance_level_id, self.line.level_id)

    def test_preview_twice_creates_one_action(self):
        first = self.line.action_preview_email()
        second = self.line.action_preview_email()
        histories = self.line.history_ids
        self.assertEqual(len(histories), 2, "histories are never deleted")
        self.assertEqual(len(histories.filtered(lambda h: h.state == "todo")), 1)
        self.assertEqual(
            histories.filtered(lambda h: h.state == "cancelled").id,
            first["context"]["relance_preview_history_id"],
        )
        # the first window is outdated: sending it sends nothing
        with self.assertRaises(UserError):
            self._composer(first).save().action_send_mail()
        self._composer(second).save().action_send_mail()
        self.assertEqual(self.line.state, "done")
        sent = self.line.history_ids.filtered(lambda h: h.state == "done")
        self.assertEqual(sent.id, second["context"]["relance_preview_history_id"])
        # one message, its emails split by Odoo per kind of recipient (customer, user)
        self.assertEqual(self._mails().mail_message_id, sent.message_id)

    def test_send_after_the_line_was_executed_meanwhile(self):
        composer = self._composer(self.line.action_preview_email()).save()
        self.line.action_execute()  # another accountant validates the run meanwhile
        self.assertEqual(len(self._mails()), 1)
        with self.assertRaises(UserError):
            composer.action_send_mail()
        self.assertEqual(len(self._mails()), 1)

    def test_send_after_an_invoice_was_paid_meanwhile(self):
        composer = self._composer(self.line.action_preview_email()).save()
        self._pay(self.invoices[0], 700.0, TODAY)
        with self.assertRaises(UserError):
            composer.action_send_mail()

    def test_excluding_the_line_cancels_its_preview(self):
        self.line.action_preview_email()
        self.line.action_exclude()
        self.assertEqual(self.line.history_ids.state, "cancelled")
        self.assertFalse(self.line.preview_email_ok)

    def test_cannot_schedule_a_preview(self):
        composer = self._composer(self.line.action_preview_email())
        composer.scheduled_date = "2026-03-11 08:00:00"
        with self.assertRaises(UserError):
            composer.save().action_schedule_message()

    def test_print_the_letter_of_a_proposed_line(self):
        self.billing.write({"street": "1 rue du Port", "city": "Marseille"})
        letter_level = self.policy_b2b.level_ids.filtered(
            lambda lv: "letter" in lv.channel_ids.mapped("code")
        )[:1]
        line = self.env["relance.run.line"].create(
            {
                "run_id": self.run.id,
                "partner_id": self.customer_b2b.id,
                "level_id": letter_level.id,
                "move_ids": [Command.set(self.invoices.ids)],
            }
        )
        # the invoices are at the level before the letter, which is due at the run's date
        levels = self.policy_b2b.level_ids.sorted(lambda lv: (lv.sequence, lv.offset_days))
        previous = levels[list(levels).index(letter_level) - 1]
        letter_level.write({"offset_days": 8, "min_days_since_previous": 0})
        self.invoices._relance_light_write({"relance_level_id": previous.id})
        at_run = self.invoices.with_context(relance_date=TODAY)
        self.assertEqual(at_run.relance_next_level_id, letter_level)
        self.line.action_exclude()
        line = line.with_user(self.accountant)
        self.assertTrue(line.print_letter_ok)
        self.assertFalse(line.preview_email_ok)
        action = line.action_print_letter()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(line.state, "done")
        letter = line.history_ids
        self.assertEqual((letter.channel, letter.state), ("letter", "todo"))
        self.assertTrue(letter.attachment_id)
        # printing again downloads the same letter, no second action
        line.action_print_letter()
        self.assertEqual(line.history_ids, letter)
