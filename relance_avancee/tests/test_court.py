import io
import zipfile
from datetime import date

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import formatLang

from ..report.relance_injunction import INJUNCTION_REPORT
from .common import RelanceCommon

LETTER_REPORT = "relance_avancee.report_relance_letter"
NOTICE_DAY = date(2026, 3, 13)
HANDOVER_DAY = date(2026, 4, 2)
AMOUNTS = ("principal", "interest", "indemnity", "costs", "total")


def text(node):
    return " ".join(node.text_content().split())


@tagged("post_install", "-at_install")
class TestCourt(RelanceCommon):
    """The court and agency stage after the formal notice: the order for payment file,
    the simplified recovery of small claims, the agencies' fees and recoveries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        france = cls.env.ref("base.fr")
        cls.company.write(
            {
                "street": "25 rue des Artisans",
                "zip": "69003",
                "city": "Lyon",
                "country_id": france.id,
                "company_registry": "334 175 221 00016",
            }
        )
        cls.customer_b2b.write(
            {
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "country_id": france.id,
                "company_registry": "552 100 554 RCS Lyon",
            }
        )
        cls.customer_b2c.write(
            {
                "street": "3 place du Capitole",
                "zip": "31000",
                "city": "Toulouse",
                "country_id": france.id,
            }
        )
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Étude Fabre, commissaire de justice",
                "is_company": True,
                "relance_is_agency": True,
                "relance_agency_fee_rate": 10.0,
                "relance_agency_fixed_fee": 50.0,
                "relance_agency_min_fee": 200.0,
            }
        )

    # helpers -----------------------------------------------------------------------------

    def _money(self, amount):
        """The amount as the reports print it, in the company's currency."""
        return " ".join(formatLang(self.env, amount, currency_obj=self.company.currency_id).split())

    def _notice(self, partner, policy, invoices, when=NOTICE_DAY):
        level = policy.level_ids.filtered(lambda lv: "notice" in lv.channel_ids.mapped("code"))
        notice = self._relance_action(partner, level[:1], "notice", invoices, when)
        notice._execute()
        notice.write({"registered_letter_number": "1A 234 567 8901 2", "state": "done"})
        notice.acknowledgment_date = date(2026, 3, 16)
        return notice

    def _wizard(self, partner, agency=None, costs=0.0):
        with freeze_time(HANDOVER_DAY):
            wizard = (
                self.env["relance.handover"]
                .with_user(self.manager)
                .create(
                    {
                        "partner_id": partner.id,
                        "agency_id": (agency or self.agency).id,
                        "costs": costs,
                    }
                )
            )
            wizard._compute_estimate()  # the estimate at the frozen date
        return wizard

    def _hand_over(self, partner, agency=None, costs=0.0):
        """The handover file (ZIP) made by the wizard on the handover day."""
        wizard = self._wizard(partner, agency, costs)
        with freeze_time(HANDOVER_DAY):
            action = wizard.action_confirm()
        bundle = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        return zipfile.ZipFile(io.BytesIO(bundle.raw))

    def _injunction_in(self, archive, partner):
        name = f"Order for payment file - {partner.name}.html"
        self.assertIn(name, archive.namelist())
        return lxml_html.fromstring(archive.read(name))

    def _render(self, partner, invoices, when=HANDOVER_DAY, costs=0.0):
        content, _kind = self.env["ir.actions.report"]._render_qweb_html(
            INJUNCTION_REPORT,
            partner.ids,
            data={"move_ids": invoices.ids, "date": str(when), "costs": costs},
        )
        return lxml_html.fromstring(content)

    def _claimed(self, document):
        """{principal, interest, indemnity, costs, total}: the amounts the file claims."""
        return {
            key: text(node[0])
            for key in AMOUNTS
            if (node := document.xpath(f"//*[contains(@class, 'o_relance_{key}')]"))
        }

    def _notice_claimed(self, notice):
        """The same amounts as the formal notice prints them (its totals row)."""
        content, _kind = self.env["ir.actions.report"]._render_qweb_html(LETTER_REPORT, notice.ids)
        document = lxml_html.fromstring(content)
        cells = document.xpath("//tfoot/tr/td")
        claimed = document.xpath("//p[strong[starts-with(normalize-space(), 'Total claimed')]]")
        return {
            "principal": text(cells[1]),
            "interest": text(cells[3]),
            "indemnity": text(cells[4]),
            "total": text(claimed[0]).split(":", 1)[1].strip(),
        }

    # the order for payment file ------------------------------------------------------------

    def test_file_claims_the_formal_notice_figures(self):
        invoices = self._relance_invoice(
            self.customer_b2b, 1000.0, date(2026, 1, 15)
        ) | self._relance_invoice(self.customer_b2b, 500.0, date(2026, 1, 20))
        notice = self._notice(self.customer_b2b, self.policy_b2b, invoices)
        expected = self._notice_claimed(notice)
        archive = self._hand_over(self.customer_b2b)
        claimed = self._claimed(self._injunction_in(archive, self.customer_b2b))
        self.assertEqual({k: claimed[k] for k in expected}, expected)
        self.assertEqual(claimed["costs"], self._money(0.0))
        # the interest the notice claimed, not the larger one of the handover day
        then = sum(v["interest"] for v in invoices._relance_legal_amounts(NOTICE_DAY).values())
        later = sum(v["interest"] for v in invoices._relance_legal_amounts(HANDOVER_DAY).values())
        self.assertGreater(later, then)
        self.assertEqual(claimed["interest"], self._money(then))

    def test_file_in_the_handover_zip_with_its_evidence(self):
        invoices = self._relance_invoice(self.customer_b2b, 1000.0, date(2026, 1, 15))
        reminder = self._relance_action(
            self.customer_b2b, self.policy_b2b.level_ids[:1], "email", invoices, date(2026, 2, 1)
        )
        reminder.state = "done"
        self._notice(self.customer_b2b, self.policy_b2b, invoices)
        document = self._injunction_in(
            self._hand_over(self.customer_b2b, costs=12.5), self.customer_b2b
        )
        page = text(document)
        self.assertIn("Cerfa n°12948", page)
        self.assertIn("SIRET 33417522100016", page)  # the creditor
        self.assertIn("SIREN 552100554", page)  # the debtor
        self.assertIn(f"Invoice {invoices.name}", page)
        self.assertIn("registered letter n° 1A 234 567 8901 2", page)
        self.assertIn("acknowledgment of receipt of 03/16/2026", page)
        self.assertIn("Reminder of 02/01/2026", page)
        claimed = self._claimed(document)
        self.assertEqual(claimed["costs"], self._money(12.5))
        amounts = invoices._relance_legal_amounts(NOTICE_DAY)[invoices.id]
        self.assertEqual(claimed["total"], self._money(amounts["total"] + 12.5))
        handover = self.env["relance.history"].search(
            [("partner_id", "=", self.customer_b2b.id), ("channel", "=", "handover")]
        )
        self.assertEqual(handover.handover_partner_id, self.agency)
        self.assertEqual(handover.handover_costs, 12.5)
        # printed again from the handover action, with the same data
        handover = handover.with_user(self.manager).with_context(discard_logo_check=True)
        action = handover.action_print_injunction()
        self.assertEqual(action["data"]["move_ids"], invoices.ids)
        self.assertEqual(action["data"]["date"], str(HANDOVER_DAY))

    def test_competent_court_of_a_business_and_of_a_consumer(self):
        business = self._relance_invoice(self.customer_b2b, 800.0, date(2026, 2, 1))
        consumer = self._relance_invoice(self.customer_b2c, 300.0, date(2026, 2, 1))
        self._notice(self.customer_b2c, self.policy_b2c, consumer)
        legal = self.env["relance.legal"]
        self.assertEqual(legal._court(self.customer_b2b)["kind"], "commerce")
        self.assertEqual(legal._court(self.customer_b2c)["kind"], "judiciaire")

        page = text(self._render(self.customer_b2b, business))
        self.assertIn("Tribunal de commerce, 69002 Lyon", page)
        self.assertIn("Fixed recovery indemnity", page)
        page = text(self._render(self.customer_b2c, consumer))
        self.assertIn("Tribunal judiciaire (or its chambre de proximité), 31000 Toulouse", page)
        self.assertIn("Individual", page)
        self.assertNotIn("Fixed recovery indemnity", page)
        self.assertIn("legal rate from the formal notice", page)

        self.customer_b2c.write({"zip": False, "city": False})
        self.assertIn("cannot be told", legal._court(self.customer_b2c)["warning"])

    # simplified recovery of small claims -----------------------------------------------------

    def test_simplified_procedure_up_to_5000_eur(self):
        legal = self.env["relance.legal"]
        # due on the day: what is claimed is the principal alone
        small = self._relance_invoice(self.customer_b2b, 4999.0, HANDOVER_DAY)
        self.assertEqual(
            legal._simplified_procedure(self.customer_b2b, small, HANDOVER_DAY),
            (True, 4999.0, 5000.0),
        )
        large = self._relance_invoice(self.customer_b2b, 5001.0, HANDOVER_DAY)
        self.assertFalse(legal._simplified_procedure(self.customer_b2b, large, HANDOVER_DAY)[0])
        # the interest and the indemnity count: 4,960 a month late comes to more than 5,000
        late = self._relance_invoice(self.customer_b2b, 4960.0, date(2026, 3, 2))
        self.assertFalse(legal._simplified_procedure(self.customer_b2b, late, HANDOVER_DAY)[0])
        # a business claim only
        consumer = self._relance_invoice(self.customer_b2c, 1000.0, HANDOVER_DAY)
        self.assertFalse(legal._simplified_procedure(self.customer_b2c, consumer, HANDOVER_DAY)[0])

        # shown on the file, before the handover and in the customer's chatter
        simplified = "//*[contains(@class, 'o_relance_simplified')]"
        self.assertFalse(self._render(self.customer_b2b, large).xpath(simplified))
        self.assertTrue(self._render(self.customer_b2b, small).xpath(simplified))
        (large | late).button_draft()
        (large | late).button_cancel()
        self.assertTrue(self._wizard(self.customer_b2b).simplified_procedure)
        document = self._injunction_in(self._hand_over(self.customer_b2b), self.customer_b2b)
        self.assertTrue(document.xpath(simplified))
        self.assertIn(
            "Simplified recovery procedure possible", self.customer_b2b.message_ids[0].body
        )

    # agencies: fees and recoveries -------------------------------------------------------------

    def test_cost_estimate_from_the_agency_rates(self):
        invoice = self._relance_invoice(self.customer_b2b, 3000.0, date(2026, 3, 2))
        wizard = self._wizard(self.customer_b2b, costs=20.0)
        claim = invoice._relance_legal_amounts(HANDOVER_DAY)[invoice.id]["total"]
        self.assertAlmostEqual(wizard.claim_amount, claim + 20.0, places=2)
        fee = 50.0 + wizard.claim_amount * 0.10
        self.assertAlmostEqual(wizard.estimated_fee, fee, places=2)
        self.assertAlmostEqual(wizard.net_expected, wizard.claim_amount - fee, places=2)
        # a small claim costs the agency's minimum
        cheap = self.env["res.partner"].create({"name": "Cabinet Lenoir", "is_company": True})
        cheap.write({"relance_agency_fee_rate": 5.0, "relance_agency_min_fee": 400.0})
        self.assertEqual(self._wizard(self.customer_b2b, cheap).estimated_fee, 400.0)

    def test_recoveries_fees_and_recovery_rate(self):
        invoice = self._relance_invoice(self.customer_b2b, 3000.0, date(2026, 3, 2))
        self._hand_over(self.customer_b2b)
        other = self.env["res.partner"].create({"name": "Recouvrement Sud", "is_company": True})
        self._relance_invoice(self.customer_b2c, 1000.0, date(2026, 3, 2))
        self._hand_over(self.customer_b2c, other)
        handover = self.env["relance.history"].search(
            [("partner_id", "=", self.customer_b2b.id), ("channel", "=", "handover")]
        )
        recovery = self.env["relance.recovery"]
        with self.assertRaises(AccessError):
            recovery.with_user(self.accountant).create({"handover_id": handover.id, "amount": 1.0})
        recovery = recovery.with_user(self.manager)
        first = recovery.create(
            {"handover_id": handover.id, "date": date(2026, 4, 20), "amount": 1000.0}
        )
        second = recovery.create(
            {"handover_id": handover.id, "date": date(2026, 5, 20), "amount": 1500.0}
        )
        self.assertEqual(first.agency_id, self.agency)
        self.assertEqual(first.move_ids, invoice)
        # the minimum on the first, the fixed fee once: 200, then 50 + 10 % x 2,500 - 200
        self.assertEqual((first.fee, second.fee), (200.0, 100.0))
        second.fee = 120.0  # the agency's own statement
        self.assertEqual(second.net_amount, 1380.0)
        # linked from the customer, the agency and the invoice; a dunning user reads them
        self.assertEqual(self.customer_b2b.relance_recovery_count, 2)
        self.assertEqual(self.agency.relance_recovery_count, 2)
        self.assertEqual(invoice.relance_recovery_ids, first | second)
        self.assertEqual(recovery.with_user(self.accountant).search([]), first | second)

        report = self.env["relance.agency.report"].with_user(self.accountant)
        rows = report._read_group(
            [],
            ["agency_id"],
            ["amount_handed_over:sum", "amount_recovered:sum", "fee:sum", "recovery_rate:sum"],
        )
        by_agency = {agency: values for agency, *values in rows}
        handed_over = handover.amount_due
        self.assertEqual(by_agency[self.agency][1:3], [2500.0, 320.0])
        self.assertAlmostEqual(by_agency[self.agency][3], 2500.0 / handed_over * 100, places=4)
        self.assertEqual(by_agency[other][1], 0.0)
        self.assertEqual(by_agency[other][3], 0.0)

        # the dashboard: the ratio of the sums, not the average of the agencies' rates
        dashboard = self.env["relance.dashboard"].create(
            {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
        )
        total = handed_over + 1000.0
        rate = round(2500.0 / total * 100, 1)
        april = dashboard._kpis(date(2026, 4, 1), date(2026, 4, 30))
        self.assertEqual(april["agency_recovery_rate"], rate)
        self.assertIn("Recovered by agencies", dashboard.kpi_html)
        self.assertIn(f"{rate:.1f}", dashboard.kpi_html)
        march = dashboard._kpis(date(2026, 3, 1), date(2026, 3, 31))
        self.assertIsNone(march["agency_recovery_rate"], "no file handed over in March")
