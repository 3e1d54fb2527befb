import re
from datetime import date

from lxml import html as lxml_html

from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RelanceCommon
from .test_portal import PortalCustomers

DUE = date(2026, 3, 2)
CALL_DAY = date(2026, 3, 13)


@tagged("post_install", "-at_install")
class TestCauses(RelanceCommon):
    """The cause of delay of an invoice: from the call outcomes, the disputes, and in the
    reporting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.call_level = cls.policy_b2b.level_ids.filtered(
            lambda lv: "call" in lv.channel_ids.mapped("code")
        )[:1]

    def _call(self, invoices, level=None):
        """A call to make about these invoices (each call at its own level: an invoice
        has one action of a channel per level)."""
        level = level or self.call_level
        return self._relance_action(self.customer_b2b, level, "call", invoices, CALL_DAY)

    def _end_transaction(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_cause_from_call_outcomes(self):
        # the invoice's chatter tracks the causes (the accounting tests switch tracking off)
        self.env = self.env(
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False)
        )
        invoice = self._relance_invoice(self.customer_b2b, 900.0, DUE)
        self._end_transaction()  # the writes of the transaction creating it are not tracked
        levels = iter(self.policy_b2b.level_ids)
        # a plan asked on the phone: short of cash, unless the customer says otherwise
        history = self._call(invoice, next(levels))
        wizard, _action = self._log_call(history, "plan")
        self.assertEqual(wizard.cause, "cash")
        self.assertEqual((history.cause, invoice.relance_cause), ("cash", "cash"))
        self._end_transaction()  # each call is logged in a request of its own
        # reached, no cause by default: the controller picks the customer's
        history = self._call(invoice, next(levels))
        self.assertFalse(self._log_call(history, "reached", cause=False)[0].cause)
        self.assertFalse(history.cause)
        self.assertEqual(invoice.relance_cause, "cash", "nothing said: the last cause stays")
        history = self._call(invoice, next(levels))
        self._log_call(history, "reached", cause="process")
        self.assertEqual((history.cause, invoice.relance_cause), ("process", "process"))
        # the earlier causes: on the calls, and in the invoice's chatter
        calls = self.env["relance.history"].search([("move_ids", "in", invoice.ids)])
        self.assertEqual(sorted(filter(None, calls.mapped("cause"))), ["cash", "process"])
        self._end_transaction()  # the tracking is written when the transaction ends
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "relance_cause"
        )
        self.assertEqual(
            sorted(tracked.mapped("new_value_char")), ["Cash difficulties", "Process or approval"]
        )
        # the customer was not reached: the form hides the cause, which is not recorded
        history = self._call(invoice, next(levels))
        self.env["relance.call.log"].with_user(self.accountant).create(
            {"history_id": history.id, "outcome": "no_answer", "cause": "forgotten"}
        ).action_confirm()
        self.assertFalse(history.cause)
        self.assertEqual(invoice.relance_cause, "process")

    def test_cause_from_a_call_dispute_follows_its_reason(self):
        invoice = self._relance_invoice(self.customer_b2b, 400.0, DUE)
        wizard, _action = self._log_call(
            self._call(invoice), "dispute", dispute_reason="invoicing_error"
        )
        self.assertEqual(wizard.cause, "billing_error")
        self.assertEqual(invoice.relance_cause, "billing_error")
        # the controller's choice wins over the dispute's reason
        other = self._relance_invoice(self.customer_b2b, 300.0, DUE)
        self._log_call(self._call(other), "dispute", dispute_reason="amount", cause="cash")
        self.assertTrue(other.relance_dispute)
        self.assertEqual(other.relance_cause, "cash")

    def test_cause_from_disputes(self):
        disputed = self._relance_invoice(self.customer_b2b, 500.0, DUE)
        ordered = self._relance_invoice(self.customer_b2b, 600.0, DUE)
        disputes = self.env["relance.dispute"].with_user(self.accountant)
        dispute = disputes._open_for(disputed, "amount", "Not the agreed price")
        self.assertEqual(disputed.relance_cause, "dispute")
        disputes._open_for(ordered, "missing_po")
        self.assertEqual(ordered.relance_cause, "process")
        # the reason corrected: a billing error after all
        dispute.with_user(self.accountant).reason = "invoicing_error"
        self.assertEqual(disputed.relance_cause, "billing_error")
        # closed, the invoice keeps the cause of its delay
        dispute.with_user(self.accountant).action_reject()
        self.assertEqual(disputed.relance_cause, "billing_error")

    def test_causes_reported_by_cause_and_customer(self):
        cash = self._relance_invoice(self.customer_b2b, 1000.0, DUE)
        disputed = self._relance_invoice(self.customer_b2b, 400.0, DUE)
        consumer = self._relance_invoice(self.customer_b2c, 250.0, DUE)
        silent = self._relance_invoice(self.customer_b2c, 150.0, DUE)
        cash._relance_set_cause("cash")
        consumer._relance_set_cause("cash")
        self.env["relance.dispute"]._open_for(disputed, "other")
        for invoice in cash | disputed | consumer | silent:
            history = self._relance_action(
                invoice.partner_id, self.call_level, "email", invoice, date(2026, 3, 10)
            )
            history.state = "done"
        # reminded before the period: not in its breakdown
        earlier = self.policy_b2b.level_ids - self.call_level
        self._relance_action(
            self.customer_b2b, earlier[:1], "email", disputed, date(2026, 2, 10)
        ).state = "done"
        # the pivot of Reporting > Causes of delay: its domain, by customer and cause
        action = self.env.ref("relance_avancee.account_move_action_relance_cause")
        rows = (
            self.env["account.move"]
            .with_user(self.manager)
            ._read_group(
                safe_eval(action.domain),
                ["commercial_partner_id", "relance_cause"],
                ["amount_total_signed:sum"],
            )
        )
        self.assertEqual(
            {(partner.name, cause): amount for partner, cause, amount in rows},
            {
                (self.customer_b2b.name, "cash"): 1000.0,
                (self.customer_b2b.name, "dispute"): 400.0,
                (self.customer_b2c.name, "cash"): 250.0,
            },
        )
        # the dashboard: the invoices reminded in the period by cause, the largest first
        dashboard = (
            self.env["relance.dashboard"]
            .with_user(self.manager)
            .create(
                {
                    "company_id": self.company.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 3, 31),
                }
            )
        )
        self.assertEqual(
            dashboard._causes(date(2026, 3, 1), date(2026, 3, 31)),
            [("cash", 2, 1250.0), ("dispute", 1, 400.0), (False, 1, 150.0)],
        )
        money = self.company.currency_id.format
        tree = lxml_html.fromstring(str(dashboard.cause_html))
        self.assertEqual(
            [
                [cell.text_content().strip() for cell in row.xpath("./th|./td")]
                for row in tree.xpath("//tr")
            ],
            [
                ["Cause of delay", "Invoices", "Amount", "Share"],
                ["Cash difficulties", "2", money(1250.0), "69.4\N{NO-BREAK SPACE}%"],
                ["Dispute", "1", money(400.0), "22.2\N{NO-BREAK SPACE}%"],
                ["Not recorded", "1", money(150.0), "8.3\N{NO-BREAK SPACE}%"],
            ],
        )


@tagged("post_install", "-at_install", "relance_tour")
class TestPortalCauses(PortalCustomers, RelanceCommon, HttpCase):
    """The customer says why the invoice is late on the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_setup()

    def setUp(self):
        super().setUp()
        self.authenticate("relance_portal_a", "relance_portal_a")
        self.page = self.url_open(f"/my/invoices/{self.invoice_a.id}").text

    def _post(self, invoice, form, data):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.page).group(1)
        return self.url_open(f"/my/invoices/{invoice.id}/{form}", data={"csrf_token": csrf, **data})

    def test_cause_given_with_a_plan_request(self):
        self.assertIn("Why is the payment late? (optional)", self.page)
        self.assertIn('<option value="cash">Cash-flow difficulties</option>', self.page)
        response = self._post(
            self.invoice_a, "payment_plan", {"message": "In 3 times", "cause": "cash"}
        )
        self.assertIn("Your request for a payment plan has been sent", response.text)
        self.assertEqual(self.invoice_a.relance_cause, "cash")
        # a cause the form does not offer is ignored
        self._post(self.invoice_a, "payment_plan", {"message": "Again", "cause": "dispute"})
        self.assertEqual(self.invoice_a.relance_cause, "cash")
        # another customer's invoice is out of reach
        self._post(self.invoice_b, "payment_plan", {"message": "Not mine", "cause": "forgotten"})
        self.assertFalse(self.invoice_b.relance_cause)

    def test_contest_gives_the_cause_of_its_reason(self):
        self._post(
            self.invoice_a, "contest", {"reason": "invoicing_error", "message": "Wrong VAT rate"}
        )
        self.assertTrue(self.invoice_a.relance_dispute)
        self.assertEqual(self.invoice_a.relance_cause, "billing_error")
