from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestCreditController(RelanceCommon):
    """res.partner._relance_credit_controller: who follows a customer's dunning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls._relance_user("relance_salesperson", "base.group_user")
        cls.invoice_user = cls._relance_user("relance_invoice_user", "base.group_user")
        cls.policy_b2b.default_user_id = cls.manager
        cls.admin = cls.env.ref("base.user_admin")
        cls.odoobot = cls.env.ref("base.user_root")
        cls.portal = new_test_user(cls.env, login="relance_cc_portal", groups="base.group_portal")
        cls.customer = cls.customer_b2b
        cls.customer.write({"relance_user_id": cls.accountant.id, "user_id": cls.salesperson.id})

    def _controller(self, policy=None, salesperson=None):
        return self.customer._relance_credit_controller(policy=policy, salesperson=salesperson)

    def test_each_fallback_in_order(self):
        policy, invoice_user = self.policy_b2b, self.invoice_user
        self.assertEqual(self._controller(policy, invoice_user), self.accountant)
        self.customer.relance_user_id = False
        self.assertEqual(self._controller(policy, invoice_user), self.salesperson)
        self.customer.user_id = False
        self.assertEqual(self._controller(policy, invoice_user), self.manager)
        self.assertEqual(self._controller(policy), self.manager)
        self.assertEqual(self._controller(), self.admin)
        policy.default_user_id = False
        self.assertEqual(self._controller(policy, invoice_user), invoice_user)
        self.assertEqual(self._controller(policy, self.env["res.users"]), self.admin)

    def test_a_contact_has_its_company_controller(self):
        contact = self.env["res.partner"].create(
            {"name": "Service compta", "parent_id": self.customer.id}
        )
        self.assertEqual(contact._relance_credit_controller(), self.accountant)
        self.customer.relance_user_id = False
        contact.user_id = self.invoice_user
        self.assertEqual(contact._relance_credit_controller(), self.salesperson)

    def test_never_odoobot_portal_or_archived(self):
        # OdooBot (the current user of crons) and a portal customer never follow dunning
        self.customer.write({"relance_user_id": self.odoobot.id, "user_id": self.portal.id})
        self.assertEqual(self._controller(self.policy_b2b, self.invoice_user), self.manager)
        self.policy_b2b.default_user_id = self.odoobot
        self.assertEqual(self._controller(self.policy_b2b, self.invoice_user), self.invoice_user)
        self.assertEqual(self._controller(self.policy_b2b, self.portal), self.admin)
        # nor someone who left
        self.salesperson.active = False
        self.customer.user_id = self.salesperson
        self.assertEqual(self._controller(self.policy_b2b, self.invoice_user), self.invoice_user)

    def test_from_a_low_rights_user(self):
        customer = self.customer.with_user(self.basic_user)
        self.customer.relance_user_id = self.portal
        self.assertEqual(customer._relance_credit_controller(), self.salesperson)
