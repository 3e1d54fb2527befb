from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestInstall(RelanceCommon):
    def test_accounting_groups_carry_dunning_rights(self):
        self.assertTrue(self.accountant.has_group("relance_avancee.group_relance_user"))
        self.assertFalse(self.accountant.has_group("relance_avancee.group_relance_manager"))
        self.assertTrue(self.manager.has_group("relance_avancee.group_relance_manager"))
        self.assertFalse(self.basic_user.has_group("relance_avancee.group_relance_user"))

    def test_channels_are_loaded(self):
        channels = self.env["relance.channel"].search([])
        self.assertEqual(
            set(channels.mapped("code")), {"email", "sms", "call", "letter", "notice", "handover"}
        )
        email = self.env.ref("relance_avancee.channel_email")
        self.assertEqual(email.fallback_channel_id, self.env.ref("relance_avancee.channel_letter"))
        self.assertTrue(self.env.ref("relance_avancee.channel_handover").manual)

    def test_invoice_views_show_dunning_for_accountant(self):
        action = self.env.ref("account.action_move_out_invoice_type")
        list_view = self.env.ref("account.view_out_invoice_tree")
        self.assertEqual(action.view_id, list_view)
        views = (
            self.env["account.move"]
            .with_user(self.accountant)
            .get_views([(list_view.id, "list"), (False, "form"), (False, "search")])
        )
        arches = {vtype: v["arch"] for vtype, v in views["views"].items()}
        self.assertIn('name="relance_level_id"', arches["list"])
        self.assertIn('name="relance_state"', arches["list"])
        self.assertIn('name="relance"', arches["form"])  # the "Relances" tab
        self.assertIn("relance_to_remind_today", arches["search"])
        self.assertIn("relance_level_id", views["models"]["account.move"]["fields"])

    def test_configuration_menu_for_managers_only(self):
        root = self.env.ref("relance_avancee.relance_config_menu")
        menu = self.env.ref("relance_avancee.relance_policy_menu")
        visible_manager = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        visible_accountant = self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        self.assertIn(root.id, visible_manager)
        self.assertIn(menu.id, visible_manager)
        self.assertNotIn(root.id, visible_accountant)
        action = self.env.ref("relance_avancee.relance_policy_action")
        self.assertEqual(menu.action, action)
        views = (
            self.env["relance.policy"]
            .with_user(self.manager)
            .get_views([(False, "list"), (False, "form"), (False, "search")])
        )
        self.assertIn('name="level_ids"', views["views"]["form"]["arch"])

    def test_policy_configuration_rights(self):
        vals = {"name": "Test policy", "policy_type": "b2b"}
        policy = self.env["relance.policy"].with_user(self.manager).create(vals)
        self.assertEqual(policy.company_id, self.company_data["company"])
        self.assertEqual(policy.with_user(self.accountant).name, "Test policy")
        with self.assertRaises(AccessError):
            self.env["relance.policy"].with_user(self.accountant).create(vals)
        with self.assertRaises(AccessError):
            policy.with_user(self.basic_user).write({"name": "Renamed"})

    def test_customer_type_defaults_from_company_or_individual(self):
        company = self.env["res.partner"].create({"name": "Dupont SA", "is_company": True})
        person = self.env["res.partner"].create({"name": "Jeanne Martin"})
        contact = self.env["res.partner"].create({"name": "Paul", "parent_id": company.id})
        self.assertEqual(company.relance_policy_type, "b2b")
        self.assertEqual(person.relance_policy_type, "b2c")
        self.assertEqual(contact.relance_policy_type, "b2b")
        invoice_addr = self.env["res.partner"].create(
            {"name": "Compta", "parent_id": company.id, "type": "invoice"}
        )
        self.assertEqual(company.relance_contact_id, invoice_addr)
        self.assertEqual(person.relance_contact_id, person)
