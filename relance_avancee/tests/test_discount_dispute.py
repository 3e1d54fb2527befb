import re
from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import RelanceCommon

INVOICE_DATE = date(2026, 3, 2)
DISCOUNT_DATE = date(2026, 3, 12)  # 2 % if paid within 10 days
DUE = date(2026, 4, 1)  # net 30


def _text(html):
    """The text of an HTML body, tags removed and blanks collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", str(html)).replace("\xa0", " ").split())


@tagged("post_install", "-at_install")
class TestDiscountDispute(RelanceCommon):
    """Early-payment discounts (invoice mention, pre-reminders, legal payment delays) and
    disputes closed by payment or by a credit note, on real records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.term_discount = cls.env["account.payment.term"].create(
            {
                "name": "2 % 10 days, net 30",
                "company_id": cls.company.id,
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "early_pay_discount_computation": "included",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})
                ],
            }
        )

    def _term(self, nb_days, delay_type="days_after", **line):
        return self.env["account.payment.term"].create(
            {
                "name": f"{nb_days} {delay_type}",
                "line_ids": [
                    Command.create(
                        {
                            "value": "percent",
                            "value_amount": 100.0,
                            "nb_days": nb_days,
                            "delay_type": delay_type,
                            **line,
                        }
                    )
                ],
            }
        )

    def _discount_invoice(self, partner, amount, invoice_date=INVOICE_DATE):
        return self._create_invoice(
            partner_id=partner,
            invoice_date=invoice_date,
            invoice_payment_term_id=self.term_discount,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=amount, tax_ids=[])],
            post=True,
        )

    def _invoice_html(self, invoice):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        return _text(html.decode())

    def _prereminder(self, partner, policy, invoices, when):
        level = policy.level_ids.filtered(lambda lv: lv.offset_days < 0)[:1]
        history = self._relance_action(partner, level, "email", invoices, when)
        history._execute()
        self.assertEqual(history.state, "done", history.reason)
        return history

    # early-payment discount -------------------------------------------------------------

    def test_invoice_mention_of_the_discount(self):
        invoice = self._discount_invoice(self.customer_b2b, 1000.0)
        self.assertEqual(invoice.invoice_date_due, DUE)
        self.assertEqual(
            invoice.relance_early_discount_mention,
            "Early payment discount: 2 % if paid within 10 days.",
        )
        html = self._invoice_html(invoice)
        self.assertIn("Early payment discount: 2 % if paid within 10 days.", html)
        self.assertNotIn("No discount for early payment", html)
        # a discount on the untaxed amount says so
        self.term_discount.early_pay_discount_computation = "excluded"
        self.assertIn("2 % of the untaxed amount", invoice.relance_early_discount_mention)

    def test_invoice_mention_without_discount(self):
        self.company.action_relance_add_invoice_mentions()
        self.assertNotIn("discount", self.company.invoice_terms)
        invoice = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        html = self._invoice_html(invoice)
        self.assertIn("No discount for early payment.", html)
        self.assertIn("D441-5", html)  # the company's terms, with the penalties and indemnity
        self.assertNotIn("Early payment discount", html)
        # with a term without discount either
        invoice = self._create_invoice(
            partner_id=self.customer_b2b,
            invoice_date=INVOICE_DATE,
            invoice_payment_term_id=self._term(30),
            invoice_line_ids=[self._prepare_invoice_line(price_unit=100.0, tax_ids=[])],
        )
        self.assertEqual(invoice.relance_early_discount_mention, "No discount for early payment.")
        # credit notes have none
        refund = self._create_invoice(
            move_type="out_refund",
            partner_id=self.customer_b2b,
            invoice_date=INVOICE_DATE,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=100.0, tax_ids=[])],
        )
        self.assertFalse(refund.relance_early_discount_mention)

    def test_prereminder_offers_the_discount_while_valid(self):
        invoice = self._discount_invoice(self.customer_b2b, 1000.0)
        history = self._prereminder(
            self.customer_b2b, self.policy_b2b, invoice, DISCOUNT_DATE - timedelta(days=7)
        )
        body = _text(history.mail_id.body_html)
        self.assertIn("The early payment discount of your payment terms still applies", body)
        self.assertRegex(
            body,
            rf"{re.escape(invoice.name)}: pay by 03/12/2026 and deduct \D*20\.00\D*, "
            r"that is \D*980\.00\D* to pay\.",
        )
        # valid up to its last day, not after
        discounts = history._early_discounts()
        self.assertEqual(
            discounts[invoice], {"date": DISCOUNT_DATE, "amount": 20.0, "amount_to_pay": 980.0}
        )
        history.date = DISCOUNT_DATE
        self.assertIn(invoice, history._early_discounts())
        history.date = DISCOUNT_DATE + timedelta(days=1)
        self.assertFalse(history._early_discounts())

    def test_prereminder_without_valid_discount(self):
        # the B2C pre-reminder, 3 days before the due date: the discount has long expired
        invoice = self._discount_invoice(self.customer_b2c, 500.0)
        history = self._prereminder(
            self.customer_b2c, self.policy_b2c, invoice, DUE - timedelta(days=3)
        )
        body = _text(history.mail_id.body_html)
        self.assertIn(invoice.name, body)
        self.assertNotIn("deduct", body)
        self.assertNotIn("pay early and save", body)
        # while valid, the B2C pre-reminder offers it too
        other = self._discount_invoice(self.customer_b2c, 250.0)
        history = self._prereminder(self.customer_b2c, self.policy_b2c, other, INVOICE_DATE)
        body = _text(history.mail_id.body_html)
        self.assertIn("Good news: pay early and save.", body)
        self.assertRegex(body, rf"{re.escape(other.name)}: pay by 03/12/2026 and deduct \D*5\.00")

    def test_partly_paid_invoice_loses_the_discount(self):
        invoice = self._discount_invoice(self.customer_b2b, 1000.0)
        self._pay(invoice, 100.0, INVOICE_DATE + timedelta(days=1))
        history = self._prereminder(self.customer_b2b, self.policy_b2b, invoice, INVOICE_DATE)
        self.assertFalse(history._early_discounts())
        self.assertNotIn("deduct", _text(history.mail_id.body_html))

    # legal payment delays ---------------------------------------------------------------

    def test_payment_term_legal_warning(self):
        for term in (
            self._term(30),
            self._term(60),
            self._term(45, "days_end_of_month_on_the", days_next_month="0"),
            self._term(45, "days_after_end_of_month"),
            self.env.ref("account.account_payment_term_end_following_month"),
            self.env.ref("account.account_payment_term_30_days_end_month_the_10"),
        ):
            self.assertFalse(term.relance_legal_warning, term.name)
        for term in (
            self._term(90),
            self._term(61),
            self._term(60, "days_after_end_of_month"),
            self._term(45, "days_end_of_month_on_the", days_next_month="10"),
            self.env.ref("account.account_payment_term_90days_on_the_10th"),
        ):
            self.assertIn("L441-10", term.relance_legal_warning or "", term.name)
        warning = self._term(90).relance_legal_warning
        self.assertIn(
            "An invoice of 01/01/2027 would fall due on 04/01/2027, 90 days later.", warning
        )

    # disputes ---------------------------------------------------------------------------

    def test_paying_the_invoices_closes_the_dispute(self):
        invoices = self._relance_invoice(self.customer_b2b, 300.0, DUE)
        invoices |= self._relance_invoice(self.customer_b2b, 200.0, DUE)
        dispute = self.env["relance.dispute"]._open_for(invoices, "amount", "Wrong unit price")
        other = self.env["relance.dispute"]._open_for(invoices[1], "not_delivered")
        self._pay(invoices[0], 300.0, DUE)
        self.assertIn(invoices[0].payment_state, ("paid", "in_payment"))
        self.assertEqual(dispute.state, "open", "one invoice is still unpaid")
        self.assertTrue(invoices[0].relance_dispute)
        self._pay(invoices[1], 200.0, DUE)
        self.assertIn(invoices[1].payment_state, ("paid", "in_payment"))
        self.assertEqual((dispute | other).mapped("state"), ["paid", "paid"])
        self.assertEqual(dispute.date_closed, fields.Date.context_today(dispute))
        self.assertFalse(invoices.filtered("relance_dispute"))
        self.assertTrue(
            dispute.message_ids.filtered(lambda m: "dispute closed" in str(m.body)),
            "a message says why the dispute closed",
        )

    def test_close_with_credit_note_opens_the_reversal_wizard(self):
        invoices = self._relance_invoice(self.customer_b2b, 300.0, DUE)
        invoices |= self._relance_invoice(self.customer_b2b, 200.0, DUE)
        dispute = self.env["relance.dispute"]._open_for(invoices, "invoicing_error", "Wrong VAT")
        action = dispute.with_user(self.accountant).action_close_credit_note()
        self.assertEqual(dispute.state, "credit_note")
        self.assertFalse(invoices.filtered("relance_dispute"))
        self.assertEqual(action["res_model"], "account.move.reversal")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["active_model"], "account.move")
        self.assertEqual(action["context"]["active_ids"], invoices.ids)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(action["context"])
            .create({"journal_id": invoices[0].journal_id.id})
        )
        self.assertEqual(wizard.move_ids, invoices)
        self.assertEqual(wizard.reason, "Invoicing error: Wrong VAT")
        wizard.refund_moves()
        refunds = self.env["account.move"].search([("reversed_entry_id", "in", invoices.ids)])
        self.assertEqual(len(refunds), 2)
        self.assertEqual(set(refunds.mapped("move_type")), {"out_refund"})
        # a closed dispute gives no second wizard
        self.assertFalse(dispute.action_close_credit_note())

    def test_credit_note_reversing_the_invoice_closes_the_dispute(self):
        invoice = self._relance_invoice(self.customer_b2b, 300.0, DUE)
        dispute = self.env["relance.dispute"]._open_for(invoice, "amount")
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        wizard.modify_moves()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(dispute.state, "credit_note")
        self.assertFalse(invoice.relance_dispute)

    def test_company_mentions_drop_the_old_no_discount_sentence(self):
        self.company.invoice_terms = (
            "<p>Conditions générales.</p><p>En cas de retard (article D441-5 du Code de "
            "commerce). Pas d'escompte pour paiement anticipé.</p>"
        )
        self.company.action_relance_add_invoice_mentions()
        terms = str(self.company.invoice_terms)
        self.assertNotIn("escompte", terms)
        self.assertEqual(terms.count("D441-5"), 1)
        self.assertIn("Conditions générales.", terms)
