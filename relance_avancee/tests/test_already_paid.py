import re
from datetime import date, timedelta
from io import BytesIO

from freezegun import freeze_time
from werkzeug.datastructures import FileStorage

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.http_routing.tests.common import MockRequest

from ..controllers.portal import RelancePortal
from .common import RelanceCommon
from .test_portal import PortalCustomers

DUE = date(2026, 3, 2)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def days(n):
    return DUE + timedelta(days=n)


@tagged("post_install", "-at_install")
class TestAlreadyPaidCall(RelanceCommon):
    """The call outcome "already paid": a declaration pauses the invoices while the
    credit controller looks for the payment; the reminders resume by themselves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.customer_b2b.relance_user_id = cls.accountant
        cls.call_level = cls.policy_b2b.level_ids.filtered(
            lambda lv: "call" in lv.channel_ids.mapped("code")
        )[:1]

    def _invoice(self, amount):
        with freeze_time(days(-30)):
            return self._relance_invoice(self.customer_b2b, amount, DUE)

    def _call(self, invoices, day):
        return self.env["relance.history"].create(
            {
                "date": day,
                "company_id": self.company.id,
                "partner_id": self.customer_b2b.id,
                "contact_id": self.customer_b2b.id,
                "level_id": self.call_level.id,
                "channel_id": self.env.ref("relance_avancee.channel_call").id,
                "amount_due": sum(invoices.mapped("amount_residual_signed")),
                "line_ids": [
                    Command.create({"move_id": m.id, "amount_residual": m.amount_residual})
                    for m in invoices
                ],
            }
        )

    def _log_paid(self, history, day, **values):
        with freeze_time(day):
            wizard = Form(
                self.env["relance.call.log"]
                .with_user(self.accountant)
                .with_context(active_model="relance.history", active_ids=history.ids)
            )
            wizard.outcome = "paid"
            for name, value in values.items():
                setattr(wizard, name, value)
            wizard.save().action_confirm()
        return self.env["relance.payment.declaration"].search([("history_id", "=", history.id)])

    def _proposed(self, day):
        """The invoices the engine proposes to remind on that day."""
        with freeze_time(day):
            proposal = self.env["relance.engine"]._compute_proposal(day, self.company)
        ids = {
            move_id
            for vals in proposal
            if vals["state"] == "proposed"
            for move_id in vals["move_ids"][0][2]
        }
        return self.env["account.move"].browse(ids)

    def _state(self, invoice, day):
        invoice.invalidate_recordset()
        return invoice.with_context(relance_date=day).relance_state

    def test_paid_on_the_phone_pauses_then_resumes(self):
        self.assertEqual(self.policy_b2b.paid_pause_days, 10)
        invoice = self._invoice(900.0)
        self.assertIn(invoice, self._proposed(days(15)))
        history = self._call(invoice, days(15))
        declaration = self._log_paid(history, days(15), paid_date=days(13), paid_amount=900.0)
        self.assertEqual(history.state, "done")
        self.assertEqual(history.call_outcome, "paid")
        self.assertRecordValues(
            declaration,
            [
                {
                    "source": "call",
                    "state": "open",
                    "move_ids": invoice.ids,
                    "partner_id": self.customer_b2b.id,
                    "date": days(15),
                    "payment_date": days(13),
                    "amount": 900.0,
                    "pause_until": days(25),
                    "user_id": self.accountant.id,
                }
            ],
        )
        self.assertEqual(invoice.relance_pause_until, days(25))
        self.assertEqual(self._state(invoice, days(20)), "paused")
        # the credit controller is asked to find the payment, with what the customer said
        activity = declaration.activity_ids
        self.assertEqual(activity.user_id, self.accountant)
        self.assertEqual(
            activity.summary, "Check the payment declared by the customer and reconcile it"
        )
        self.assertIn("900.00", str(activity.note))
        self.assertIn(str(days(13)), str(activity.note))
        # not reminded during the pause, reminded again once it is over
        self.assertNotIn(invoice, self._proposed(days(20)))
        self.assertNotIn(invoice, self._proposed(days(25)))
        self.assertIn(invoice, self._proposed(days(26)))
        self.env["relance.payment.declaration"]._cron_check(days(26))
        self.assertEqual(declaration.state, "expired")
        self.assertFalse(invoice.relance_pause_until)
        self.assertIn("was not found", self.customer_b2b.message_ids[0].body)

    def test_paid_meanwhile_is_closed(self):
        self.policy_b2b.paid_pause_days = 5
        invoice = self._invoice(600.0)
        history = self._call(invoice, days(15))
        declaration = self._log_paid(history, days(15), paid_date=days(14), paid_amount=600.0)
        self.assertEqual(declaration.pause_until, days(20))
        self._pay(invoice, 600.0, days(16))
        self.assertEqual(invoice.relance_state, "closed")
        self.env["relance.payment.declaration"]._cron_check(days(17))
        self.assertEqual(declaration.state, "reconciled")
        self.assertFalse(declaration.activity_ids, "the controller's to-do is done")
        self.assertNotIn(invoice, self._proposed(days(30)))

    def test_partial_payment_found_and_longer_pause_kept(self):
        """The declared amount is reconciled: the declaration is; the rest of the invoice
        is reminded after the pause. A longer pause (a promise) is not shortened."""
        invoice, promised = self._invoice(1000.0), self._invoice(500.0)
        with freeze_time(days(10)):
            self.env["relance.promise"]._promise_for(promised, days(40), 500.0)
        self.assertEqual(promised.relance_pause_until, days(43))
        history = self._call(invoice | promised, days(15))
        declaration = self._log_paid(history, days(15), paid_date=days(12), paid_amount=400.0)
        self.assertEqual(declaration.amount_due, 1500.0)
        self.assertEqual(invoice.relance_pause_until, days(25))
        self.assertEqual(promised.relance_pause_until, days(43))
        self._pay(invoice, 400.0, days(17))
        self.env["relance.payment.declaration"]._cron_check(days(18))
        self.assertEqual(declaration.state, "reconciled")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertNotIn(invoice, self._proposed(days(25)))
        self.assertIn(invoice, self._proposed(days(26)))

    def test_declared_payment_cannot_be_in_the_future(self):
        invoice = self._invoice(300.0)
        history = self._call(invoice, days(15))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self._log_paid(history, days(15), paid_date=days(16), paid_amount=300.0)
        self.assertFalse(invoice.relance_pause_until)


class PortalDeclarationMixin(PortalCustomers):
    @classmethod
    def _declaration_setup(cls):
        cls._portal_setup()
        cls.today = fields.Date.today()
        cls.portal_a.partner_id.relance_user_id = cls.accountant

    def _declarations(self, invoice):
        return self.env["relance.payment.declaration"].search([("move_ids", "in", invoice.ids)])


@tagged("post_install", "-at_install")
class TestAlreadyPaidPortal(PortalDeclarationMixin, RelanceCommon):
    """The portal's "I already paid", through the controller's code (a mocked request)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._declaration_setup()

    def _post(self, user, invoice, proof=None, **params):
        params.setdefault("payment_date", str(self.today - timedelta(days=2)))
        params.setdefault("amount", "700")
        if proof is not None:
            params["proof"] = FileStorage(BytesIO(proof), filename="proof.pdf")
        with MockRequest(self.env(user=user)):
            response = RelancePortal().relance_portal_already_paid(invoice.id, **params)
        return response.headers["Location"]

    def test_declared_with_its_proof(self):
        location = self._post(
            self.portal_a, self.invoice_a, proof=PDF, message="Transfer VIR-2026-0042"
        )
        self.assertIn("relance=paid_declared", location)
        declaration = self._declarations(self.invoice_a)
        self.assertRecordValues(
            declaration,
            [
                {
                    "source": "portal",
                    "state": "open",
                    "amount": 700.0,
                    "payment_date": self.today - timedelta(days=2),
                    "pause_until": self.today + timedelta(days=10),
                    "note": "Transfer VIR-2026-0042",
                    "user_id": self.accountant.id,
                }
            ],
        )
        self.assertEqual(self.invoice_a.relance_pause_until, self.today + timedelta(days=10))
        self.assertEqual(self.invoice_a.relance_state, "paused")
        # the proof is on the invoice's chatter, posted by the customer
        proof = declaration.attachment_id
        self.assertEqual(proof.raw, PDF)
        self.assertEqual(proof.mimetype, "application/pdf")
        self.assertEqual((proof.res_model, proof.res_id), ("account.move", self.invoice_a.id))
        message = self.invoice_a.message_ids.filtered(lambda m: proof in m.attachment_ids)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertIn("VIR-2026-0042", str(message.body))
        self.assertEqual(declaration.activity_ids.user_id, self.accountant)
        # declared once: a second form changes nothing
        self._post(self.portal_a, self.invoice_a, amount="10")
        self.assertEqual(self._declarations(self.invoice_a), declaration)

    def test_own_invoice_only(self):
        location = self._post(self.portal_a, self.invoice_b)
        self.assertTrue(location.endswith("/my"), location)
        self.assertFalse(self._declarations(self.invoice_b))
        self.assertFalse(self.invoice_b.relance_pause_until)

    def test_invalid_values_refused(self):
        today = self.today
        too_large = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
        for params, error in [
            ({"amount": "0"}, "amount"),
            ({"amount": "-50"}, "amount"),
            ({"amount": "seven hundred"}, "amount"),
            ({"amount": "nan"}, "amount"),
            ({"amount": "inf"}, "amount"),
            ({"payment_date": str(today + timedelta(days=1))}, "date"),
            ({"payment_date": "yesterday"}, "date"),
            ({"payment_date": ""}, "date"),
            ({"message": "x" * 2001}, "message"),
            ({"proof": too_large}, "proof_size"),
            ({"proof": b"<html><script>alert(1)</script></html>"}, "proof_type"),
        ]:
            with self.subTest(params=list(params)):
                location = self._post(self.portal_b, self.invoice_b, **params)
                self.assertIn(f"relance_error={error}", location)
        self.assertFalse(self._declarations(self.invoice_b))
        self.assertFalse(self.env["ir.attachment"].search([("res_id", "=", self.invoice_b.id)]))
        # the model says why as well
        invoice_b = self.invoice_b.with_user(self.portal_b).sudo()
        with self.assertRaisesRegex(UserError, "more than zero"):
            invoice_b.env["relance.payment.declaration"]._portal_declare(
                invoice_b, self.portal_b.partner_id, str(today), "0"
            )

    def test_paid_invoice_cannot_be_declared(self):
        self._pay(self.invoice_a, 700.0, self.today)
        self._post(self.portal_a, self.invoice_a)
        self.assertFalse(self._declarations(self.invoice_a))


@tagged("post_install", "-at_install", "relance_tour")
class TestAlreadyPaidPortalPage(PortalDeclarationMixin, RelanceCommon, HttpCase):
    """The "I already paid" form over HTTP, with a file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._declaration_setup()

    def test_portal_already_paid_form(self):
        self.authenticate("relance_portal_a", "relance_portal_a")
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}").text
        self.assertIn("I already paid", page)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(
            f"/my/invoices/{self.invoice_a.id}/already_paid",
            data={"csrf_token": csrf, "payment_date": str(self.today), "amount": "0"},
        )
        self.assertIn("more than zero", response.text)
        self.assertFalse(self._declarations(self.invoice_a))
        response = self.url_open(
            f"/my/invoices/{self.invoice_a.id}/already_paid",
            data={"csrf_token": csrf, "payment_date": str(self.today), "amount": "700"},
            files={"proof": ("virement.pdf", PDF, "application/pdf")},
        )
        self.assertIn("we are checking your payment", response.text)
        self.assertIn("You told us this invoice was paid", response.text)
        self.assertNotIn("I already paid", response.text)
        declaration = self._declarations(self.invoice_a)
        self.assertEqual(declaration.attachment_id.name, "virement.pdf")
        self.assertEqual(declaration.attachment_id.raw, PDF)
        # another customer's invoice is out of reach
        self.url_open(
            f"/my/invoices/{self.invoice_b.id}/already_paid",
            data={"csrf_token": csrf, "payment_date": str(self.today), "amount": "300"},
        )
        self.assertFalse(self._declarations(self.invoice_b))


@tagged("post_install", "-at_install")
class TestUnallocated(RelanceCommon):
    """Money received from a customer and not yet allocated is flagged before it is
    reminded, and told to it in the reminder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.foreign = cls.setup_other_currency(
            "CHF" if cls.company.currency_id.name != "CHF" else "GBP",
            rates=[("2026-01-01", 2.0)],
        )

    def test_run_line_warning_and_sentence(self):
        with freeze_time(days(-30)):
            self._relance_invoice(self.customer_b2b, 2000.0, DUE)
            self._relance_invoice(self.customer_b2c, 500.0, DUE)
        bank = self.company_data["default_journal_bank"]
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer_b2b.id,
                "journal_id": bank.id,
                "currency_id": self.foreign.id,
                "amount": 300.0,
                "date": days(5),
            }
        )
        payment.action_post()
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": bank.id,
                "partner_id": self.customer_b2b.id,
                "amount": 1200.0,
                "payment_ref": "VIR DUPONT INDUSTRIES",
                "date": days(8),
            }
        )
        # money paid out to the other customer, or received and reconciled, is no warning
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": bank.id,
                "partner_id": self.customer_b2c.id,
                "amount": -80.0,
                "payment_ref": "REFUND",
                "date": days(8),
            }
        )
        with freeze_time(days(10)):
            run = self.env["relance.engine"]._prepare_run(days(10), self.company)
        lines = run.line_ids.filtered(lambda line: line.state == "proposed")
        line_b2b = lines.filtered(lambda line: line.partner_id == self.customer_b2b)
        line_b2c = lines.filtered(lambda line: line.partner_id == self.customer_b2c)
        self.assertTrue(line_b2b and line_b2c)
        currency = self.company.currency_id
        self.assertEqual(line_b2b.unallocated_amount, 1350.0)  # 1,200 + 300 at 2 for 1
        self.assertEqual(
            line_b2b.unallocated_warning,
            f"Received and not yet allocated: {currency.format(1200.0)} (bank statement), "
            f"{self.foreign.format(300.0)} (payment)",
        )
        self.assertFalse(line_b2c.unallocated_warning)
        self.assertFalse(line_b2c.unallocated_amount)
        self.assertIn(
            line_b2b,
            self.env["relance.run.line"].search([("unallocated_amount", ">", 0)]),
        )
        # the reminder tells the customer
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
        histories = self.env["relance.history"].create(
            [
                {
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "level_id": level.id,
                    "channel_id": self.env.ref("relance_avancee.channel_email").id,
                }
                for partner in (self.customer_b2b, self.customer_b2c)
            ]
        )
        amounts = sorted([(currency, 1200.0), (self.foreign, 300.0)], key=lambda a: a[0].name)
        self.assertEqual(
            histories[0].unallocated_sentence,
            "We have received "
            + " + ".join(cur.format(amount) for cur, amount in amounts)
            + " from you that we have not yet allocated to your invoices; if it pays the "
            "invoices below, please disregard this reminder.",
        )
        self.assertFalse(histories[1].unallocated_sentence)
