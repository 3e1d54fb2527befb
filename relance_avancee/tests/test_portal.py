import re

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..controllers.portal import PORTAL_MESSAGE_MAX
from .common import RelanceCommon


class PortalCustomers:
    """Two customers with a portal user each, and an overdue invoice each."""

    @classmethod
    def _portal_setup(cls):
        due = fields.Date.add(fields.Date.today(), days=-20)
        cls.portal_a = new_test_user(
            cls.env, login="relance_portal_a", groups="base.group_portal", name="Client A"
        )
        cls.portal_b = new_test_user(
            cls.env, login="relance_portal_b", groups="base.group_portal", name="Client B"
        )
        cls.invoice_a = cls._relance_invoice(cls.portal_a.partner_id, 700.0, due)
        cls.invoice_b = cls._relance_invoice(cls.portal_b.partner_id, 300.0, due)
        for invoice in cls.invoice_a | cls.invoice_b:
            invoice._portal_ensure_token()


@tagged("post_install", "-at_install")
class TestPortalSettlements(PortalCustomers, RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_setup()

    def test_customer_sees_only_its_invoices(self):
        self.invoice_a.with_user(self.portal_a).check_access("read")
        with self.assertRaises(AccessError):
            self.invoice_b.with_user(self.portal_a).check_access("read")

    def _as_portal(self, invoice, user):
        """The invoice as the portal controller hands it over: sudo, current user the
        customer."""
        return invoice.with_user(user).sudo()

    def test_contest_and_plan_request(self):
        partner = self.portal_a.partner_id
        invoice_a = self._as_portal(self.invoice_a, self.portal_a)
        dispute = self.env["relance.dispute"]._portal_contest(
            invoice_a, partner, "amount", "Price not agreed"
        )
        self.assertEqual(dispute.move_ids, self.invoice_a)
        self.assertEqual(self.invoice_a.relance_state, "paused")
        # followed by the salesperson, not by the customer who opened it
        self.assertEqual(dispute.user_id, self.invoice_a.invoice_user_id)
        self.assertTrue(dispute.user_id._is_internal())
        self.assertEqual(
            dispute.activity_ids.summary, "Dispute opened by the customer on the portal"
        )
        self.assertEqual(dispute.activity_ids.user_id, dispute.user_id)
        self.assertEqual(self.invoice_a.message_ids[0].author_id, partner)
        self.assertFalse(
            self.env["relance.dispute"]._portal_contest(invoice_a, partner, "amount", "again")
        )
        self.portal_b.partner_id.relance_user_id = self.accountant
        invoice_b = self._as_portal(self.invoice_b, self.portal_b)
        plan = self.env["relance.payment.plan"]._portal_request(
            invoice_b, self.portal_b.partner_id, "3 times?"
        )
        self.assertEqual(plan.state, "draft")
        self.assertTrue(plan.requested_by_customer)
        self.assertEqual(plan.user_id, self.accountant)
        self.assertEqual(plan.activity_ids.user_id, self.accountant)
        self.assertEqual(plan.installment_ids.mapped("amount"), [100.0, 100.0, 100.0])
        self.assertEqual(
            self.env["relance.payment.plan"]._portal_request(
                invoice_b, self.portal_b.partner_id, ""
            ),
            plan,
        )

    def test_controller_is_never_the_customer_nor_odoobot(self):
        """An invoice without salesperson, created by OdooBot (an import, a cron), read
        by its customer on the portal: the administrator follows it."""
        self.invoice_a.invoice_user_id = False
        self.env.cr.execute(
            "UPDATE account_move SET create_uid = 1 WHERE id = %s", [self.invoice_a.id]
        )
        self.invoice_a.invalidate_recordset(["create_uid"])
        controller = self._as_portal(self.invoice_a, self.portal_a)._relance_controller()
        self.assertEqual(controller, self.env.ref("base.user_admin"))
        self.invoice_a.invoice_user_id = self.accountant
        self.assertEqual(self.invoice_a._relance_controller(), self.accountant)

    def test_paid_invoice_and_credit_note_cannot_be_answered(self):
        partner = self.portal_a.partner_id
        self._pay(self.invoice_a, 700.0, fields.Date.today())
        self.assertEqual(self.invoice_a.payment_state, "paid")
        refund = self._relance_invoice(partner, 50.0, fields.Date.today(), move_type="out_refund")
        for move in self.invoice_a | refund:
            self.assertFalse(
                self.env["relance.dispute"]._portal_contest(move, partner, "amount", "Too late")
            )
            self.assertFalse(
                self.env["relance.payment.plan"]._portal_request(move, partner, "Too late")
            )
        self.assertFalse(self.env["relance.dispute"].search([("partner_id", "=", partner.id)]))

    def test_plan_request_accepted_or_declined(self):
        partner_b = self.portal_b.partner_id
        plan = self.env["relance.payment.plan"]._portal_request(
            self.invoice_b, partner_b, "3 times?"
        )
        # the accountant adds the customer's other invoice before answering
        other = self._relance_invoice(partner_b, 120.0, fields.Date.today())
        plan.move_ids = [Command.link(other.id)]
        plan.decline_reason = "Your account already had a broken plan."
        plan.action_decline()
        self.assertEqual(plan.state, "declined")
        self.assertFalse(plan.activity_ids, "the request's activity is done")
        for invoice in self.invoice_b | other:
            answer = invoice.message_ids[0]
            self.assertIn("we cannot accept your request", str(answer.body))
            self.assertIn("already had a broken plan", str(answer.body))
            self.assertIn(partner_b, answer.partner_ids, "the customer is notified")
        self.assertFalse(self.invoice_b.relance_payment_plan_id)
        # a new request is possible, and accepting it closes its activity as well
        plan = self.env["relance.payment.plan"]._portal_request(
            self.invoice_b, partner_b, "2 times then?"
        )
        self.assertEqual(plan.state, "draft")
        plan.action_confirm()
        self.assertEqual(plan.state, "running")
        self.assertFalse(plan.activity_ids)
        self.assertEqual(self.invoice_b.relance_payment_plan_id, plan)
        with self.assertRaises(UserError):
            plan.action_decline()


@tagged("post_install", "-at_install", "relance_tour")
class TestPortalPages(PortalCustomers, RelanceCommon, HttpCase):
    """The portal pages and forms, over HTTP, with two portal users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_setup()

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def test_portal_contest_and_isolation(self):
        level = self.policy_b2c.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
        self.env["relance.history"].create(
            {
                "company_id": self.invoice_a.company_id.id,
                "partner_id": self.portal_a.partner_id.id,
                "contact_id": self.portal_a.partner_id.id,
                "level_id": level.id,
                "channel_id": self.env.ref("relance_avancee.channel_email").id,
                "state": "done",
                "amount_due": 700.0,
                "line_ids": [
                    Command.create({"move_id": self.invoice_a.id, "amount_residual": 700.0})
                ],
            }
        )
        self.authenticate("relance_portal_a", "relance_portal_a")
        listing = self.url_open("/my/invoices").text
        self.assertIn("20 days late", listing)
        self.assertIn("Reminders sent: 1", listing)
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}").text
        # the reminders by their channel, not by the company's names of its levels
        self.assertIn("\N{EN DASH} Email", page)
        self.assertNotIn(level.name, page)
        self.assertIn("Contest this invoice", page)
        self.assertIn("Ask for a payment plan", page)
        response = self.url_open(
            f"/my/invoices/{self.invoice_a.id}/contest",
            data={
                "csrf_token": self._csrf(page),
                "reason": "not_delivered",
                # a message longer than the form allows is cut, not stored whole
                "message": "Never came. " + "x" * 5000,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your dispute has been sent", response.text)
        self.assertTrue(self.invoice_a.relance_dispute)
        dispute = self.invoice_a.relance_dispute_ids
        self.assertEqual(dispute.reason, "not_delivered")
        self.assertTrue(dispute.description.startswith("Never came."))
        self.assertEqual(len(dispute.description), PORTAL_MESSAGE_MAX)
        # the other customer's invoice is out of reach
        response = self.url_open(
            f"/my/invoices/{self.invoice_b.id}/contest",
            data={"csrf_token": self._csrf(page), "reason": "other", "message": "Not mine"},
        )
        self.assertFalse(self.invoice_b.relance_dispute)
        self.assertNotIn(self.invoice_b.name, self.url_open("/my/invoices").text)
        response = self.url_open(
            f"/my/invoices/{self.invoice_b.id}/payment_plan",
            data={"csrf_token": self._csrf(page), "message": "Please"},
        )
        self.assertFalse(
            self.env["relance.payment.plan"].search([("move_ids", "in", self.invoice_b.ids)])
        )
        # its own plan request: the page says it is examined instead of offering the form
        response = self.url_open(
            f"/my/invoices/{self.invoice_a.id}/payment_plan",
            data={"csrf_token": self._csrf(page), "message": "In 3 times"},
        )
        self.assertIn("Your request for a payment plan has been sent", response.text)
        self.assertIn("being examined", response.text)
        self.assertNotIn("Ask for a payment plan", response.text)
        plan = self.env["relance.payment.plan"].search([("move_ids", "in", self.invoice_a.ids)])
        self.assertTrue(plan.requested_by_customer)
        # a paid invoice can no longer be contested nor spread, even by a forged form
        paid = self._relance_invoice(self.portal_a.partner_id, 90.0, fields.Date.today())
        self._pay(paid, 90.0, fields.Date.today())
        paid._portal_ensure_token()
        self.assertNotIn("Contest this invoice", self.url_open(paid.get_portal_url()).text)
        self.url_open(
            f"/my/invoices/{paid.id}/contest",
            data={"csrf_token": self._csrf(page), "reason": "other", "message": "Forged"},
        )
        self.assertFalse(paid.relance_dispute)

    def test_portal_pay_online(self):
        """An overdue invoice keeps Odoo's online payment beside the dunning forms: the
        Pay Now button and the company's payment providers in its dialog."""
        method = self.env.ref("payment.payment_method_unknown")
        provider = self.env["payment.provider"].create(
            {
                "name": "Relance test provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": self.invoice_a.company_id.id,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        self.authenticate("relance_portal_a", "relance_portal_a")
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}").text
        self.assertIn('data-bs-target="#pay_with"', page)
        self.assertIn(f'data-provider-id="{provider.id}"', page)
        self.assertIn("Contest this invoice", page)
        self.env["relance.dispute"]._portal_contest(
            self.invoice_a, self.portal_a.partner_id, "amount", "Too much"
        )
        # a disputed invoice can still be paid
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}").text
        self.assertIn('data-bs-target="#pay_with"', page)

    def test_portal_contest_tour(self):
        self.start_tour(
            f"/my/invoices/{self.invoice_a.id}",
            "relance_portal_contest_tour",
            login="relance_portal_a",
        )
        dispute = self.invoice_a.relance_dispute_ids
        self.assertEqual(dispute.reason, "not_delivered")
        self.assertEqual(dispute.description, "The second delivery never arrived")
        self.assertEqual(self.invoice_a.relance_state, "paused")
