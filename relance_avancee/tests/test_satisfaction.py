import re
from datetime import date

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import HttpCase, tagged

from .common import RelanceCommon

DUE = date(2026, 3, 2)
TOKEN = re.compile(r"/rate/([0-9a-f]{32})/5")


class SatisfactionCommon(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.company.relance_rating_request = True
        cls.level = cls.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]

    @classmethod
    def _reminded(cls, partner, amount, reminded_on):
        invoice = cls._relance_invoice(partner, amount, DUE)
        cls._relance_action(partner, cls.level, "email", invoice, reminded_on, state="done")
        return invoice

    def _cron(self, day):
        with freeze_time(day):
            self.env["relance.satisfaction"]._cron_request_ratings()
        return self.env["relance.satisfaction"].search([("company_id", "=", self.company.id)])

    def _mails(self, satisfactions):
        return self.env["mail.mail"].search(
            [("model", "=", "relance.satisfaction"), ("res_id", "in", satisfactions.ids)]
        )

    def _token(self, satisfaction):
        """The token of the rating links of the satisfaction's email."""
        return TOKEN.search(str(self._mails(satisfaction).body_html)).group(1)


@tagged("post_install", "-at_install")
class TestSatisfaction(SatisfactionCommon):
    """The rating asked once reminded invoices are paid, and the satisfaction KPI."""

    def test_one_request_per_paid_reminded_invoices_never_twice(self):
        paid = self._reminded(self.customer_b2b, 500.0, date(2026, 3, 10))
        paid_too = self._reminded(self.customer_b2b, 300.0, date(2026, 3, 10))
        consumer = self._reminded(self.customer_b2c, 200.0, date(2026, 3, 12))
        still_due = self._reminded(self.customer_b2c, 150.0, date(2026, 3, 12))
        never_reminded = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        for invoice in paid | paid_too | consumer | never_reminded:
            self._pay(invoice, invoice.amount_total, date(2026, 3, 18))
        # off by default: a company asks for ratings by its setting
        self.company.relance_rating_request = False
        self.assertFalse(self._cron(date(2026, 3, 20)))
        self.company.relance_rating_request = True
        satisfactions = self._cron(date(2026, 3, 20))
        by_customer = {s.partner_id: s for s in satisfactions}
        self.assertEqual(set(by_customer), {self.customer_b2b, self.customer_b2c})
        self.assertEqual(by_customer[self.customer_b2b].move_ids, paid | paid_too)
        self.assertEqual(by_customer[self.customer_b2c].move_ids, consumer)
        self.assertFalse((still_due | never_reminded).relance_satisfaction_id)
        self.assertEqual(by_customer[self.customer_b2b].date, date(2026, 3, 20))
        # one email each, to the customer, with the links of Odoo's rating controller
        mails = self._mails(satisfactions)
        self.assertEqual(len(mails), 2)
        mail = mails.filtered(lambda m: m.res_id == by_customer[self.customer_b2b].id)
        self.assertEqual(mail.recipient_ids, self.customer_b2b)
        self.assertIn(paid.name, str(mail.body_html))
        rating = by_customer[self.customer_b2b].rating_ids
        self.assertEqual(self._token(by_customer[self.customer_b2b]), rating.access_token)
        self.assertEqual((rating.partner_id, rating.consumed), (self.customer_b2b, False))
        # the next day: nothing new; a later payment gets a request of its own
        self.assertEqual(self._cron(date(2026, 3, 21)), satisfactions)
        self._pay(still_due, 150.0, date(2026, 3, 25))
        new = self._cron(date(2026, 3, 26)) - satisfactions
        self.assertEqual(new.move_ids, still_due)
        self.assertEqual(len(self._mails(satisfactions | new)), 3)

    def test_old_reminders_and_handed_over_files_not_asked(self):
        old = self._reminded(self.customer_b2b, 500.0, date(2026, 1, 5))
        handed_over = self._reminded(self.customer_b2c, 400.0, date(2026, 3, 5))
        self._relance_action(
            self.customer_b2c, self.level, "handover", handed_over, date(2026, 3, 6), state="done"
        )
        for invoice in old | handed_over:
            self._pay(invoice, invoice.amount_total, date(2026, 3, 10))
        # reminded more than 60 days before: its customer would not remember
        self.assertFalse(self._cron(date(2026, 3, 10)))

    def test_rating_in_the_satisfaction_kpi(self):
        b2b = self._reminded(self.customer_b2b, 500.0, date(2026, 3, 10))
        b2c = self._reminded(self.customer_b2c, 200.0, date(2026, 3, 10))
        for invoice in b2b | b2c:
            self._pay(invoice, invoice.amount_total, date(2026, 3, 18))
        satisfactions = self._cron(date(2026, 3, 20))
        by_customer = {s.partner_id: s for s in satisfactions}
        # the customers click a smiley of their email, as Odoo's /rate controller applies it
        with freeze_time("2026-03-25 10:00"):
            by_customer[self.customer_b2b].rating_apply(
                5, token=self._token(by_customer[self.customer_b2b])
            )
        with freeze_time("2026-04-02 10:00"):
            by_customer[self.customer_b2c].rating_apply(
                1, token=self._token(by_customer[self.customer_b2c]), feedback="Too many calls"
            )
        self.assertEqual(by_customer[self.customer_b2c].rating_last_value, 1.0)
        self.assertIn("Too many calls", by_customer[self.customer_b2c].message_ids[0].body)
        dashboard = (
            self.env["relance.dashboard"]
            .with_user(self.manager)
            .create(
                {
                    "company_id": self.company.id,
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 4, 30),
                }
            )
        )
        kpis = dashboard._kpis(date(2026, 3, 1), date(2026, 4, 30))
        self.assertEqual((kpis["satisfaction"], kpis["satisfaction_count"]), (3.0, 2))
        march = dashboard._kpis(date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual((march["satisfaction"], march["satisfaction_count"]), (5.0, 1))
        february = dashboard._kpis(date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual((february["satisfaction"], february["satisfaction_count"]), (None, 0))
        rows = {
            row.xpath("./td")[0].text_content().strip(): [
                cell.text_content().strip() for cell in row.xpath("./td")[1:]
            ]
            for row in lxml_html.fromstring(str(dashboard.kpi_html)).xpath("//tbody/tr")
        }
        # the period and the one before (January - February: no rating)
        self.assertEqual(rows["Customer satisfaction (average rating out of 5)"], ["3.0", "—"])
        self.assertEqual(rows["Satisfaction ratings received"], ["2", "0"])
        # the ratings of another company's customers are not this company's
        other = self.setup_other_company()["company"]
        self.env["relance.satisfaction"].create(
            {"partner_id": self.customer_b2b.id, "company_id": other.id}
        )._rating_get_access_token()
        self.assertEqual(
            dashboard._kpis(date(2026, 3, 1), date(2026, 4, 30))["satisfaction_count"], 2
        )


@tagged("post_install", "-at_install", "relance_tour")
class TestSatisfactionPages(SatisfactionCommon, HttpCase):
    """The customer rates from the email's link, on Odoo's rating pages."""

    def test_rate_from_the_email_link(self):
        invoice = self._reminded(self.customer_b2b, 500.0, date(2026, 3, 10))
        self._pay(invoice, 500.0, date(2026, 3, 18))
        satisfaction = self._cron(date(2026, 3, 20))
        token = self._token(satisfaction)
        page = self.url_open(f"/rate/{token}/5")
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"csrf_token": csrf, "rate": 5, "feedback": "Courteous reminders"},
        )
        self.assertEqual(satisfaction.rating_ids.rating, 5.0)
        self.assertEqual(satisfaction.rating_ids.feedback, "Courteous reminders")
        self.assertTrue(satisfaction.rating_ids.consumed)
