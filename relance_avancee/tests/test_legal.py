from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestLegal(RelanceCommon):
    """French late-payment law against hand-computed figures (rates of the shipped data)."""

    def _amounts(self, invoice, at):
        return invoice._relance_legal_amounts(at)[invoice.id]

    def _indemnity(self, at):
        return self.env.ref("base.EUR")._convert(40.0, self.company.currency_id, self.company, at)

    def test_b2b_interest_across_a_half_year_boundary(self):
        invoice = self._relance_invoice(self.customer_b2b, 10000.0, date(2025, 6, 15))
        amounts = self._amounts(invoice, date(2025, 8, 14))
        # 15 days of H1 2025 at 3.15 + 10 = 13.15 %, 45 days of H2 2025 at 2.15 + 10 = 12.15 %
        # 10000 x (0.1315 x 15 + 0.1215 x 45) / 365 = 203.836
        self.assertAlmostEqual(amounts["interest"], 203.84, places=2)
        self.assertAlmostEqual(amounts["indemnity"], self._indemnity(date(2025, 8, 14)))
        self.assertAlmostEqual(amounts["total"], 10000.0 + 203.84 + amounts["indemnity"], places=2)
        # the computed fields give the same figures at the run date
        invoice = invoice.with_context(relance_date=date(2025, 8, 14))
        self.assertAlmostEqual(invoice.relance_interest_amount, 203.84, places=2)

    def test_no_interest_before_or_on_the_due_date(self):
        invoice = self._relance_invoice(self.customer_b2b, 1000.0, date(2025, 6, 15))
        amounts = self._amounts(invoice, date(2025, 6, 15))
        self.assertEqual(amounts["interest"], 0.0)
        self.assertEqual(amounts["indemnity"], 0.0)

    def test_contractual_rate_and_its_floor(self):
        # H1 2026 legal rate 2.62 %: the floor is 3 x 2.62 = 7.86 %
        with self.assertRaises(ValidationError):
            self.company.write({"relance_penalty_mode": "contract", "relance_penalty_rate": 7.5})
        self.company.write({"relance_penalty_mode": "contract", "relance_penalty_rate": 9.0})
        invoice = self._relance_invoice(self.customer_b2b, 3650.0, date(2026, 1, 10))
        # 3650 x 9 % x 40 / 365 = 36.00
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 2, 19))["interest"], 36.0)

    def test_indemnity_once_per_b2b_invoice_never_b2c(self):
        b2b = self._relance_invoice(self.customer_b2b, 500.0, date(2025, 9, 1))
        b2c = self._relance_invoice(self.customer_b2c, 500.0, date(2025, 9, 1))
        amounts = (b2b | b2c)._relance_legal_amounts(date(2026, 1, 31))
        indemnity = self._indemnity(date(2026, 1, 31))
        self.assertAlmostEqual(amounts[b2b.id]["indemnity"], indemnity)
        # once, whatever the delay, even partly paid
        self._pay(b2b, 200.0, date(2025, 12, 1))
        later = b2b._relance_legal_amounts(date(2026, 6, 30))[b2b.id]
        self.assertAlmostEqual(later["indemnity"], self._indemnity(date(2026, 6, 30)))
        self.assertAlmostEqual(later["principal"], 300.0)
        self.assertEqual(amounts[b2c.id]["indemnity"], 0.0)

    def test_b2c_interest_only_after_the_formal_notice(self):
        invoice = self._relance_invoice(self.customer_b2c, 7300.0, date(2025, 9, 1))
        self.assertEqual(self._amounts(invoice, date(2026, 2, 28))["interest"], 0.0)
        level = self.policy_b2c.level_ids.filtered(lambda lv: lv.offset_days == 45)
        notice = self.env["relance.history"].create(
            {
                "date": date(2026, 1, 1),
                "company_id": self.company.id,
                "partner_id": self.customer_b2c.id,
                "level_id": level.id,
                "channel_id": self.env.ref("relance_avancee.channel_notice").id,
                "state": "done",
                "line_ids": [Command.create({"move_id": invoice.id, "amount_residual": 7300.0})],
            }
        )
        # from the notice's presumed receipt, 3 days after it was sent (4 January): 55 days
        # of H1 2026 at the legal rate 2.62 %: 7300 x 0.0262 x 55 / 365 = 28.820
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 2, 28))["interest"], 28.82)
        self.assertEqual(self._amounts(invoice, date(2026, 2, 28))["indemnity"], 0.0)
        # received on 5 January: 54 days, 7300 x 0.0262 x 54 / 365 = 28.296
        notice.acknowledgment_date = date(2026, 1, 5)
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 2, 28))["interest"], 28.3)

    def _notice(self, partner, invoice, when):
        """A formal notice received the day it was sent."""
        level = self.policy_b2c.level_ids.filtered(lambda lv: lv.offset_days == 45)
        return self.env["relance.history"].create(
            {
                "date": when,
                "acknowledgment_date": when,
                "company_id": self.company.id,
                "partner_id": partner.id,
                "level_id": level.id,
                "channel_id": self.env.ref("relance_avancee.channel_notice").id,
                "state": "done",
                "line_ids": [
                    Command.create(
                        {"move_id": invoice.id, "amount_residual": invoice.amount_residual}
                    )
                ],
            }
        )

    def test_a_half_year_without_its_legal_rate_warns_instead_of_reusing_the_last(self):
        """The shipped legal rates stop at H1 2026: a B2C claim in H2 2026 has no figure
        (it used to take H1's rate silently) and says so on the invoice and the run line."""
        invoice = self._relance_invoice(self.customer_b2c, 7300.0, date(2026, 5, 1))
        self._notice(self.customer_b2c, invoice, date(2026, 6, 1))
        # June is H1 2026: 7300 x 0.0262 x 29 / 365 = 15.196
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 6, 30))["interest"], 15.2)
        amounts = self._amounts(invoice, date(2026, 7, 31))
        self.assertEqual(amounts["interest"], 0.0)
        self.assertEqual(amounts["missing_rate"], date(2026, 7, 1))
        self.assertIn("half-year starting 07/01/2026", amounts["warning"])
        at_july = invoice.with_context(relance_date=date(2026, 7, 31))
        self.assertEqual(at_july.relance_legal_warning, amounts["warning"])
        run = self.env["relance.run"].create(
            {"date": date(2026, 7, 31), "company_id": self.company.id}
        )
        line = self.env["relance.run.line"].create(
            {
                "run_id": run.id,
                "partner_id": self.customer_b2c.id,
                "move_ids": [Command.set(invoice.ids)],
            }
        )
        self.assertEqual(line.legal_warning, amounts["warning"])
        # entered, the rate gives the figure: 7300 x (0.0262 x 29 + 0.03 x 31) / 365 = 33.796
        self.env["relance.rate"].create(
            {"rate_type": "legal_professional", "date_from": date(2026, 7, 1), "rate": 3.0}
        )
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 7, 31))["interest"], 33.8)

    def test_interest_since_2023_with_the_shipped_rates(self):
        """Claims reach 5 years back: the ECB rates are shipped from before mid-2021."""
        invoice = self._relance_invoice(self.customer_b2b, 10000.0, date(2023, 11, 15))
        amounts = self._amounts(invoice, date(2024, 1, 15))
        # 46 days of H2 2023 at 4.00 (ECB of 1 July 2023) + 10 = 14 %, 15 days of H1 2024
        # at 4.50 + 10 = 14.5 %: 10000 x (0.14 x 46 + 0.145 x 15) / 365 = 236.027
        self.assertAlmostEqual(amounts["interest"], 236.03, places=2)
        self.assertFalse(amounts["warning"])
        older = self._relance_invoice(self.customer_b2b, 3650.0, date(2021, 12, 31))
        # H1 2022: ECB 0.00 + 10 = 10 %: 3650 x 0.10 x 31 / 365 = 31.00
        self.assertAlmostEqual(self._amounts(older, date(2022, 1, 31))["interest"], 31.0)

    def test_partial_payment_lowers_the_base_from_its_date(self):
        invoice = self._relance_invoice(self.customer_b2b, 10000.0, date(2025, 6, 15))
        self._pay(invoice, 4000.0, date(2025, 7, 15))
        amounts = self._amounts(invoice, date(2025, 8, 14))
        # 10000 x 0.1315 x 15 (H1) + 10000 x 0.1215 x 15 (1-15 July) + 6000 x 0.1215 x 30
        # = (19725 + 18225 + 21870) / 365 = 163.890
        self.assertAlmostEqual(amounts["interest"], 163.89, places=2)
        self.assertAlmostEqual(amounts["principal"], 6000.0)
        # before the payment, the whole amount bears interest:
        # 10000 x (0.1315 x 15 + 0.1215 x 10) / 365 = 87.329
        self.assertAlmostEqual(self._amounts(invoice, date(2025, 7, 10))["interest"], 87.33, 2)

    def test_missing_rate_gives_no_figure(self):
        self.env["relance.rate"].search([("rate_type", "=", "ecb")]).unlink()
        invoice = self._relance_invoice(self.customer_b2b, 1000.0, date(2025, 6, 15))
        amounts = self._amounts(invoice, date(2025, 8, 14))
        self.assertEqual(amounts["interest"], 0.0)
        self.assertIn("no reference rate entered for the half-year starting", amounts["warning"])
        # the letter says that the interest is not included rather than claiming 0
        level = self.policy_b2b.level_ids.filtered(lambda lv: lv.offset_days == 40)
        letter = self._relance_action(
            self.customer_b2b, level, "notice", invoice, date(2025, 8, 14)
        )
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "relance_avancee.report_relance_letter", letter.ids
        )
        self.assertIn(
            "Late-payment interest from 01/01/2025 is not included", " ".join(html.decode().split())
        )

    def test_penalty_invoice_created_once(self):
        invoices = self._relance_invoice(
            self.customer_b2b, 10000.0, date(2025, 6, 15)
        ) | self._relance_invoice(self.customer_b2b, 1000.0, date(2025, 6, 15))
        invoices = invoices.with_context(relance_date=date(2025, 8, 14))
        action = invoices.with_user(self.accountant).action_relance_invoice_penalties()
        penalty = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(penalty), 1)
        self.assertEqual(invoices.relance_penalty_move_id, penalty)
        self.assertEqual(penalty.partner_id, self.customer_b2b)
        self.assertFalse(penalty.invoice_line_ids.tax_ids)
        self.assertEqual(len(penalty.invoice_line_ids), 4)  # interest + indemnity, x2
        interest = penalty.invoice_line_ids.filtered(lambda line: invoices[0].name in line.name)
        self.assertAlmostEqual(
            sum(interest.mapped("price_unit")),
            203.84 + self._indemnity(date(2025, 8, 14)),
            places=2,
        )
        with self.assertRaises(UserError):
            invoices.action_relance_invoice_penalties()

    def test_prescription_dates_and_alerts(self):
        b2b = self._relance_invoice(self.customer_b2b, 100.0, date(2021, 3, 1))
        b2c = self._relance_invoice(self.customer_b2c, 100.0, date(2024, 3, 1))
        # invoice dates are 30 days before the due dates
        self.assertEqual(b2b.relance_prescription_date, date(2026, 1, 30))
        self.assertEqual(b2c.relance_prescription_date, date(2026, 1, 31))
        self.env["relance.legal"]._prescription_alerts(date(2025, 11, 5), self.company)
        self.assertEqual(len(b2b.activity_ids), 1)
        self.assertEqual(b2b.relance_prescription_alerted, 90)
        self.env["relance.legal"]._prescription_alerts(date(2025, 11, 6), self.company)
        self.assertEqual(len(b2b.activity_ids), 1, "an alert is given once")
        self.env["relance.legal"]._prescription_alerts(date(2026, 1, 1), self.company)
        self.assertEqual(len(b2b.activity_ids), 2)
        self.assertEqual(b2b.relance_prescription_alerted, 30)
        # an acknowledgment of debt restarts the period, and the alerts
        b2b.write(
            {
                "relance_interruption_date": date(2026, 1, 5),
                "relance_interruption_type": "acknowledgment",
            }
        )
        self.assertEqual(b2b.relance_prescription_date, date(2031, 1, 5))
        self.assertEqual(b2b.relance_prescription_alerted, 0)
        # first seen 21 days before: the 30-day alert only, which says 21 days
        late = self._relance_invoice(self.customer_b2b, 100.0, date(2021, 3, 20))
        self.env["relance.legal"]._prescription_alerts(date(2026, 1, 28), self.company)
        self.assertEqual(late.activity_ids.mapped("summary"), ["Prescription in 21 days"])
        self.assertEqual(late.relance_prescription_alerted, 30)
        # the delivery date, when set, is the starting point
        b2c.delivery_date = date(2023, 12, 15)
        self.assertEqual(b2c.relance_prescription_date, date(2025, 12, 15))

    def test_impact_figure(self):
        invoice = self._relance_invoice(self.customer_b2b, 1000.0, date(2026, 1, 10))
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 2, 1))["impact"], 5000.0)
        self.company.relance_margin_rate = 40.0
        self.assertAlmostEqual(self._amounts(invoice, date(2026, 2, 1))["impact"], 2500.0)

    def test_invoice_mentions(self):
        self.company.action_relance_add_invoice_mentions()
        self.company.action_relance_add_invoice_mentions()
        terms = self.company.invoice_terms
        self.assertEqual(terms.count("D441-5"), 1)
        self.assertIn("40 EUR", terms)
        self.assertIn("ECB key interest rate plus 10 percentage points", terms)
        self.assertNotIn("discount", terms, "stated on each invoice, from its payment terms")
        invoice = self._relance_invoice(self.customer_b2b, 100.0, date(2026, 1, 10), post=False)
        self.assertIn("D441-5", str(invoice.narration))
