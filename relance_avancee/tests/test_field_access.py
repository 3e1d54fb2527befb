from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.view_validation import get_expression_field_names

from .common import RelanceCommon
from .test_portal import PortalCustomers

MODULE = "relance_avancee"

# The fields of this module on these models that are not internal: what the portal pages
# (views/portal_templates.xml) and the invoice PDF show the customer. The portal templates
# and controllers read everything else as sudo.
PORTAL_FIELDS = {
    "account.move": {
        "relance_days_overdue",  # "N days late" on My invoices and the invoice page
        "relance_reminder_count",  # "Reminders sent: N" on My invoices
        "relance_dispute",  # "Contested" on My invoices and the invoice page
        "relance_early_discount_mention",  # printed on the invoice (L441-9)
    },
    "res.partner": set(),
    "res.company": set(),
}

# the dunning records no employee outside the dunning groups reads
DUNNING_MODELS = (
    "relance.history",
    "relance.history.line",
    "relance.dispute",
    "relance.mediation",
    "relance.payment.plan",
    "relance.payment.plan.installment",
    "relance.promise",
    "relance.payment.declaration",
    "relance.run",
    "relance.run.line",
)

EXPRESSION_ATTRIBUTES = ("invisible", "required", "readonly", "column_invisible")


def module_fields(model):
    """The fields this module adds to ``model``: defined by it alone, or named relance_*."""
    return {
        name
        for name, field in model._fields.items()
        if set(field._modules) == {MODULE} or name.startswith("relance_")
    }


def internal_fields(model):
    return module_fields(model) - PORTAL_FIELDS[model._name]


@tagged("post_install", "-at_install")
class TestFieldAccess(PortalCustomers, RelanceCommon):
    """Who reads the dunning fields of invoices, customers and companies, and the dunning
    records: the dunning groups (and the read-only accountants), not the portal customers
    nor the employees without an accounting role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls._portal_setup()
        cls.auditor = cls._relance_user("relance_auditor", "account.group_account_readonly")
        # who reads invoices without an accounting role, as a salesperson does with sale
        readers = cls.env["res.groups"].create({"name": "Invoice readers"})
        cls.env["ir.model.access"].create(
            {
                "name": "account.move invoice readers",
                "model_id": cls.env["ir.model"]._get_id("account.move"),
                "group_id": readers.id,
                "perm_read": True,
            }
        )
        cls.invoice_reader = cls._relance_user("relance_invoice_reader", "base.group_user")
        cls.invoice_reader.group_ids += readers
        cls.customer_a = cls.portal_a.partner_id
        cls.customer_a.write(
            {
                "relance_excluded": True,
                "relance_exclusion_reason": "Key account",
                "street": "12 rue de la République",
                "city": "Lyon",
            }
        )

    def _records(self):
        return {
            "account.move": self.invoice_a,
            "res.partner": self.customer_a,
            "res.company": self.invoice_a.company_id,
        }

    def test_the_internal_fields_are_the_expected_ones(self):
        """The enumeration is not empty by mistake: the fields of the issue are in it."""
        expected = {
            "account.move": {
                "relance_impact_amount",
                "relance_skip_reason",
                "relance_policy_id",
                "relance_state",
                "relance_history_line_ids",
                "relance_dispute_reason",
            },
            "res.partner": {
                "relance_behaviour_grade",
                "relance_avg_days_late",
                "relance_exclusion_reason",
                "relance_handover_partner_id",
                "relance_user_id",
            },
            "res.company": {
                "relance_margin_rate",
                "relance_penalty_rate",
                "relance_grade_poor_days",
            },
        }
        for model_name, names in expected.items():
            fields = internal_fields(self.env[model_name])
            self.assertLessEqual(names, fields, model_name)
            self.assertLessEqual(PORTAL_FIELDS[model_name], module_fields(self.env[model_name]))
        self.assertNotIn("company_currency_id", internal_fields(self.env["account.move"]))

    def _readable(self, record, names):
        """Those of these fields of the record that its user gets over RPC: by read,
        search_read or among the fields of fields_get."""
        described = record.fields_get()
        readable = []
        for name in sorted(names):
            for read in (
                lambda name=name: record.read([name]),
                lambda name=name: record.search_read([("id", "=", record.id)], [name]),
            ):
                try:
                    read()
                except AccessError:
                    continue
                readable.append(f"{record._name}.{name}")
                break
            else:
                if name in described:
                    readable.append(f"{record._name}.{name} (fields_get)")
        return readable

    def test_portal_user_reads_no_internal_field(self):
        readable = []
        for record in self._records().values():
            as_portal = record.with_user(self.portal_a)
            # the record itself is readable: what is refused below is the fields
            self.assertTrue(as_portal.read(["display_name"]))
            readable += self._readable(as_portal, internal_fields(record))
        self.assertEqual(readable, [], "internal fields a portal user reads")

    def test_portal_user_reads_what_its_pages_show(self):
        invoice = self.invoice_a.with_user(self.portal_a)
        values = invoice.read(sorted(PORTAL_FIELDS["account.move"]))[0]
        self.assertEqual(values["relance_days_overdue"], 20)
        self.assertFalse(values["relance_dispute"])

    def test_basic_employee_reads_no_internal_field(self):
        readable = []
        for model_name, record in self._records().items():
            # an employee reads no invoice at all, unless given access, as with sale
            user = self.invoice_reader if model_name == "account.move" else self.basic_user
            as_employee = record.with_user(user)
            self.assertTrue(as_employee.read(["display_name"]))
            readable += self._readable(as_employee, internal_fields(record))
        self.assertEqual(readable, [], "internal fields an employee without dunning role reads")

    def test_dunning_users_read_every_field(self):
        for user in (self.accountant, self.manager, self.auditor):
            for model_name, record in self._records().items():
                with self.subTest(user=user.login, model=model_name):
                    names = sorted(module_fields(record))
                    self.assertEqual(len(record.with_user(user).read(names)), 1)

    def test_forms_load_without_the_fields_the_user_cannot_read(self):
        """A field the user cannot read is left out of the view; then no expression of the
        view may depend on it. The accountant gets them all."""
        forms = {"account.move": "account.view_move_form", "res.partner": "base.view_partner_form"}
        for model_name, xmlid in forms.items():
            for user, can_read in (
                (self.accountant, True),
                (self.auditor, True),
                (self.basic_user, False),
                (self.invoice_reader, False),
            ):
                if model_name == "account.move" and user == self.basic_user:
                    continue  # no access to invoices at all
                with self.subTest(model=model_name, user=user.login):
                    model = self.env[model_name].with_user(user)
                    view = model.get_views([(self.env.ref(xmlid).id, "form")])
                    arch = etree.fromstring(view["views"]["form"]["arch"])
                    fields = set(view["models"][model_name]["fields"])
                    internal = internal_fields(self.env[model_name])
                    if can_read:
                        self.assertLessEqual(
                            {"relance_policy_id", "relance_history_line_ids"}
                            if model_name == "account.move"
                            else {"relance_behaviour_grade", "relance_exclusion_reason"},
                            fields,
                        )
                        continue
                    self.assertFalse(fields & internal)
                    used = set()
                    for node in arch.iter():
                        for attribute in EXPRESSION_ATTRIBUTES:
                            if node.get(attribute):
                                used |= set(get_expression_field_names(node.get(attribute)))
                    self.assertFalse(used & internal)
        # the accountant opens a customer's form with the dunning values
        partner = self.customer_a.with_user(self.accountant)
        spec = {"relance_behaviour_grade": {}, "relance_exclusion_reason": {}}
        self.assertEqual(partner.web_read(spec)[0]["relance_exclusion_reason"], "Key account")

    def test_basic_employee_reads_no_dunning_record(self):
        for model_name in DUNNING_MODELS:
            with self.subTest(model=model_name):
                model = self.env[model_name]
                self.assertFalse(model.with_user(self.basic_user).has_access("read"))
                with self.assertRaises(AccessError):
                    model.with_user(self.basic_user).search([], limit=1)
                self.assertTrue(model.with_user(self.accountant).has_access("read"))
                self.assertTrue(model.with_user(self.auditor).has_access("read"))
                self.assertFalse(model.with_user(self.auditor).has_access("write"))
                self.assertFalse(model.with_user(self.portal_a).has_access("read"))

    def _letter(self):
        level = self.policy_b2c.level_ids.filtered(
            lambda lv: "letter" in lv.channel_ids.mapped("code")
        )[:1]
        history = self.env["relance.history"].create(
            {
                "date": date(2026, 3, 13),
                "company_id": self.company.id,
                "partner_id": self.customer_a.id,
                "contact_id": self.customer_a.id,
                "level_id": level.id,
                "channel_id": self.env.ref("relance_avancee.channel_letter").id,
                "amount_due": self.invoice_a.amount_residual,
                "line_ids": [
                    Command.create(
                        {
                            "move_id": self.invoice_a.id,
                            "amount_residual": self.invoice_a.amount_residual,
                        }
                    )
                ],
            }
        )
        history._execute()
        self.assertTrue(history.attachment_id)
        return history

    def _assert_dunning_document(self, attachment):
        """Only the dunning groups read the document: not an employee, also not through
        the customer's chatter (a message hands out the download token of its
        attachments to whoever reads it)."""
        self.assertTrue(attachment)
        partner = self.customer_a
        with self.assertRaises(AccessError):
            attachment.with_user(self.basic_user).check_access("read")
        with self.assertRaises(AccessError):
            attachment.with_user(self.basic_user).read(["raw"])
        on_partner = (
            self.env["ir.attachment"]
            .with_user(self.basic_user)
            .search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])
        )
        self.assertNotIn(attachment, on_partner)
        self.assertNotIn(attachment, partner.message_ids.attachment_ids)
        attachment.with_user(self.accountant).check_access("read")
        self.assertTrue(attachment.with_user(self.accountant).raw)

    def test_letters_are_dunning_documents(self):
        letter = self._letter()
        self._assert_dunning_document(letter.attachment_id)
        # the letters printed together too
        action = self.env["relance.executor.letter"]._download(letter)
        merged = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self._assert_dunning_document(merged)

    def test_handover_file_is_a_dunning_document(self):
        self._letter()
        agency = self.env["res.partner"].create({"name": "Cabinet Huissier Durand"})
        wizard = (
            self.env["relance.handover"]
            .with_user(self.manager)
            .create({"partner_id": self.customer_a.id, "agency_id": agency.id})
        )
        action = wizard.with_context(relance_handover_without_pdf=True).action_confirm()
        bundle = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual(bundle.mimetype, "application/zip")
        self._assert_dunning_document(bundle)
        # the customer's form says who took it over, to the dunning groups only
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.basic_user).read(["relance_handover_partner_id"])
        self.assertEqual(
            self.customer_a.with_user(self.accountant).relance_handover_partner_id, agency
        )

    def test_employees_outside_dunning_keep_working(self):
        """What an employee does without reading the dunning fields still carries them:
        duplicating a customer (Odoo's copy reads the copied fields: the copy gets their
        defaults, a dunning user's copy keeps them), adding a contact to a customer (the
        commercial fields reach it), creating a company, saving the settings."""
        partner_manager = new_test_user(
            self.env,
            login="relance_partner_manager",
            groups="base.group_user,base.group_partner_manager",
        )
        copy = self.customer_a.with_user(partner_manager).copy()
        self.assertFalse(copy.sudo().relance_excluded)
        accountant = new_test_user(
            self.env,
            login="relance_partner_accountant",
            groups="account.group_account_invoice,base.group_partner_manager",
        )
        copy = self.customer_a.with_user(accountant).copy()
        self.assertTrue(copy.relance_excluded)
        self.assertEqual(copy.relance_exclusion_reason, "Key account")

        self.customer_b2b.write(
            {"relance_excluded": True, "relance_exclusion_reason": "Group company"}
        )
        contact = (
            self.env["res.partner"]
            .with_user(partner_manager)
            .create({"name": "Service comptable", "parent_id": self.customer_b2b.id})
        )
        self.assertEqual(contact.sudo().relance_exclusion_reason, "Group company")
        self.assertEqual(contact.sudo().relance_policy_type, "b2b")

        admin = new_test_user(
            self.env, login="relance_settings_admin", groups="base.group_user,base.group_system"
        )
        self.assertFalse(admin.has_group("relance_avancee.group_relance_user"))
        company = self.env["res.company"].with_user(admin).create({"name": "Filiale SAS"})
        self.assertEqual(company.sudo().relance_margin_rate, 20.0)
        # nor do the settings of a settings administrator without dunning role
        self.env["res.config.settings"].with_user(admin).create({}).execute()
