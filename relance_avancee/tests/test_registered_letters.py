import io
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common import RelanceCommon

LETTER_REPORT = "relance_avancee.report_relance_letter"
SENT = date(2026, 1, 1)
TODAY = date(2026, 3, 2)
MEDIATOR = "CM2C, 14 rue Saint-Jean 75017 Paris, https://www.cm2c.net"


@tagged("post_install", "-at_install")
class TestRegisteredLetters(RelanceCommon):
    """Formal notices sent by registered letter: their receipt (entered in one click from
    the action or the run) starts a consumer's legal interest and the deadline given; the
    letters show each invoice's subject, may carry the invoice PDFs, and tell a consumer
    of the company's consumer mediator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        france = cls.env.ref("base.fr")
        address = {"street": "3 place du Capitole", "zip": "31000", "city": "Toulouse"}
        (cls.customer_b2b | cls.customer_b2c).write({**address, "country_id": france.id})
        cls.company.write(
            {
                "relance_consumer_mediator_name": "CM2C",
                "relance_consumer_mediator_address": "14 rue Saint-Jean 75017 Paris",
                "relance_consumer_mediator_website": "https://www.cm2c.net",
            }
        )
        cls.notice_b2c = cls._level(cls.policy_b2c, "notice")
        cls.notice_b2c.notice_deadline_days = 15

    def setUp(self):
        super().setUp()
        # no report styles: the PDFs' text is extractable whatever server runs nearby
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")

    @classmethod
    def _level(cls, policy, code):
        return policy.level_ids.filtered(lambda lv: code in lv.channel_ids.mapped("code"))[:1]

    def _notice(self, partner, invoices, policy=None, when=SENT, printed=True):
        """A formal notice to execute, printed (its document attached) unless told not."""
        level = self._level(policy or self.policy_b2c, "notice")
        notice = self._relance_action(partner, level, "notice", invoices, when)
        if printed:
            notice.attachment_id = self.env["ir.attachment"].create(
                {"name": "notice.pdf", "raw": b"%PDF-1.4", "res_model": "relance.history"}
            )
        return notice

    def _acknowledge(self, action, received, numbers=()):
        wizard = self.env["relance.acknowledgment"].browse(action["res_id"])
        wizard.date = received
        wizard.line_ids.received = True
        for line, number in zip(wizard.line_ids, numbers, strict=False):
            line.registered_letter_number = number
        with freeze_time(TODAY):
            wizard.action_confirm()
        return wizard

    def _html(self, history):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(LETTER_REPORT, history.ids)
        return " ".join(html.decode().split())

    def _pages(self, pdf):
        return [
            " ".join(page.extract_text().split()) for page in PdfFileReader(io.BytesIO(pdf)).pages
        ]

    # the receipt ------------------------------------------------------------------------

    def test_consumer_interest_and_deadline_from_the_receipt(self):
        invoice = self._relance_invoice(self.customer_b2c, 7300.0, date(2025, 11, 1))
        notice = self._notice(self.customer_b2c, invoice)
        # printed, not yet posted: no interest yet; the receipt presumed 3 days after
        self.assertEqual(
            invoice._relance_legal_amounts(date(2026, 2, 28))[invoice.id]["interest"], 0
        )
        self.assertEqual(notice.receipt_date, date(2026, 1, 4))
        self.assertTrue(notice.receipt_presumed)
        self.assertEqual(notice.deadline_date, date(2026, 1, 19), "15 days from the receipt")
        # posted the day it was printed: interest from the presumed receipt, 4 January: 55
        # days at the legal rate of H1 2026 (2.62 %): 7300 x 0.0262 x 55 / 365 = 28.820
        with freeze_time(SENT):
            notice.action_done()
        self.assertEqual(notice.sent_date, SENT)
        amounts = invoice._relance_legal_amounts(date(2026, 2, 28))[invoice.id]
        self.assertAlmostEqual(amounts["interest"], 28.82)
        self._acknowledge(notice.action_acknowledge_receipt(), date(2026, 1, 5), ["1A 123"])
        self.assertEqual(notice.state, "done")
        self.assertEqual(notice.registered_letter_number, "1A 123")
        self.assertEqual(notice.acknowledgment_date, date(2026, 1, 5))
        self.assertEqual(notice.receipt_date, date(2026, 1, 5))
        self.assertFalse(notice.receipt_presumed)
        self.assertEqual(notice.deadline_date, date(2026, 1, 20))
        self.assertIn("received on 01/05/2026", notice.message_ids[0].body)
        # from 6 January to 28 February: 54 days at the legal rate of H1 2026 (2.62 %):
        # 7300 x 0.0262 x 54 / 365 = 28.296
        amounts = invoice._relance_legal_amounts(date(2026, 2, 28))[invoice.id]
        self.assertAlmostEqual(amounts["interest"], 28.3)
        self.assertEqual(amounts["indemnity"], 0.0)
        # the company's presumed delay counts until the receipt is known
        self.company.relance_notice_delivery_days = 5
        other = self._notice(self.customer_b2c, self._relance_invoice(self.customer_b2c, 10, SENT))
        self.assertEqual(other.receipt_date, date(2026, 1, 6))

    def test_the_next_level_waits_for_the_deadline_of_the_notice(self):
        invoice = self._relance_invoice(self.customer_b2c, 700.0, date(2025, 11, 1))
        notice = self._notice(self.customer_b2c, invoice)
        with freeze_time(SENT):
            notice.action_done()
        self.env["relance.history.line"]._set_levels({invoice: (self.notice_b2c, SENT)})
        # the handover is due from 15 January (14 days after the notice); the notice, received
        # on 4 January (presumed), gave until 19 January to pay
        self.assertEqual(notice.deadline_date, date(2026, 1, 19))

        def line_on(day):
            proposal = self.env["relance.engine"]._compute_proposal(day, self.company)
            return next(v for v in proposal if invoice.id in v["move_ids"][0][2])

        waiting = line_on(date(2026, 1, 16))
        self.assertEqual(waiting["state"], "skipped")
        self.assertIn("deadline the formal notice gave", waiting["reason"])
        self.assertIn("2026-01-19", waiting["reason"])
        due = line_on(date(2026, 1, 20))
        self.assertEqual(due["state"], "proposed")
        level = self.env["relance.level"].browse(due["level_id"])
        self.assertIn("handover", level.channel_ids.mapped("code"))

    def test_business_interest_does_not_wait_for_the_notice(self):
        invoice = self._relance_invoice(self.customer_b2b, 3650.0, date(2026, 1, 10))
        before = invoice._relance_legal_amounts(date(2026, 2, 19))[invoice.id]["interest"]
        notice = self._notice(self.customer_b2b, invoice, self.policy_b2b, date(2026, 2, 1))
        self._acknowledge(notice.action_acknowledge_receipt(), date(2026, 2, 3))
        after = invoice._relance_legal_amounts(date(2026, 2, 19))[invoice.id]["interest"]
        self.assertGreater(before, 0)
        self.assertEqual(before, after)

    def test_receipt_between_the_sending_and_today(self):
        notice = self._notice(self.customer_b2c, self._relance_invoice(self.customer_b2c, 80, SENT))
        for received in (date(2025, 12, 31), date(2026, 3, 3)):
            with self.assertRaises(ValidationError):
                self._acknowledge(notice.action_acknowledge_receipt(), received)
        self.assertEqual(notice.state, "todo")
        self.assertFalse(notice.acknowledgment_date)

    def test_one_click_from_the_run_for_all_its_notices(self):
        run = self.env["relance.run"].create({"date": SENT, "company_id": self.company.id})
        customers = self.customer_b2c | self.env["res.partner"].create({"name": "Paul Durand"})
        notices = self.env["relance.history"]
        for customer in customers:
            invoice = self._relance_invoice(customer, 500.0, date(2025, 11, 1))
            line = self.env["relance.run.line"].create(
                {
                    "run_id": run.id,
                    "partner_id": customer.id,
                    "level_id": self.notice_b2c.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "state": "done",
                }
            )
            notice = self._notice(customer, invoice)
            notice.write({"run_id": run.id, "run_line_id": line.id})
            notices |= notice
        # one printed, not posted yet; one never printed: not received, not in the wizard
        notices[0].state = "done"
        unprinted = self._notice(
            self.customer_b2c, self._relance_invoice(self.customer_b2c, 5, SENT), printed=False
        )
        unprinted.write({"run_id": run.id})
        email = self._relance_action(
            self.customer_b2c,
            self._level(self.policy_b2c, "email"),
            "email",
            self._relance_invoice(self.customer_b2c, 90.0, date(2025, 12, 1)),
            SENT,
            run_id=run.id,
        )
        self.assertTrue(run.line_ids[0].acknowledge_ok)
        # from a run line: its own notice
        action = run.line_ids[0].action_acknowledge_receipt()
        lines = self.env["relance.acknowledgment"].browse(action["res_id"]).line_ids
        self.assertEqual(lines.history_id, run.line_ids[0].history_ids)
        # from the run: a receipt stamps only the notices ticked
        action = run.action_acknowledge_receipts()
        wizard = self.env["relance.acknowledgment"].browse(action["res_id"])
        self.assertEqual(wizard.line_ids.history_id, notices, "not the unprinted, not the email")
        self.assertFalse(any(wizard.line_ids.mapped("received")))
        wizard.date = date(2026, 1, 3)
        wizard.line_ids[0].received = True
        with freeze_time(TODAY):
            wizard.action_confirm()
        self.assertEqual(notices.mapped("acknowledgment_date"), [date(2026, 1, 3), False])
        self.assertEqual(notices[1].state, "todo")
        self.assertFalse(unprinted.acknowledgment_date)
        # then both
        wizard = self._acknowledge(run.action_acknowledge_receipts(), date(2026, 1, 3), ["A", "B"])
        self.assertEqual(wizard.line_ids.history_id, notices)
        self.assertEqual(set(notices.mapped("state")), {"done"})
        self.assertEqual(set(notices.mapped("acknowledgment_date")), {date(2026, 1, 3)})
        self.assertEqual(sorted(notices.mapped("registered_letter_number")), ["A", "B"])
        self.assertFalse(email.acknowledgment_date)

    # the letter -------------------------------------------------------------------------

    def test_letter_with_its_invoices_appended(self):
        level = self._level(self.policy_b2b, "letter")
        invoices = self._relance_invoice(
            self.customer_b2b, 100.0, date(2026, 1, 15)
        ) | self._relance_invoice(self.customer_b2b, 200.0, date(2026, 1, 20))
        letter = self._relance_action(self.customer_b2b, level, "letter", invoices, TODAY)
        letter = letter.with_context(force_report_rendering=True)
        alone = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        alone_pages = self._pages(alone._relance_render_pdfs(LETTER_REPORT, letter)[letter.id])
        level.letter_append_invoices = True
        letter._execute()
        pages = self._pages(letter.attachment_id.raw)
        self.assertEqual(len(pages), len(alone_pages) + 2, "one page per invoice appended")
        self.assertIn("Reminder: unpaid invoices", pages[0])
        for invoice, page in zip(invoices, pages[-2:], strict=True):
            self.assertTrue(invoice.invoice_pdf_report_id, "rendered and stored")
            self.assertIn(invoice.name, page)

    def test_invoice_subject_in_the_letter(self):
        invoice = self._create_invoice(
            partner_id=self.customer_b2b,
            invoice_date=date(2026, 1, 1),
            invoice_date_due=date(2026, 1, 31),
            invoice_payment_term_id=False,
            invoice_line_ids=[
                self._prepare_invoice_line(
                    price_unit=900.0, tax_ids=[], name="Annual maintenance\nContract 2026-17"
                ),
                self._prepare_invoice_line(price_unit=100.0, tax_ids=[], name="Spare parts"),
            ],
        )
        invoice.action_post()
        letter = self._relance_action(
            self.customer_b2b, self._level(self.policy_b2b, "letter"), "letter", invoice, TODAY
        )
        html = self._html(letter)
        self.assertIn("<th>Subject</th>", html)
        self.assertIn("<td>Annual maintenance</td>", html)
        self.assertNotIn("Contract 2026-17", html)
        self.assertNotIn("Spare parts", html)

    def test_consumer_mediator_on_consumer_notices_only(self):
        consumer = self._notice(
            self.customer_b2c, self._relance_invoice(self.customer_b2c, 300.0, date(2025, 11, 1))
        )
        business = self._notice(
            self.customer_b2b,
            self._relance_invoice(self.customer_b2b, 300.0, date(2025, 11, 1)),
            self.policy_b2b,
        )
        html = self._html(consumer)
        self.assertIn(
            "our consumer mediator (Code de la consommation, articles L612-1 and L616-1): "
            f"{MEDIATOR}.",
            html,
        )
        self.assertIn("legal rate run on the amounts due from its receipt", html)
        self.assertIn("within <strong>15 days of receiving this letter</strong>", html)
        html = self._html(business)
        self.assertNotIn("consumer mediator", html)
        self.assertNotIn("CM2C", html)
        self.assertNotIn("from its receipt", html)
        # not entered: nothing is printed rather than an empty mention
        self.company.relance_consumer_mediator_name = False
        self.assertNotIn("consumer mediator", self._html(consumer))
