from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.modules.migration import exec_script
from odoo.tests import Form, tagged
from odoo.tools import SQL, file_path, mute_logger
from odoo.tools.convert import convert_file
from odoo.tools.safe_eval import safe_eval

from .common import RelanceCommon

TEMPLATE_XMLIDS = ("relance_avancee.policy_b2b", "relance_avancee.policy_b2c")
MIGRATION = "relance_avancee/migrations/19.0.1.2.0/%s-migration.py"


def _ladder(policy):
    """What a copy of the policy must reproduce: its levels and their settings."""
    return [
        (lv.name, lv.sequence, lv.offset_days, lv.channel_ids, lv.mail_template_id, lv.tone)
        for lv in policy.level_ids
    ]


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
            set(channels.mapped("code")),
            {"email", "sms", "call", "letter", "notice", "mediation", "handover"},
        )
        email = self.env.ref("relance_avancee.channel_email")
        self.assertEqual(email.fallback_channel_id, self.env.ref("relance_avancee.channel_letter"))
        self.assertTrue(self.env.ref("relance_avancee.channel_handover").manual)
        self.assertTrue(self.env.ref("relance_avancee.channel_mediation").manual)

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

    def _templates(self):
        return self.env.ref(TEMPLATE_XMLIDS[0]) | self.env.ref(TEMPLATE_XMLIDS[1])

    def test_templates_have_no_company_and_every_company_its_copies(self):
        templates = self._templates()
        self.assertEqual(templates.mapped("is_template"), [True, True])
        self.assertFalse(templates.company_id)
        self.assertFalse(templates.level_ids.company_id)
        self.assertEqual(len(templates.level_ids), 14)
        companies = self.env["res.company"].sudo().search([])
        self.assertIn(self.env.ref("base.main_company"), companies)  # equipped at install
        defaults = self.env["relance.policy"].sudo()._default_policies(companies)
        for company in companies:
            for template in templates:
                live = defaults[company, template.policy_type]
                self.assertEqual(live.company_id, company)
                self.assertFalse(live.is_template)
                self.assertEqual(live.name, template.name)
                self.assertEqual(live.min_amount, template.min_amount)
                self.assertEqual(_ladder(live), _ladder(template))
                self.assertFalse(live.level_ids & template.level_ids)

    def test_engine_never_picks_a_template(self):
        """Not by default, not as a customer's own policy, not in the set-based backfill."""
        template_b2b = self.env.ref(TEMPLATE_XMLIDS[0])
        self.customer_b2b.relance_policy_id = template_b2b
        due = fields.Date.to_date("2026-03-02")
        invoice = self._relance_invoice(self.customer_b2b, 500.0, due)
        self.assertEqual(invoice.relance_policy_id, self.policy_b2b)
        self.assertEqual(invoice.relance_next_level_id.policy_id, self.policy_b2b)
        invoice.flush_recordset()
        self.env.cr.execute(
            "UPDATE account_move SET relance_policy_id = NULL WHERE id = %s", [invoice.id]
        )
        invoice.invalidate_recordset()
        self.env["relance.engine"]._backfill(self.company)
        self.assertEqual(invoice.relance_policy_id, self.policy_b2b)
        self.assertEqual(invoice.relance_next_level_id.policy_id, self.policy_b2b)
        run = self.env["relance.engine"]._prepare_run(fields.Date.add(due, days=10), self.company)
        self.assertEqual(run.line_ids.level_id.policy_id, self.policy_b2b)
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT count(*)
              FROM account_move move
              JOIN relance_policy policy ON policy.id = move.relance_policy_id
             WHERE policy.is_template
            """
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        positions = self.env["relance.engine"]._positions(due, SQL("TRUE"))
        levels = (
            self.env["relance.level"]
            .sudo()
            .browse({level for level, _d, _s, _due in positions.values() if level})
        )
        self.assertTrue(levels)
        self.assertFalse(levels.filtered(lambda lv: lv.policy_id.is_template))

    def test_new_company_gets_copies_of_the_active_templates(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        templates = self._templates()
        templates[0].update_field_translations("name", {"fr_FR": "Entreprises (B2B)"})
        Template = Form(
            self.env["relance.policy"]
            .with_user(self.manager)
            .with_context(default_is_template=True, default_company_id=False)
        )
        Template.name = "Public bodies"
        Template.policy_type = "b2b"
        public = Template.save()
        self.assertTrue(public.is_template)
        self.assertFalse(public.company_id)
        email = self.env.ref("relance_avancee.channel_email")
        public.level_ids = [
            Command.create({"name": "Reminder", "offset_days": 10, "channel_ids": email.ids})
        ]
        archived = templates[1].copy({"name": "Former consumers", "active": False})
        self.assertTrue(archived.is_template)

        company = self.env["res.company"].create({"name": "Nouvelle SARL"})
        copies = self.env["relance.policy"].search([("company_id", "=", company.id)])
        active_templates = templates | public
        self.assertEqual(sorted(copies.mapped("name")), sorted(active_templates.mapped("name")))
        for template in active_templates:
            copy = copies.filtered(lambda p, t=template: p.name == t.name)
            self.assertEqual(_ladder(copy), _ladder(template))
            self.assertEqual(copy.level_ids.company_id, company)
        copy_b2b = copies.filtered(lambda p: p.name == templates[0].name)
        self.assertEqual(copy_b2b.with_context(lang="fr_FR").name, "Entreprises (B2B)")
        # the templates are left as they were, and a company is equipped once
        self.assertFalse((templates | public | archived).company_id)
        self.assertEqual(len(templates.level_ids), 14)
        self.assertFalse(self.env["relance.policy"]._ensure_default_policies(company))

    def test_templates_are_a_reference_that_managers_edit(self):
        template = self.env.ref(TEMPLATE_XMLIDS[0])
        for user in (self.accountant, self.basic_user):
            as_user = template.with_user(user)
            self.assertEqual(as_user.level_ids.mapped("name"), template.level_ids.mapped("name"))
            with self.assertRaises(AccessError):
                as_user.min_amount = 10
            with self.assertRaises(AccessError):
                as_user.level_ids[0].offset_days = -2
        template.with_user(self.manager).min_amount = 60
        template.level_ids[0].with_user(self.manager).offset_days = -4
        self.assertEqual((template.min_amount, template.level_ids[0].offset_days), (60, -4))

        menu = self.env.ref("relance_avancee.relance_policy_template_menu")
        self.assertEqual(menu.parent_id, self.env.ref("relance_avancee.relance_config_menu"))
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        Policy = self.env["relance.policy"].with_user(self.manager)
        listed = {}
        for xmlid in ("relance_policy_action", "relance_policy_template_action"):
            action = self.env.ref(f"relance_avancee.{xmlid}")
            listed[xmlid] = Policy.search(safe_eval(action.domain))
        self.assertEqual(listed["relance_policy_action"], self.policy_b2b | self.policy_b2c)
        self.assertEqual(listed["relance_policy_template_action"], self._templates())

    def test_a_policy_is_a_template_exactly_when_it_has_no_company(self):
        template = self.env.ref(TEMPLATE_XMLIDS[0])
        for policy, company in ((self.policy_b2b, False), (template, self.company)):
            with (
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                policy.company_id = company
                self.env.flush_all()

    def test_upgrade_leaves_the_shipped_policies_to_their_company(self):
        """Until 19.0.1.1.0 the shipped policies were live ones (the main company's): the
        upgrade leaves them to their company, with their history, and creates the templates
        anew."""
        live = self.policy_b2b | self.policy_b2c
        old_templates = self._templates()
        # the database as 19.0.1.1.0 left it: the XML ids on a company's live policies
        for template, policy in zip(old_templates, live, strict=True):
            self.assertEqual(template.policy_type, policy.policy_type)
            pairs = zip(template.level_ids, policy.level_ids, strict=True)
            for record, old in [(template, policy), *pairs]:
                data = self.env["ir.model.data"].search(
                    [("model", "=", record._name), ("res_id", "=", record.id)]
                )
                data.res_id = old.id
        old_templates.unlink()
        invoice = self._relance_invoice(self.customer_b2b, 100.0, fields.Date.to_date("2026-01-05"))
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days == 7)
        history = self._relance_action(self.customer_b2b, level, "email", invoice, "2026-01-12")
        bare = self.env["res.company"].create({"name": "Sans politique SARL"})
        self.env["relance.policy"].search([("company_id", "=", bare.id)]).unlink()
        Policy = self.env["relance.policy"].sudo()
        companies = self.env["res.company"].sudo().search([])
        before = {c: Policy.search([("company_id", "=", c.id)]) for c in companies}

        self.env.flush_all()
        cr = self.env.cr
        exec_script(cr, "19.0.1.1.0", file_path(MIGRATION % "pre"), "relance_avancee", "pre")
        self.env.registry.clear_cache()  # the XML ids the pre-migration deleted
        self.env.invalidate_all()
        convert_file(self.env, "relance_avancee", "data/relance_policy_data.xml", {}, "update")
        exec_script(cr, "19.0.1.1.0", file_path(MIGRATION % "end"), "relance_avancee", "end")

        templates = self._templates()
        self.assertFalse(templates & live)
        self.assertEqual(templates.mapped("is_template"), [True, True])
        self.assertFalse(templates.company_id)
        self.assertEqual(len(templates.level_ids), 14)
        self.assertEqual(live.exists(), live)
        self.assertEqual(live.company_id, self.company)
        self.assertFalse(any(live.mapped("is_template")))
        self.assertEqual(history.level_id, level)
        self.assertEqual(invoice.relance_policy_id, self.policy_b2b)
        for company in companies - bare:
            after = Policy.search([("company_id", "=", company.id)])
            self.assertEqual(after, before[company], company.name)
        restored = Policy.search([("company_id", "=", bare.id)])
        self.assertEqual(sorted(map(_ladder, restored)), sorted(map(_ladder, templates)))

    def test_upgrade_flags_the_invoice_lines_of_cancelled_actions(self):
        """Until 19.0.1.5.0 each invoice line of an action stored a copy of the action's
        state: the upgrade flags the lines of cancelled actions (the unique index leaves
        them out), and only those."""
        invoice = self._relance_invoice(self.customer_b2b, 100.0, fields.Date.to_date("2026-01-05"))
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days == 7)
        cancelled = self._relance_action(self.customer_b2b, level, "email", invoice, "2026-01-12")
        cancelled.action_cancel()
        done = self._relance_action(self.customer_b2b, level, "email", invoice, "2026-01-13")
        done.action_done()
        self.assertEqual((cancelled | done).line_ids.mapped("cancelled"), [True, False])
        self.env.flush_all()
        cr = self.env.cr
        # the database as 19.0.1.4.0 left it: no flag yet (nor the index that reads it)
        cr.execute("DROP INDEX relance_history_line_once_per_level_channel")
        cr.execute("ALTER TABLE relance_history_line DROP COLUMN cancelled")
        migration = "relance_avancee/migrations/19.0.1.5.0/pre-migration.py"
        exec_script(cr, "19.0.1.4.0", file_path(migration), "relance_avancee", "pre")
        self.env.invalidate_all()
        self.assertEqual(cancelled.line_ids.cancelled, True)
        self.assertEqual(done.line_ids.cancelled, False)
