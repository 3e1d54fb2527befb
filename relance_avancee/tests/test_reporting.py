import io
from datetime import date, timedelta

import openpyxl
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestReporting(RelanceCommon):
    """KPIs on a hand-built March 2026 with known answers (company currency)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_currency = cls.setup_other_currency("EUR")
        customer = cls.customer_b2b
        # A: issued in February, paid in full 23 days late, in March
        cls.inv_a = cls._dated_invoice(customer, 1000.0, date(2026, 2, 1), date(2026, 2, 15))
        cls._pay(cls.inv_a, 1000.0, date(2026, 3, 10))
        # B: issued and paid in March, 5 days late
        cls.inv_b = cls._dated_invoice(customer, 2000.0, date(2026, 3, 5), date(2026, 3, 20))
        cls._pay(cls.inv_b, 2000.0, date(2026, 3, 25))
        # C: not due at the end of March
        cls.inv_c = cls._dated_invoice(customer, 500.0, date(2026, 3, 10), date(2026, 4, 10))
        # D: overdue, partly paid (300 of 800) after a reminder
        cls.inv_d = cls._dated_invoice(customer, 800.0, date(2026, 3, 1), date(2026, 3, 15))
        cls._pay(cls.inv_d, 300.0, date(2026, 3, 20))
        # E: a credit note of 100, open
        cls.refund = cls._dated_invoice(
            customer, 100.0, date(2026, 3, 12), date(2026, 3, 12), move_type="out_refund"
        )

    @classmethod
    def _dated_invoice(cls, partner, amount, invoice_date, due, move_type="out_invoice", **kw):
        invoice = cls._create_invoice(
            move_type=move_type,
            partner_id=partner,
            invoice_date=invoice_date,
            invoice_date_due=due,
            invoice_payment_term_id=False,
            invoice_line_ids=[cls._prepare_invoice_line(price_unit=amount, tax_ids=[])],
            **kw,
        )
        invoice.action_post()
        return invoice

    def _dashboard(self, start, end, user=None):
        env = self.env(user=user) if user else self.env
        return env["relance.dashboard"].create(
            {"company_id": self.company.id, "date_from": start, "date_to": end}
        )

    def _remind(self, invoice, when, amount_residual):
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days == 7)
        return self.env["relance.history"].create(
            {
                "date": when,
                "company_id": self.company.id,
                "partner_id": invoice.partner_id.id,
                "level_id": level.id,
                "channel_id": self.env.ref("relance_avancee.channel_email").id,
                "state": "done",
                "amount_due": amount_residual,
                "line_ids": [
                    Command.create({"move_id": invoice.id, "amount_residual": amount_residual})
                ],
            }
        )

    def test_kpis_against_hand_computed_values(self):
        self._remind(self.inv_d, date(2026, 3, 16), 800.0)
        self._remind(self.inv_c, date(2026, 3, 1), 500.0)  # nothing paid after it
        kpis = self._dashboard(date(2026, 3, 1), date(2026, 3, 31))._kpis(
            date(2026, 3, 1), date(2026, 3, 31)
        )
        # receivables: 1000 at the start, 900 at the end (C 500 + D 500 - E 100), of which
        # 500 not due (C); credit sales 2000 + 500 + 800 - 100 = 3200
        self.assertEqual(kpis["dso"], 8.7)  # 900 / 3200 x 31 days
        self.assertEqual(kpis["cei"], 89.2)  # (1000+3200-900) / (1000+3200-500)
        self.assertEqual(kpis["collection_delay"], 14.0)  # A 23 days, B 5 days
        # reminded 800 + 500, of which 300 paid within 15 days (on D)
        self.assertEqual(kpis["recovery_rate"], round(300 / 1300 * 100, 1))
        by_level = {(row[0].offset_days, row[1]): row[2:] for row in kpis["recovery_by_level"]}
        self.assertEqual(by_level[(7, "email")], (1300.0, 300.0, 300 / 1300 * 100))

    def _table_rows(self, html):
        tree = lxml_html.fromstring(str(html))
        return [
            [cell.text_content().strip() for cell in row.xpath("./th|./td")]
            for row in tree.xpath("//tr")
        ]

    def test_dashboard_tables(self):
        self._remind(self.inv_d, date(2026, 3, 16), 800.0)
        self._remind(self.inv_c, date(2026, 3, 1), 500.0)
        dashboard = self._dashboard(date(2026, 3, 1), date(2026, 3, 31))
        money = self.company.currency_id.format
        # the period before: 29 January - 28 February, A issued (1000) and not yet paid
        self.assertEqual(
            self._table_rows(dashboard.kpi_html),
            [
                ["Indicator", "Period", "Previous period"],
                ["DSO (days)", "8.7", "31.0"],
                ["Average collection delay (days)", "14.0", "—"],
                ["Collection effectiveness index (%)", "89.2", "0.0"],
                ["Recovery rate within 15 days (%)", "23.1", "—"],
                ["Customer satisfaction (average rating out of 5)", "—", "—"],
                ["Satisfaction ratings received", "0", "0"],
                ["Promises kept", "0", "0"],
                ["Promises broken", "0", "0"],
                ["Open disputes", "0", "0"],
                ["Average age of open disputes (days)", "—", "—"],
                ["Amount handed over to legal", money(0.0), money(0.0)],
                # overdue at the end: D's 500 (A's 1000 the period before), at 20 %
                [
                    "Revenue to make up for the overdue invoices (end of period)",
                    money(2500.0),
                    money(5000.0),
                ],
                ["Recovered by agencies on the files handed over (%)", "—", "—"],
            ],
        )
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days == 7)
        self.assertEqual(
            self._table_rows(dashboard.recovery_html),
            [
                ["Level", "Channel", "Reminded", "Paid within 15 days", "Recovery rate"],
                [
                    level.display_name,
                    "Email",
                    money(1300.0),
                    money(300.0),
                    "23.1\N{NO-BREAK SPACE}%",
                ],
            ],
        )

    def test_recovery_window_is_15_days(self):
        self._remind(self.inv_d, date(2026, 3, 4), 800.0)  # payment 16 days later
        kpis = self._dashboard(date(2026, 3, 1), date(2026, 3, 31))._kpis(
            date(2026, 3, 1), date(2026, 3, 31)
        )
        self.assertEqual(kpis["recovery_rate"], 0.0)

    def test_promises_disputes_and_handover_kpis(self):
        kept = self.env["relance.promise"]._promise_for(self.inv_c, date(2026, 3, 20), 500.0)
        kept.state = "kept"
        broken = self.env["relance.promise"]._promise_for(self.inv_d, date(2026, 3, 22), 500.0)
        broken.state = "broken"
        with freeze_time("2026-03-11"):
            self.env["relance.dispute"]._open_for(self.inv_d, "amount")
        with freeze_time("2026-03-05"):
            closed = self.env["relance.dispute"]._open_for(self.inv_c, "other")
        closed.write({"state": "rejected", "date_closed": date(2026, 3, 8)})
        handover = self._remind(self.inv_c, date(2026, 3, 25), 500.0)
        handover.channel_id = self.env.ref("relance_avancee.channel_handover")
        dashboard = self._dashboard(date(2026, 3, 1), date(2026, 3, 31))
        kpis = dashboard._kpis(date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual((kpis["promises_kept"], kpis["promises_broken"]), (1, 1))
        self.assertEqual(kpis["disputes_open"], 1)  # the one closed on the 8th no longer
        self.assertEqual(kpis["dispute_age"], 20.0)
        self.assertEqual(kpis["handed_over"], 500.0)
        # on the 7th only the dispute of the 5th was open, 2 days old
        early = dashboard._kpis(date(2026, 3, 1), date(2026, 3, 7))
        self.assertEqual((early["disputes_open"], early["dispute_age"]), (1, 2.0))
        self.assertEqual(early["handed_over"], 0.0)
        # the screen shows the period and the previous one
        self.assertIn("Previous period", dashboard.kpi_html)
        self.assertIn("8.7", dashboard.kpi_html)

    def test_foreign_currency_in_company_currency(self):
        invoice = self._dated_invoice(
            self.customer_b2c,
            1000.0,
            date(2026, 3, 2),
            date(2026, 3, 16),
            currency_id=self.other_currency.id,
        )
        with freeze_time("2026-03-31"):
            row = self.env["relance.receivable.report"].search([("move_id", "=", invoice.id)])
        self.assertEqual(row.amount_residual, 500.0)  # 1000 EUR at 2 EUR for 1 USD
        self.assertEqual((row.policy_id, row.policy_type), (invoice.relance_policy_id, "b2c"))

    def test_age_buckets_at_boundary_days(self):
        today = date(2026, 6, 30)
        expected = {0: "0_not_due", 1: "1_30", 30: "1_30", 31: "2_60", 60: "2_60"}
        expected.update({61: "3_90", 90: "3_90", 91: "4_over"})
        invoices = {
            days: self._dated_invoice(
                self.customer_b2c, 10.0, date(2026, 1, 1), today - timedelta(days=days)
            )
            for days in expected
        }
        with freeze_time(today):
            rows = self.env["relance.receivable.report"].search(
                [("move_id", "in", [inv.id for inv in invoices.values()])]
            )
            buckets = {row.move_id.id: (row.age_bucket, row.days_overdue) for row in rows}
        for days, bucket in expected.items():
            self.assertEqual(buckets[invoices[days].id], (bucket, days), days)

    def test_behaviour_grade(self):
        behaviour = self.customer_b2b._relance_behaviour(date(2026, 4, 1))[self.customer_b2b.id]
        self.assertAlmostEqual(behaviour["avg_days_late"], 14.0)  # A 23, B 5
        self.assertEqual(behaviour["on_time_rate"], 0.0)
        self.assertEqual(behaviour["grade"], "average")
        self.company.relance_grade_good_days = 15
        behaviour = self.customer_b2b._relance_behaviour(date(2026, 4, 1))[self.customer_b2b.id]
        self.assertEqual(behaviour["grade"], "good")
        self.company.write({"relance_grade_good_days": 2, "relance_grade_poor_days": 10})
        behaviour = self.customer_b2b._relance_behaviour(date(2026, 4, 1))[self.customer_b2b.id]
        self.assertEqual(behaviour["grade"], "poor")
        # twelve months later these payments no longer count
        later = self.customer_b2b._relance_behaviour(date(2027, 4, 1))[self.customer_b2b.id]
        self.assertIsNone(later["grade"])

    def test_xlsx_aged_balance(self):
        with freeze_time("2026-03-31"):
            wizard = self.env["relance.xlsx.export"].create(
                {"export_type": "aged", "company_id": self.company.id, "date": date(2026, 3, 31)}
            )
            content = wizard._build()
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book.active
        self.assertEqual(sheet["A1"].value, "Customer")
        self.assertEqual(sheet["J1"].value, "Amount due")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:J4")
        rows = {row[1]: row for row in sheet.iter_rows(min_row=2, max_row=4, values_only=True)}
        self.assertEqual(set(rows), {self.inv_c.name, self.inv_d.name, self.refund.name})
        self.assertEqual(rows[self.inv_d.name][9], 500.0)
        self.assertEqual(rows[self.inv_d.name][4], 16)
        self.assertEqual(rows[self.inv_d.name][3].date(), date(2026, 3, 15))
        self.assertEqual(rows[self.refund.name][9], -100.0)
        self.assertEqual(sheet["J5"].value, "=SUBTOTAL(9,J2:J4)")
        self.assertIn("#,##0.00", sheet["J2"].number_format)
        self.assertEqual(sheet["C2"].number_format, "dd/mm/yyyy")
        self.assertGreater(sheet.column_dimensions["A"].width, 30)

    def test_xlsx_from_the_invoice_list_selection(self):
        action = self.env.ref("relance_avancee.relance_xlsx_export_selection_action")
        with freeze_time("2026-03-31"):
            result = (
                action.with_user(self.manager)
                .with_context(active_model="account.move", active_ids=(self.inv_c | self.inv_d).ids)
                .run()
            )
        attachment_id = int(result["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertTrue(attachment.name.endswith(".xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.raw)).active
        names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
        self.assertEqual(names, {self.inv_c.name, self.inv_d.name})
        self.assertEqual(sheet["J4"].value, "=SUBTOTAL(9,J2:J3)")

    def test_xlsx_history_of_a_period(self):
        self._remind(self.inv_d, date(2026, 3, 16), 800.0)
        self._remind(self.inv_c, date(2026, 5, 1), 500.0)  # out of the period
        wizard = self.env["relance.xlsx.export"].create(
            {
                "export_type": "history",
                "company_id": self.company.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
            }
        )
        sheet = openpyxl.load_workbook(io.BytesIO(wizard._build())).active
        self.assertEqual(sheet.max_row, 3)  # header, one action, total
        self.assertEqual(sheet["F2"].value, self.inv_d.name)
        self.assertEqual(sheet["D2"].value, "Email")
        self.assertEqual(sheet["G2"].value, 800.0)

    def test_access(self):
        with self.assertRaises(AccessError):
            self._dashboard(date(2026, 3, 1), date(2026, 3, 31), user=self.accountant)
        with self.assertRaises(AccessError):
            self.env["relance.receivable.report"].with_user(self.accountant).search([])
        self.assertTrue(self.env["relance.receivable.report"].with_user(self.manager).search([]))
        other = self.setup_other_company()["company"]
        manager_b = new_test_user(
            self.env,
            login="relance_manager_b",
            groups="account.group_account_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        rows = self.env["relance.receivable.report"].with_user(manager_b).search([])
        self.assertFalse(rows.filtered(lambda r: r.company_id == self.company))
        actions = self.env["relance.action.report"].with_user(manager_b).search([])
        self.assertFalse(actions)
        # the dashboard and the exports read in SQL: not for a company the user can't access
        dashboard_a = self._dashboard(date(2026, 3, 1), date(2026, 3, 31), user=manager_b)
        with self.assertRaises(AccessError):
            dashboard_a._kpis(date(2026, 3, 1), date(2026, 3, 31))
        export = self.env["relance.xlsx.export"].with_user(manager_b)
        with self.assertRaises(AccessError):
            export.create({"company_id": self.company.id})._build()
        # nor the payment behaviour of a shared customer in company A
        customer = self.customer_b2b.with_user(manager_b)
        behaviour = customer._relance_behaviour(date(2026, 4, 1))[customer.id]
        self.assertEqual((behaviour["grade"], behaviour["reminders"]), (None, 0))
        own = self.env["relance.dashboard"].with_user(manager_b).create({})
        self.assertEqual(own.company_id, other)
        self.assertIn("Previous period", own.kpi_html)

    def test_run_orders_the_worst_payers_first(self):
        (self.policy_b2b | self.policy_b2c).mode = "validate"
        # customer_b2b paid 14 days late on average (A, B): a poor payer from 10 days
        self.company.write({"relance_grade_good_days": 2, "relance_grade_poor_days": 10})
        good = self.env["res.partner"].create({"name": "Bon Payeur SA", "is_company": True})
        big = self._dated_invoice(good, 9000.0, date(2026, 3, 1), date(2026, 3, 20))
        run = self.env["relance.engine"]._prepare_run(date(2026, 4, 10), self.company)
        lines = self.env["relance.run.line"].search(
            [("run_id", "=", run.id), ("state", "=", "proposed")]
        )
        partners = lines.mapped("partner_id")
        self.assertEqual(lines[0].priority, 3)
        self.assertEqual(partners[0], self.customer_b2b, "the poor payer comes first")
        self.assertIn(good, partners)
        self.assertIn(big, lines.move_ids)
