from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.relance_avancee.models.relance_demo import (
    DEMO_COPY_CONTACT,
    DEMO_CUSTOMERS,
    DEMO_DISCOUNT,
    DEMO_FOREIGN,
    DEMO_HANDOVER,
    DEMO_PAID_DECLARATION,
    DEMO_PORTAL,
)


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    """The demo data a new user lands on: every screen shows something meaningful."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["relance.demo"]._load()
        cls.company = cls.env.company
        cls.customers = cls.env["res.partner"].search(
            [("name", "in", [row[0] for row in DEMO_CUSTOMERS])]
        )
        cls.invoices = cls.env["account.move"].search(
            [("partner_id", "in", cls.customers.ids), ("move_type", "=", "out_invoice")]
        )
        cls.actions = cls.env["relance.history"].search([("partner_id", "in", cls.customers.ids)])

    def test_customers_of_both_kinds_with_bad_contact_data(self):
        self.assertEqual(len(self.customers), 30)
        businesses = self.customers.filtered("is_company")
        self.assertGreaterEqual(len(businesses), 12)
        self.assertGreaterEqual(len(self.customers - businesses), 12)
        self.assertTrue(self.customers.filtered(lambda p: not p.email))
        self.assertTrue(self.customers.filtered("relance_phone_warning"))

    def test_every_level_of_both_ladders_reached(self):
        """Each level has an action in the history or a line in today's proposal (the
        handover is never executed by the runs: a manager decides)."""
        proposed = self.env["relance.run.line"].search([("partner_id", "in", self.customers.ids)])
        reached = self.actions.level_id | proposed.level_id
        policies = self.env["relance.policy"].search([("company_id", "=", self.company.id)])
        for policy in policies.filtered(lambda p: p.policy_type in ("b2b", "b2c")):
            self.assertEqual(
                reached.filtered(lambda lv, policy=policy: lv.policy_id == policy),
                policy.level_ids,
                f"levels of {policy.name} that no demo invoice reached",
            )
        self.assertTrue(self.actions.filtered(lambda h: h.state == "done" and h.channel == "sms"))
        self.assertTrue(self.actions.filtered(lambda h: h.reason), "no action explains a problem")

    def test_followed_by_the_administrator(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(self.invoices.invoice_user_id, admin)
        plans = self.env["relance.payment.plan"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual((plans.user_id | self.invoices.relance_dispute_ids.user_id), admin)

    def test_settlements_and_handover(self):
        self.assertTrue(self.invoices.filtered("relance_dispute"))
        self.assertTrue(self.env["relance.promise"].search([("state", "=", "open")]))
        self.assertTrue(self.env["relance.payment.plan"].search([("state", "=", "running")]))
        request = self.env["relance.payment.plan"].search([("state", "=", "draft")])
        self.assertTrue(request.requested_by_customer)
        self.assertTrue(request.activity_ids, "the accountant has the request to answer")
        self.assertGreater(self.invoices.relance_dispute_ids.age_days, 0)
        handed_over = self.customers.filtered(lambda p: p.name == DEMO_HANDOVER[0])
        self.assertEqual(handed_over.relance_handover_partner_id.name, DEMO_HANDOVER[1])
        self.assertTrue(
            self.invoices.filtered(lambda m: m.partner_id == handed_over).mapped(
                "relance_handed_over"
            )
        )
        zips = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", handed_over.id)]
        )
        self.assertIn("application/zip", zips.mapped("mimetype"))

    def test_today_run_to_validate_and_payments_received(self):
        run = self.env["relance.run"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(run.date, fields.Date.context_today(run))
        self.assertTrue(run.line_ids)
        partial = self.invoices.filtered(lambda m: m.payment_state == "partial")
        self.assertTrue(partial)

    def test_portal_customer_sees_own_overdue_invoices(self):
        name, login = DEMO_PORTAL
        user = self.env["res.users"].search([("login", "=", login)])
        self.assertTrue(user._is_portal())
        self.env["res.users"].with_user(user)._check_credentials(
            {"login": login, "password": login, "type": "password"}, {"interactive": True}
        )
        visible = self.env["account.move"].with_user(user).search([])
        own = self.invoices.filtered(lambda m: m.partner_id.name == name)
        self.assertEqual(visible.filtered(lambda m: m.move_type == "out_invoice"), own)
        self.assertTrue(own.filtered(lambda m: m.relance_days_overdue and m.relance_reminder_count))

    def test_what_customers_receive(self):
        """A customer invoiced in USD and CHF, one reminder covering several levels, an
        accounting contact in copy, a payment declared on the portal, an early-payment
        discount offered by today's pre-reminder."""
        foreign = self.env["relance.history"].search(
            [("partner_id.name", "=", DEMO_FOREIGN[0]), ("channel", "=", "email")]
        )
        self.assertTrue(
            foreign.filtered(lambda h: len(h.line_ids.move_id.currency_id) == 2),
            "no reminder lists both currencies",
        )
        self.assertTrue(self.actions.filtered(lambda h: h._covers_several_levels()))
        copied = self.actions.filtered(lambda h: h.partner_id.name == DEMO_COPY_CONTACT[0])
        self.assertIn(
            DEMO_COPY_CONTACT[2], " ".join(filter(None, copied.mail_id.mapped("email_cc")))
        )
        declaration = self.env["relance.payment.declaration"].search(
            [("partner_id.name", "=", DEMO_PAID_DECLARATION[0]), ("source", "=", "portal")]
        )
        self.assertEqual(declaration.state, "open")
        discounted = self.env["account.move"].search(
            [
                ("partner_id.name", "=", DEMO_DISCOUNT[0]),
                ("invoice_payment_term_id.early_discount", "=", True),
            ]
        )
        line = discounted.relance_run_line_ids.filtered(lambda ln: ln.state == "proposed")
        self.assertLess(line.level_id.offset_days, 0, "pre-reminder today")
