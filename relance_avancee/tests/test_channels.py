import csv
import io
import zipfile
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RelanceCommon

FRIDAY = date(2026, 3, 13)


@tagged("post_install", "-at_install")
class TestChannels(RelanceCommon):
    """Calls, SMS, letters, formal notices and the handover, on real records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        france = cls.env.ref("base.fr")
        cls.customer_b2b.write(
            {
                "phone": "04 72 10 20 30",
                "country_id": france.id,
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "relance_user_id": cls.accountant.id,
            }
        )
        cls.customer_b2c.write(
            {
                "phone": "06 12 34 56 78",
                "country_id": france.id,
                "street": "3 place du Capitole",
                "zip": "31000",
                "city": "Toulouse",
            }
        )

    def _level(self, policy, code):
        return policy.level_ids.filtered(lambda lv: code in lv.channel_ids.mapped("code"))[:1]

    def _action(self, partner, policy, code, invoices, when=FRIDAY, user=None):
        history = self.env["relance.history"].create(
            {
                "date": when,
                "company_id": self.company.id,
                "partner_id": partner.id,
                "contact_id": partner.id,
                "level_id": self._level(policy, code).id,
                "channel_id": self.env.ref(f"relance_avancee.channel_{code}").id,
                "amount_due": sum(invoices.mapped("amount_residual_signed")),
                "line_ids": [
                    Command.create({"move_id": m.id, "amount_residual": m.amount_residual})
                    for m in invoices
                ],
            }
        )
        history.with_user(user or self.env.user)._execute()
        return history

    # phone numbers ----------------------------------------------------------------------

    def test_phone_normalisation(self):
        partner = self.env["res.partner"].create(
            {"name": "Test", "country_id": self.env.ref("base.fr").id}
        )
        for number, e164, mobile in [
            ("06 12 34 56 78", "+33612345678", True),
            ("+33 6 12 34 56 78", "+33612345678", True),
            ("0033 6 12 34 56 78", "+33612345678", True),
            ("04 72 10 20 30", "+33472102030", False),
        ]:
            partner.phone = number
            self.assertEqual(partner.relance_phone_e164, e164, number)
            self.assertEqual(partner.relance_phone_is_mobile, mobile, number)
            self.assertFalse(partner.relance_phone_warning)
        self.assertEqual(partner.relance_phone_national, "04 72 10 20 30")
        partner.phone = "01 23 45"
        self.assertFalse(partner.relance_phone_e164)
        self.assertIn("Invalid phone number: 01 23 45", partner.relance_phone_warning)
        partner.phone = False
        self.assertEqual(partner.relance_phone_warning, "No phone number.")

    # calls ------------------------------------------------------------------------------

    def test_call_activity_user_deadline_and_script(self):
        invoice = self._relance_invoice(self.customer_b2b, 1200.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        activity = history.activity_id
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.res_id, self.customer_b2b.id)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertEqual(activity.date_deadline, date(2026, 3, 16), "Friday → Monday")
        self.assertIn(invoice.name, str(activity.note))
        self.assertIn("15 days late", str(activity.note))
        self.assertIn("accounts payable", str(activity.note))
        self.assertEqual(history.state, "todo")

    def test_call_user_falls_back_to_salesperson_then_policy(self):
        self.customer_b2b.relance_user_id = False
        self.customer_b2b.user_id = self.manager
        invoice = self._relance_invoice(self.customer_b2b, 100.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        self.assertEqual(history.activity_id.user_id, self.manager)
        # consumers: the calling window and the instalment offer
        self.policy_b2c.default_user_id = self.accountant
        invoice = self._relance_invoice(self.customer_b2c, 100.0, date(2026, 2, 26))
        history = self._action(self.customer_b2c, self.policy_b2c, "call", invoice)
        self.assertEqual(history.activity_id.user_id, self.accountant)
        self.assertIn("10:00-13:00", str(history.activity_id.note))
        self.assertIn("3 instalments", str(history.activity_id.note))

    def test_call_without_valid_phone_fails_with_fallback(self):
        self.customer_b2b.phone = "01 23 45"
        invoice = self._relance_invoice(self.customer_b2b, 100.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        self.assertEqual(history.state, "failed")
        self.assertIn("Invalid phone number", history.reason)
        fallback = self.env["relance.history"].search(
            [("partner_id", "=", self.customer_b2b.id), ("channel", "=", "email")]
        )
        self.assertEqual(len(fallback), 1)
        self.assertIn("Invalid phone number", fallback.reason)

    def test_call_outcomes(self):
        invoice = self._relance_invoice(self.customer_b2b, 900.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        level = history.level_id
        level.write({"call_retry_days": 2, "call_max_tries": 2})
        # no answer: a new call two working days later
        self._log_call(history, "no_answer")
        self.assertEqual(history.state, "todo")
        self.assertEqual(history.call_tries, 2)
        self.assertEqual(history.activity_id.date_deadline, date(2026, 3, 16))
        # no answer again after the last try: the next level is brought forward
        self._log_call(history, "no_answer", note="Voicemail full")
        self.assertEqual(history.state, "done")
        self.assertTrue(invoice.relance_escalate_date)
        self.assertIn("Voicemail full", history.message_ids[0].body)

        invoice = self._relance_invoice(self.customer_b2b, 500.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        self._log_call(history, "promise", promise_date=date(2026, 3, 20), promise_amount=500.0)
        self.assertEqual(invoice.relance_promise_ids.date, date(2026, 3, 20))
        self.assertEqual(invoice.relance_pause_until, date(2026, 3, 23))
        self.assertEqual(history.call_outcome, "promise")

        invoice = self._relance_invoice(self.customer_b2b, 400.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        self._log_call(history, "dispute", dispute_reason="invoicing_error", note="Wrong VAT")
        self.assertTrue(invoice.relance_dispute)
        self.assertEqual(invoice.relance_dispute_ids.reason, "invoicing_error")

        invoice = self._relance_invoice(self.customer_b2b, 300.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        _wizard, action = self._log_call(history, "plan")
        plan = self.env["relance.payment.plan"].browse(action["res_id"])
        self.assertEqual(plan.move_ids, invoice)
        self.assertEqual(plan.state, "draft")

        invoice = self._relance_invoice(self.customer_b2b, 200.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        self._log_call(history, "wrong_number")
        self.assertEqual(history.state, "failed")

    def test_call_marked_done_from_its_activity(self):
        invoice = self._relance_invoice(self.customer_b2b, 900.0, date(2026, 2, 26))
        history = self._action(self.customer_b2b, self.policy_b2b, "call", invoice)
        activity = history.activity_id
        self.assertEqual(activity.relance_call_id, history)
        # the web client learns which activities are dunning calls (Log the call button)
        data = activity.with_user(self.accountant).activity_format()["mail.activity"]
        self.assertTrue(data[0]["relance_is_call"])
        activity.with_user(self.accountant).action_feedback(feedback="Spoke to the CFO")
        self.assertEqual(history.state, "done")
        self.assertEqual(history.call_outcome, "reached")
        self.assertIn("Spoke to the CFO", history.message_ids[0].body)
        other = self.customer_b2b.activity_schedule("mail.mail_activity_data_call")
        self.assertFalse(other.relance_is_call)

    # SMS ---------------------------------------------------------------------------------

    def test_sms_to_mobiles_only(self):
        invoice = self._relance_invoice(self.customer_b2c, 80.0, date(2026, 3, 10))
        # executed by an accountant, who may not edit customers: the SMS is still logged on
        # the customer, as the accountant's
        history = self._action(
            self.customer_b2c, self.policy_b2c, "sms", invoice, user=self.accountant
        )
        self.assertEqual(history.state, "done")
        self.assertEqual(history.message_id.author_id, self.accountant.partner_id)
        sms = self.env["sms.sms"].search([("number", "=", "+33612345678")])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "outgoing")
        self.assertIn(invoice.name, sms.body)
        self.assertEqual(history.message_id.message_type, "sms")
        # a landline gets no SMS: the fallback email is proposed
        other = self.env["res.partner"].create(
            {
                "name": "Paul Fixe",
                "phone": "04 72 10 20 30",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        invoice = self._relance_invoice(other, 80.0, date(2026, 3, 10))
        history = self._action(other, self.policy_b2c, "sms", invoice)
        self.assertEqual(history.state, "failed")
        self.assertIn("not a mobile", history.reason)
        # an opted-out mobile neither
        self.env["phone.blacklist"].sudo().add("+33612345678")
        invoice = self._relance_invoice(self.customer_b2c, 90.0, date(2026, 3, 10))
        history = self._action(self.customer_b2c, self.policy_b2c, "sms", invoice, FRIDAY)
        self.assertEqual(history.state, "failed")
        self.assertIn("blacklist", history.reason)

    # letters ------------------------------------------------------------------------------

    def _html(self, history):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "relance_avancee.report_relance_letter", history.ids
        )
        return " ".join(html.decode().split())

    def test_letter_and_notice_render(self):
        invoices = self._relance_invoice(
            self.customer_b2b, 1000.0, date(2026, 1, 15)
        ) | self._relance_invoice(self.customer_b2b, 500.0, date(2026, 1, 20))
        letter = self._action(self.customer_b2b, self.policy_b2b, "letter", invoices)
        html = self._html(letter)
        for invoice in invoices:
            self.assertIn(invoice.name, html)
        self.assertIn("Reminder: unpaid invoices", html)
        self.assertIn("1,500.00", html)
        self.assertIn("03/21/2026", html)  # deadline: 8 days after the letter
        self.assertTrue(letter.attachment_id)
        self.assertIn("Print and post", letter.reason)

        notice = self._action(self.customer_b2b, self.policy_b2b, "notice", invoices)
        notice.registered_letter_number = "1A 234 567 8901 2"
        html = self._html(notice)
        self.assertIn("Formal notice to pay", html)
        self.assertIn("injonction de payer", html)
        self.assertIn("1A 234 567 8901 2", html)
        amounts = invoices._relance_legal_amounts(FRIDAY)
        interest = sum(v["interest"] for v in amounts.values())
        self.assertGreater(interest, 0)
        self.assertIn(f"{interest:,.2f}", html)
        self.assertIn("D441-5", html)

    def test_run_letters_printed_once(self):
        self.customer_b2c.phone = False
        invoices = self._relance_invoice(self.customer_b2b, 100.0, date(2026, 1, 15))
        invoices |= self._relance_invoice(self.customer_b2c, 200.0, date(2026, 1, 15))
        run = self.env["relance.run"].create({"date": FRIDAY, "company_id": self.company.id})
        histories = self.env["relance.history"]
        for partner, policy, invoice in (
            (self.customer_b2b, self.policy_b2b, invoices[0]),
            (self.customer_b2c, self.policy_b2c, invoices[1]),
        ):
            line = self.env["relance.run.line"].create(
                {
                    "run_id": run.id,
                    "partner_id": partner.id,
                    "level_id": self._level(policy, "letter").id,
                    "move_ids": [Command.set(invoice.ids)],
                    "state": "done",
                }
            )
            history = self._action(partner, policy, "letter", invoice)
            history.write({"run_id": run.id, "run_line_id": line.id})
            histories |= history
        histories.attachment_id.unlink()
        run = run.with_context(force_report_rendering=True)
        first = run.action_print_letters()
        attachments = histories.attachment_id
        self.assertEqual(len(attachments), 2, "one letter per customer")
        self.assertTrue(all(a.raw.startswith(b"%PDF") for a in attachments))
        # each the document of its action, read by the dunning groups only
        self.assertEqual(set(attachments.mapped("res_model")), {"relance.history"})
        self.assertEqual(set(attachments.mapped("res_id")), set(histories.ids))
        count = self.env["relance.history"].search_count([])
        second = run.action_print_letters()
        self.assertEqual(histories.attachment_id, attachments)
        self.assertEqual(self.env["relance.history"].search_count([]), count)
        merged = self.env["ir.attachment"].browse(int(second["url"].split("/")[3].split("?")[0]))
        self.assertTrue(merged.raw.startswith(b"%PDF"))
        self.assertTrue(first["url"].startswith("/web/content/"))

    # handover --------------------------------------------------------------------------

    def test_handover_bundle(self):
        invoices = self._relance_invoice(
            self.customer_b2b, 1000.0, date(2026, 1, 15)
        ) | self._relance_invoice(self.customer_b2b, 500.0, date(2026, 1, 20))
        call = self._action(self.customer_b2b, self.policy_b2b, "call", invoices[0])
        call.message_post(body="Customer refuses to pay")
        notice = self._action(self.customer_b2b, self.policy_b2b, "notice", invoices)
        notice.registered_letter_number = "RL-42"
        agency = self.env["res.partner"].create({"name": "Cabinet Huissier Durand"})
        with self.assertRaises(AccessError):
            self.env["relance.handover"].with_user(self.accountant).create(
                {"partner_id": self.customer_b2b.id, "agency_id": agency.id}
            )
        wizard = (
            self.env["relance.handover"]
            .with_user(self.manager)
            .create({"partner_id": self.customer_b2b.id, "agency_id": agency.id})
        )
        action = wizard.action_confirm()
        bundle = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        archive = zipfile.ZipFile(io.BytesIO(bundle.raw))
        names = archive.namelist()
        for invoice in invoices:
            self.assertIn(f"invoices/{invoice.invoice_pdf_report_id.name}", names)
        self.assertIn(f"letters/{notice.attachment_id.name}", names)
        rows = list(csv.reader(io.StringIO(archive.read("history.csv").decode()), delimiter=";"))
        channels = [row[2] for row in rows[1:]]
        self.assertIn("Phone call", channels)
        self.assertIn("Formal notice", channels)
        self.assertIn("RL-42", [row[6] for row in rows])
        self.assertIn("Customer refuses to pay", archive.read("calls.txt").decode())
        self.assertTrue(all(invoices.mapped("relance_handed_over")))
        self.assertEqual(self.customer_b2b.relance_handover_partner_id, agency)
        handover = self.env["relance.history"].search(
            [("partner_id", "=", self.customer_b2b.id), ("channel", "=", "handover")]
        )
        self.assertEqual(handover.state, "done")
        self.assertEqual(handover.move_ids, invoices)
