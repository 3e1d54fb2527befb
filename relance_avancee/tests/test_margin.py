from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestMargin(RelanceCommon):
    """The impact figure (revenue to make up for an unpaid amount = unpaid / margin) with
    the margin presets of the company and of a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.relance_margin_preset = "shop"  # 14 %
        cls.customer_b2b.relance_margin_preset = "retail"  # 30 %
        cls.other = cls.env["res.partner"].create(
            {"name": "Quincaillerie Morel", "is_company": True}
        )
        # due on 10 January 2026, issued 30 days before
        cls.retail_invoice = cls._relance_invoice(cls.customer_b2b, 1000.0, date(2026, 1, 10))
        cls.shop_invoice = cls._relance_invoice(cls.other, 700.0, date(2026, 1, 10))

    def _impact(self, invoice, at=date(2026, 2, 1)):
        return invoice._relance_legal_amounts(at)[invoice.id]["impact"]

    def test_customer_preset_over_the_company_preset(self):
        self.assertAlmostEqual(self._impact(self.retail_invoice), 1000.0 / 0.30)
        self.assertAlmostEqual(self._impact(self.shop_invoice), 700.0 / 0.14)
        # in batch, and on the computed field at the run date
        invoices = (self.retail_invoice | self.shop_invoice).with_context(
            relance_date=date(2026, 2, 1)
        )
        self.assertEqual(
            [round(amount, 2) for amount in invoices.mapped("relance_impact_amount")],
            [3333.33, 5000.0],
        )
        # a custom rate of the customer, then none: the company's custom rate
        self.customer_b2b.write({"relance_margin_preset": "custom", "relance_margin_rate": 25.0})
        self.assertAlmostEqual(self._impact(self.retail_invoice), 4000.0)
        self.customer_b2b.relance_margin_preset = False
        self.company.write({"relance_margin_preset": "custom", "relance_margin_rate": 40.0})
        self.assertAlmostEqual(self._impact(self.retail_invoice), 2500.0)

    def test_customer_form_and_dashboard_totals(self):
        self._pay(self.retail_invoice, 400.0, date(2026, 1, 20))
        with freeze_time("2026-02-01"):
            self.customer_b2b.invalidate_recordset(["relance_impact_total"])
            # the 600 still due, at the customer's 30 %; a contact shows its company's total
            self.assertAlmostEqual(self.customer_b2b.relance_impact_total, 2000.0)
            contact = self.env["res.partner"].create(
                {"name": "Service comptable", "parent_id": self.customer_b2b.id}
            )
            self.assertEqual(contact.relance_margin_preset, "retail", "a commercial field")
            self.assertAlmostEqual(contact.relance_impact_total, 2000.0)
        dashboard = self.env["relance.dashboard"].create(
            {
                "company_id": self.company.id,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 1, 31),
            }
        )
        kpis = dashboard._kpis(date(2026, 1, 1), date(2026, 1, 31))
        # overdue on 31 January: 600 at 30 % and 700 at the company's 14 %
        self.assertAlmostEqual(kpis["impact"], 2000.0 + 5000.0)
        # on 9 January neither is overdue yet
        self.assertEqual(dashboard._kpis(date(2026, 1, 1), date(2026, 1, 9))["impact"], 0.0)
        self.assertIn("Revenue to make up for the overdue invoices", dashboard.kpi_html)
        # in the customer form, editing and creating (a new record)
        with freeze_time("2026-02-01"):
            with Form(self.customer_b2b) as form:
                self.assertAlmostEqual(form.relance_impact_total, 2000.0)
                form.relance_margin_preset = "wholesale"
            self.assertAlmostEqual(self.customer_b2b.relance_impact_total, 600.0 / 0.21, places=2)
            new = Form(self.env["res.partner"])
            new.name = "Nouveau client SARL"
            self.assertEqual(new.relance_impact_total, 0.0)

    def test_a_company_takes_the_preset_of_its_margin(self):
        companies = self.env["res.company"].create(
            [
                {"name": "Filiale A"},
                {"name": "Filiale B", "relance_margin_rate": 21.0},
                {"name": "Filiale C", "relance_margin_rate": 35.0},
            ]
        )
        self.assertEqual(
            companies.mapped("relance_margin_preset"), ["default", "wholesale", "custom"]
        )
        self.assertEqual(companies[2]._relance_margin(), 35.0)
        # a rate written by a program is the margin in force
        companies[0].relance_margin_rate = 30.0
        self.assertEqual(companies[0].relance_margin_preset, "retail")
        companies[0].relance_margin_rate = 26.0
        self.assertEqual(companies[0]._relance_margin(), 26.0)

    def test_settings_margin_preset(self):
        settings = self.env["res.config.settings"].create({"relance_margin_preset": "retail"})
        settings.execute()
        self.assertEqual(self.env.company._relance_margin(), 30.0)
        self.assertEqual(self.env.company.relance_margin_rate, 20.0, "the custom rate kept")
        # a custom rate typed, then a preset chosen: the preset is in force
        self.env["res.config.settings"].create(
            {"relance_margin_preset": "wholesale", "relance_margin_rate": 25.0}
        ).execute()
        self.assertEqual(self.env.company.relance_margin_preset, "wholesale")
        self.assertEqual(self.env.company._relance_margin(), 21.0)
