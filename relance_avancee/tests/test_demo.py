from odoo import fields
from odoo.exceptions import AccessDenied
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file

from odoo.addons.relance_avancee.demo.generator import (
    DEMO_COMPANY,
    DEMO_DISCOUNT,
    DEMO_FOREIGN,
    DEMO_HANDOVER,
    DEMO_INVOICES,
    DEMO_NOTICE_RECEIPT,
    DEMO_PAID_DECLARATION,
    DEMO_RECOVERIES,
    demo_record,
)

# the demo credentials that readme/USAGE.md gives
PORTAL_LOGIN, PORTAL_PASSWORD = "portail", "hotel-du-parc"
ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD = "comptable", "atelier-durand"


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    """The demo data a new user lands on: every screen shows something meaningful."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_company = cls.env.ref("base.user_admin").company_id
        # as Odoo loads a module's demo data (the test database has none)
        for filename in get_manifest("relance_avancee")["demo"]:
            convert_file(cls.env, "relance_avancee", filename, {}, mode="init", noupdate=True)
        cls.company = demo_record(cls.env, DEMO_COMPANY)
        cls.customers = cls.env["res.partner"].union(
            *(demo_record(cls.env, xmlid) for xmlid, _rows in DEMO_INVOICES)
        )
        cls.invoices = cls.env["account.move"].search(
            [("partner_id", "in", cls.customers.ids), ("move_type", "=", "out_invoice")]
        )
        cls.actions = cls.env["relance.history"].search([("partner_id", "in", cls.customers.ids)])

    def _check_password(self, user, password):
        self.env["res.users"].with_user(user)._check_credentials(
            {"login": user.login, "password": password, "type": "password"}, {"interactive": True}
        )

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

    def test_formal_notice_received(self):
        """A consumer's formal notice with its acknowledgment of receipt, its deadline
        counted from it; the consumer mediator of the company printed on it."""
        xmlid, number, days = DEMO_NOTICE_RECEIPT
        notice = self.actions.filtered(
            lambda h: h.partner_id == demo_record(self.env, xmlid) and h.channel == "notice"
        )
        self.assertEqual(len(notice), 1)
        self.assertEqual((notice.state, notice.registered_letter_number), ("done", number))
        self.assertEqual(notice.acknowledgment_date, fields.Date.add(notice.date, days=days))
        self.assertEqual(
            notice.deadline_date,
            fields.Date.add(notice.acknowledgment_date, days=notice.level_id.notice_deadline_days),
        )
        self.assertEqual(self.company.relance_consumer_mediator_name, "CM2C")

    def test_settlements_and_handover(self):
        self.assertTrue(self.invoices.filtered("relance_dispute"))
        self.assertTrue(self.env["relance.promise"].search([("state", "=", "open")]))
        self.assertTrue(self.env["relance.payment.plan"].search([("state", "=", "running")]))
        request = self.env["relance.payment.plan"].search([("state", "=", "draft")])
        self.assertTrue(request.requested_by_customer)
        self.assertTrue(request.activity_ids, "the accountant has the request to answer")
        self.assertGreater(self.invoices.relance_dispute_ids.age_days, 0)
        handed_over = demo_record(self.env, DEMO_HANDOVER[0])
        self.assertEqual(
            handed_over.relance_handover_partner_id, demo_record(self.env, DEMO_HANDOVER[1])
        )
        self.assertTrue(
            self.invoices.filtered(lambda m: m.partner_id == handed_over).mapped(
                "relance_handed_over"
            )
        )
        # the recovery file is the handover action's, read by the dunning groups only
        handover = self.env["relance.history"].search(
            [("partner_id", "=", handed_over.id), ("channel", "=", "handover")]
        )
        zips = self.env["ir.attachment"].search(
            [("res_model", "=", "relance.history"), ("res_id", "in", handover.ids)]
        )
        self.assertIn("application/zip", zips.mapped("mimetype"))
        # the bailiff's recoveries on the file, with its fees
        recoveries = self.env["relance.recovery"].search([("handover_id", "in", handover.ids)])
        self.assertEqual(len(recoveries), len(DEMO_RECOVERIES))
        self.assertEqual(recoveries.agency_id, demo_record(self.env, DEMO_HANDOVER[1]))
        self.assertTrue(all(recoveries.mapped("fee")))

    def test_today_run_to_validate_and_payments_received(self):
        run = self.env["relance.run"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(run.date, fields.Date.context_today(run))
        self.assertTrue(run.line_ids)
        partial = self.invoices.filtered(lambda m: m.payment_state == "partial")
        self.assertTrue(partial)

    def test_portal_customer_sees_own_overdue_invoices(self):
        user = self.env["res.users"].search([("login", "=", PORTAL_LOGIN)])
        self.assertTrue(user._is_portal())
        self.assertEqual(user.partner_id, demo_record(self.env, "demo_partner_hotel_du_parc"))
        self._check_password(user, PORTAL_PASSWORD)
        with self.assertRaises(AccessDenied):
            self._check_password(user, PORTAL_LOGIN)
        visible = self.env["account.move"].with_user(user).search([])
        own = self.invoices.filtered(lambda m: m.partner_id == user.partner_id)
        self.assertEqual(visible.filtered(lambda m: m.move_type == "out_invoice"), own)
        self.assertTrue(own.filtered(lambda m: m.relance_days_overdue and m.relance_reminder_count))

    def test_what_customers_receive(self):
        """A customer invoiced in USD and CHF, one reminder covering several levels, an
        accounting contact in copy, a payment declared on the portal, an early-payment
        discount offered by today's pre-reminder."""
        foreign = self.env["relance.history"].search(
            [
                ("partner_id", "=", demo_record(self.env, DEMO_FOREIGN[0]).id),
                ("channel", "=", "email"),
            ]
        )
        self.assertTrue(
            foreign.filtered(lambda h: len(h.line_ids.move_id.currency_id) == 2),
            "no reminder lists both currencies",
        )
        self.assertTrue(self.actions.filtered(lambda h: h._covers_several_levels()))
        contact = demo_record(self.env, "demo_partner_transports_lefevre_accounting")
        copied = self.actions.filtered(lambda h: h.partner_id == contact.parent_id)
        self.assertIn(contact.email, " ".join(filter(None, copied.mail_id.mapped("email_cc"))))
        declaration = self.env["relance.payment.declaration"].search(
            [
                ("partner_id", "=", demo_record(self.env, DEMO_PAID_DECLARATION[0]).id),
                ("source", "=", "portal"),
            ]
        )
        self.assertEqual(declaration.state, "open")
        discounted = self.env["account.move"].search(
            [
                ("partner_id", "=", demo_record(self.env, DEMO_DISCOUNT[0]).id),
                ("invoice_payment_term_id.early_discount", "=", True),
            ]
        )
        line = discounted.relance_run_line_ids.filtered(lambda ln: ln.state == "proposed")
        self.assertLess(line.level_id.offset_days, 0, "pre-reminder today")

    def test_only_the_demo_records_are_touched(self):
        """The administrator keeps their company and may switch to the demo one; the demo
        accountant lands in it."""
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_id, self.admin_company)
        self.assertIn(self.company, admin.company_ids)
        accountant = self.env["res.users"].search([("login", "=", ACCOUNTANT_LOGIN)])
        self.assertTrue(accountant._is_internal())
        self.assertEqual(accountant.company_id, self.company)
        self.assertTrue(accountant.has_group("account.group_account_manager"))
        self.assertTrue(accountant.has_group("relance_avancee.group_relance_manager"))
        self._check_password(accountant, ACCOUNTANT_PASSWORD)
        with self.assertRaises(AccessDenied):
            self._check_password(accountant, ACCOUNTANT_LOGIN)
        run = self.env["relance.run"].with_user(accountant).search([], limit=1)
        self.assertEqual(run.company_id, self.company, "the accountant sees today's run")

    def test_causes_and_satisfaction_for_the_reporting(self):
        causes = set(self.invoices.mapped("relance_cause"))
        self.assertLessEqual({"cash", "process", "forgotten", "dispute"}, causes)
        satisfactions = self.env["relance.satisfaction"].search(
            [("company_id", "=", self.company.id)]
        )
        rated = satisfactions.filtered("rating_last_value")
        self.assertTrue(rated, "the dashboard has a customer satisfaction to show")
        self.assertTrue(satisfactions - rated, "a request waits for its answer")
        months = {rating.rated_on.month for rating in rated.rating_ids}
        self.assertGreater(len(months), 1, "the monthly history shows several months")
