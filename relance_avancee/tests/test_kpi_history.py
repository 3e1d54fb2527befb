from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestKpiHistory(RelanceCommon):
    """The KPIs month by month and the countback DSO, on a hand-built first quarter 2026
    (company currency, no tax; each invoice due 30 days after its date):

    - January 10: 3000, paid in full on March 10 (29 days after its due date, February 9);
    - February 10: 2000, reminded on March 13, 500 paid on March 20;
    - March 10: 1000, open (due on April 9).

    Receivables at the end of January 3000, of February 5000, of March 2500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.customer_b2b
        cls.january = cls._relance_invoice(
            customer, 3000.0, date(2026, 2, 9), invoice_date=date(2026, 1, 10)
        )
        cls.february = cls._relance_invoice(
            customer, 2000.0, date(2026, 3, 12), invoice_date=date(2026, 2, 10)
        )
        cls.march = cls._relance_invoice(
            customer, 1000.0, date(2026, 4, 9), invoice_date=date(2026, 3, 10)
        )
        cls._pay(cls.january, 3000.0, date(2026, 3, 10))
        level = cls.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
        cls._relance_action(customer, level, "email", cls.february, date(2026, 3, 13), state="done")
        cls._pay(cls.february, 500.0, date(2026, 3, 20))

    def _dashboard(self):
        return (
            self.env["relance.dashboard"]
            .with_user(self.manager)
            .create(
                {
                    "company_id": self.company.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 3, 31),
                }
            )
        )

    def _dso(self, date_from, date_to):
        return self._dashboard()._kpis(date_from, date_to)["dso"]

    def test_standard_dso(self):
        self.assertEqual(self._dso(date(2026, 3, 1), date(2026, 3, 31)), 77.5)  # 2500/1000 x 31
        self.assertEqual(self._dso(date(2026, 2, 1), date(2026, 2, 28)), 70.0)  # 5000/2000 x 28
        self.assertEqual(self._dso(date(2026, 1, 1), date(2026, 3, 31)), 37.5)  # 2500/6000 x 90

    def test_countback_dso_by_hand(self):
        self.company.relance_dso_method = "countback"
        # end of March, 2500: March's 1000 (31 days), then 1500 of February's 2000, 28 days
        # x 0.75 = 21: 52 days, whatever the period's start
        self.assertEqual(self._dso(date(2026, 3, 1), date(2026, 3, 31)), 52.0)
        self.assertEqual(self._dso(date(2026, 1, 1), date(2026, 3, 31)), 52.0)
        # end of February, 5000: the month to February 28 (from January 29, 31 days)
        # holds February's 2000, the month before (31 days) January's 3000: 62 days
        self.assertEqual(self._dso(date(2026, 2, 1), date(2026, 2, 28)), 62.0)
        # mid-March, 3000 (January's invoice paid): March 10's 1000 in February 16 - March
        # 15 (28 days), February 10's 2000 in January 16 - February 15 (31 days): 59 days
        self.assertEqual(self._dso(date(2026, 3, 1), date(2026, 3, 15)), 59.0)
        # before any sale: nothing outstanding
        self.assertEqual(self._dso(date(2025, 12, 1), date(2025, 12, 31)), 0.0)

    def test_twelve_months(self):
        with freeze_time("2026-03-25 10:00"):
            satisfaction = self.env["relance.satisfaction"]._request_for(
                self.january, date(2026, 3, 20)
            )
            satisfaction.rating_apply(5, token=satisfaction._rating_get_access_token())
        months = self.env["relance.kpi.month"].with_user(self.manager)
        rows = months._refresh(self.company, date(2026, 4, 15))
        self.assertEqual(
            [(row.month, row.date_to) for row in rows][:2] + [(rows[-1].month, rows[-1].date_to)],
            [
                (date(2025, 5, 1), date(2025, 5, 31)),
                (date(2025, 6, 1), date(2025, 6, 30)),
                (date(2026, 4, 1), date(2026, 4, 15)),
            ],
        )
        self.assertEqual(len(rows), 12)
        by_month = {row.month: row for row in rows}
        figures = ("dso", "collection_delay", "recovery_rate", "amount_reminded")
        figures += ("amount_recovered", "receivables", "overdue", "satisfaction")
        figures += ("satisfaction_count",)
        expected = {
            date(2026, 1, 1): (31.0, 0, 0, 0, 0, 3000.0, 0, 0, 0),
            date(2026, 2, 1): (70.0, 0, 0, 0, 0, 5000.0, 3000.0, 0, 0),
            # January's paid 29 days late; 500 of the 2000 reminded paid within 15 days;
            # overdue: February's 1500 (March's invoice is not due)
            date(2026, 3, 1): (77.5, 29.0, 25.0, 2000.0, 500.0, 2500.0, 1500.0, 5.0, 1),
            # no sale in April: no DSO; March's invoice overdue since the 9th
            date(2026, 4, 1): (0, 0, 0, 0, 0, 2500.0, 2500.0, 0, 0),
            date(2025, 12, 1): (0,) * 9,
        }
        for month, values in expected.items():
            self.assertEqual(
                tuple(by_month[month][name] for name in figures), values, month.isoformat()
            )
        # the graph and pivot views read them grouped by month
        [(total,)] = months._read_group(
            [("month", ">=", date(2026, 1, 1))], [], ["amount_reminded:sum"]
        )
        self.assertEqual(total, 2000.0)
        # one definition of the DSO: the company's method applies to the months too
        self.company.relance_dso_method = "countback"
        rows = months._refresh(self.company, date(2026, 4, 15))
        self.assertEqual(rows.filtered(lambda r: r.month == date(2026, 3, 1)).dso, 52.0)
        self.assertEqual(len(months.search([])), 12, "the earlier rows are replaced")

    def test_menu_computes_the_companies_of_the_user(self):
        with freeze_time("2026-04-15"):
            action = self.env.ref("relance_avancee.relance_kpi_month_action_open")
            result = action.with_user(self.manager).run()
        self.assertEqual(result["res_model"], "relance.kpi.month")
        rows = self.env["relance.kpi.month"].with_user(self.manager).search([])
        self.assertEqual(len(rows), 12)
        self.assertEqual(rows.company_id, self.company)
        self.assertEqual(rows.filtered(lambda r: r.month == date(2026, 3, 1)).dso, 77.5)
        # the rows are the user's own; a manager of another company cannot compute these
        other = self.setup_other_company()["company"]
        manager_b = new_test_user(
            self.env,
            login="relance_kpi_manager_b",
            groups="account.group_account_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.env["relance.kpi.month"].with_user(manager_b).search([]))
        with self.assertRaises(AccessError):
            self.env["relance.kpi.month"].with_user(manager_b)._refresh(
                self.company, date(2026, 4, 15)
            )
        with self.assertRaises(AccessError):
            action.with_user(self.accountant).run()


@tagged("post_install", "-at_install", "relance_tour")
class TestKpiHistoryTour(RelanceCommon, HttpCase):
    def test_monthly_kpis_and_causes_tour(self):
        invoice = self._relance_invoice(self.customer_b2b, 700.0, fields.Date.today())
        invoice._relance_set_cause("cash")
        self.start_tour("/odoo", "relance_kpi_month_tour", login=self.manager.login)
        rows = self.env["relance.kpi.month"].search([("create_uid", "=", self.manager.id)])
        self.assertEqual(len(rows), 12)
