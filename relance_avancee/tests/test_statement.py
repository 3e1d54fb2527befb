from datetime import date

from lxml import html as lxml_html

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon

STATEMENT_REPORT = "relance_avancee.report_relance_statement"
STATEMENT_DATE = date(2026, 3, 13)


class StatementCustomer:
    """A customer with open items in two currencies, ages spread over every bucket at
    STATEMENT_DATE, and a paid invoice that is no open item."""

    @classmethod
    def _statement_setup(cls):
        company_currency = cls.company.currency_id
        code = "EUR" if company_currency.name == "USD" else "USD"
        cls.foreign = cls.setup_other_currency(code, rates=[("2025-01-01", 2.0)])
        partner = cls.customer_b2b
        cls.partial = cls._relance_invoice(partner, 1000.0, date(2026, 3, 1))  # 12 days late
        cls._pay(cls.partial, 400.0, date(2026, 3, 5))
        cls.old = cls._relance_invoice(partner, 800.0, date(2025, 12, 1))  # 102 days late
        cls.not_due = cls._relance_invoice(
            partner, 300.0, date(2026, 4, 10), invoice_date=date(2026, 3, 11)
        )
        cls.credit_note = cls._relance_invoice(
            partner,
            150.0,
            date(2026, 2, 1),  # 40 days
            invoice_date=date(2026, 2, 1),
            move_type="out_refund",
        )
        cls.foreign_invoice = cls._relance_invoice(
            partner, 500.0, date(2026, 1, 10), currency_id=cls.foreign.id
        )  # 62 days late
        cls.paid = cls._relance_invoice(partner, 200.0, date(2026, 2, 15))
        cls._pay(cls.paid, 200.0, date(2026, 2, 20))
        cls.payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": 250.0,
                "date": STATEMENT_DATE,
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        cls.payment.action_post()
        # dated after the statement: not on it
        cls.later = cls._relance_invoice(
            partner, 70.0, date(2026, 4, 30), invoice_date=date(2026, 3, 20)
        )

    def _statement_data(self, partners, company, date):
        return self.env[f"report.{STATEMENT_REPORT}"]._statement_data(partners, company, date)

    def _statement_html(self, partners, **data):
        content, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            STATEMENT_REPORT,
            partners.ids,
            data={"date": "2026-03-13", "company_id": self.company.id, **data},
        )
        return content.decode()


@tagged("post_install", "-at_install")
class TestStatement(StatementCustomer, RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._statement_setup()

    def test_data_per_currency_with_ageing(self):
        self.assertEqual(self.partial.payment_state, "partial")
        self.assertIn(self.paid.payment_state, ("paid", "in_payment"))
        receivable = self.payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertFalse(receivable.reconciled)
        contact = self.env["res.partner"].create(
            {"name": "Service compta", "parent_id": self.customer_b2b.id}
        )
        data = self._statement_data(contact, self.company, STATEMENT_DATE)
        self.assertEqual(list(data), [self.customer_b2b.id], "the commercial partner's")
        blocks = {block["currency"]: block for block in data[self.customer_b2b.id]}
        self.assertEqual(set(blocks), {self.company.currency_id, self.foreign})
        own = blocks[self.company.currency_id]
        items = {item["number"]: item for item in own["items"]}
        self.assertEqual(
            set(items),
            {
                self.partial.name,
                self.old.name,
                self.not_due.name,
                self.credit_note.name,
                self.payment.move_id.name,
            },
            "neither the paid invoice nor the one dated after the statement",
        )
        self.assertEqual(
            [item["number"] for item in own["items"]],
            [
                self.old.name,
                self.credit_note.name,
                self.partial.name,
                self.payment.move_id.name,
                self.not_due.name,
            ],
            "by due date",
        )
        partial = items[self.partial.name]
        self.assertEqual(partial["type"], "invoice")
        self.assertEqual((partial["amount"], partial["residual"]), (1000.0, 600.0))
        self.assertEqual(partial["days_late"], 12)
        self.assertEqual(partial["date_due"], date(2026, 3, 1))
        credit_note = items[self.credit_note.name]
        self.assertEqual(credit_note["type"], "credit_note")
        self.assertEqual((credit_note["residual"], credit_note["days_late"]), (-150.0, 0))
        payment = items[self.payment.move_id.name]
        self.assertEqual((payment["type"], payment["residual"]), ("payment", -250.0))
        self.assertEqual(own["total"], 1300.0)
        self.assertEqual(
            own["ageing"],
            {"not_due": 50.0, "1_30": 600.0, "31_60": -150.0, "61_90": 0.0, "over_90": 800.0},
        )
        foreign = blocks[self.foreign]
        self.assertEqual(len(foreign["items"]), 1)
        self.assertEqual(foreign["items"][0]["residual"], 500.0, "in its own currency")
        self.assertEqual(foreign["total"], 500.0)
        self.assertEqual(foreign["ageing"]["61_90"], 500.0)
        # on an earlier date: only what was dated by then
        earlier = self._statement_data(self.customer_b2b, self.company, date(2026, 1, 1))
        self.assertEqual(
            {
                block["currency"]: [item["number"] for item in block["items"]]
                for block in earlier[self.customer_b2b.id]
            },
            {self.company.currency_id: [self.old.name], self.foreign: [self.foreign_invoice.name]},
        )
        self.assertEqual(
            self._statement_data(self.customer_b2b, self.company, date(2025, 1, 1)),
            {self.customer_b2b.id: []},
        )

    def test_data_in_one_query_for_all_customers(self):
        other = self.customer_b2c
        self._relance_invoice(other, 90.0, date(2026, 3, 1))

        def queries(partners):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = self._statement_data(partners, self.company, STATEMENT_DATE)
            return self.env.cr.sql_log_count - before, data

        queries(self.customer_b2b)  # warms up what is cached once for all (the rules...)
        alone, _data = queries(self.customer_b2b)
        both, data = queries(self.customer_b2b | other)
        self.assertEqual(both, alone, "as many queries for one customer as for two")
        self.assertLessEqual(both, 6)  # the items, then their moves, customers, currencies
        self.assertEqual(data[other.id][0]["total"], 90.0)
        totals = {block["currency"]: block["total"] for block in data[self.customer_b2b.id]}
        self.assertEqual(totals, {self.company.currency_id: 1300.0, self.foreign: 500.0})
        empty = self.env["res.partner"].create({"name": "Nothing due"})
        self.assertEqual(self._statement_data(empty, self.company, STATEMENT_DATE), {empty.id: []})

    def test_rendered_statement(self):
        self.customer_b2b.ref = "CLI-042"
        page = self._statement_html(self.customer_b2b)
        self.assertIn("Customer statement", page)
        self.assertIn("CLI-042", page)
        self.assertIn(self.company.name, page)
        for move in self.partial | self.old | self.not_due | self.credit_note:
            self.assertIn(move.name, page)
        self.assertIn(self.payment.move_id.name, page)
        self.assertNotIn(self.paid.name, page)
        self.assertNotIn(self.later.name, page)
        tree = lxml_html.fromstring(page)
        types = {
            " ".join(row.xpath("./td")[1].text_content().split()): row.xpath("./td")[0]
            .text_content()
            .strip()
            for row in tree.xpath("//table[contains(@class, 'o_relance_statement_items')]/tbody/tr")
        }
        self.assertEqual(types[self.credit_note.name], "Credit note")
        self.assertEqual(types[self.payment.move_id.name], "Payment")
        self.assertEqual(types[self.foreign_invoice.name], "Invoice")
        totals = [
            " ".join(row.text_content().split())
            for row in tree.xpath("//tr[contains(@class, 'o_relance_statement_total')]")
        ]
        self.assertEqual(len(totals), 2, "one table per currency")
        by_currency = dict(
            zip(sorted([self.company.currency_id.name, self.foreign.name]), totals, strict=True)
        )
        self.assertIn("1,300.00", by_currency[self.company.currency_id.name])
        self.assertIn(
            f"Total {self.company.currency_id.name}", by_currency[self.company.currency_id.name]
        )
        self.assertIn("500.00", by_currency[self.foreign.name])
        self.assertIn(self.foreign.symbol, by_currency[self.foreign.name])
        ageing = tree.xpath("//table[contains(@class, 'o_relance_statement_ageing')]")
        self.assertEqual(len(ageing), 2)
        for header in ("Not due", "1-30 days late", "31-60 days late", "61-90 days", "Over 90"):
            self.assertIn(header, ageing[0].text_content())
        own = ageing[
            sorted([self.company.currency_id.name, self.foreign.name]).index(
                self.company.currency_id.name
            )
        ]
        buckets = {
            td.get("data-bucket"): " ".join(td.text_content().split())
            for td in own.xpath(".//td[@data-bucket]")
        }
        self.assertIn("800.00", buckets["over_90"])
        self.assertIn("600.00", buckets["1_30"])
        self.assertIn("150.00", buckets["31_60"])
        self.assertIn("50.00", buckets["not_due"])
        # the customer's language
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer_b2b.lang = "fr_FR"
        self.assertIn("13/03/2026", self._statement_html(self.customer_b2b))

    def test_empty_statement_and_pdf(self):
        empty = self.env["res.partner"].create({"name": "Nothing due", "is_company": True})
        self.assertIn("No open item at this date", self._statement_html(empty))
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                STATEMENT_REPORT,
                self.customer_b2b.ids,
                data={"date": "2026-03-13", "company_id": self.company.id},
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_report_on_the_customer_form(self):
        report = self.env.ref("relance_avancee.action_report_relance_statement")
        self.assertEqual(report.binding_model_id.model, "res.partner")
        self.assertEqual(report.name, "Customer statement")
        bindings = self.env["ir.actions.actions"].with_user(self.accountant)
        self.assertIn(
            report.id,
            [r["id"] for r in bindings.get_bindings("res.partner").get("report", [])],
        )
        bindings = self.env["ir.actions.actions"].with_user(self.basic_user)
        self.assertNotIn(
            report.id,
            [r["id"] for r in bindings.get_bindings("res.partner").get("report", [])],
        )
        # an accountant prints it with its own rights
        page, _report_type = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(STATEMENT_REPORT, self.customer_b2b.ids, data={"date": "2026-03-13"})
        )
        self.assertIn(self.partial.name, page.decode())

    # the statement attached to reminders ---------------------------------------------

    def _email_action(self, partner, level):
        invoices = self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date", "<=", STATEMENT_DATE),
            ]
        )
        return self._relance_action(partner, level, "email", invoices, STATEMENT_DATE)

    def _email_level(self, policy, index=0):
        """The policy's ``index``-th level that emails a template."""
        return policy.level_ids.filtered(
            lambda lv: "email" in lv.channel_ids.mapped("code") and lv.mail_template_id
        )[index : index + 1]

    def test_level_defaults(self):
        level = self._email_level(self.policy_b2b)
        self.assertTrue(level.attach_invoices)
        self.assertFalse(level.attach_statement)

    def test_statement_attached_to_reminders(self):
        self._relance_invoice(self.customer_b2c, 90.0, date(2026, 3, 1))
        b2b_level = self._email_level(self.policy_b2b)
        b2c_level = self._email_level(self.policy_b2c)
        (b2b_level | b2c_level).attach_statement = True
        histories = self._email_action(self.customer_b2b, b2b_level) | self._email_action(
            self.customer_b2c, b2c_level
        )
        histories.with_context(relance_no_pdf=True, force_report_rendering=True)._execute()
        self.assertEqual(set(histories.mapped("state")), {"done"})
        for history in histories:
            attachment = history.mail_id.attachment_ids
            self.assertEqual(len(attachment), 1, "the statement only: no invoice PDF")
            self.assertEqual(
                attachment.name,
                f"Customer statement - {history.partner_id.name} - 2026-03-13.pdf",
            )
            self.assertEqual(
                (attachment.res_model, attachment.res_id), ("res.partner", history.partner_id.id)
            )
            self.assertTrue(attachment.raw.startswith(b"%PDF"))
            self.assertFalse(history.reason)

    def test_statement_without_invoices(self):
        """A level may attach the statement instead of the invoices: no invoice PDF is
        rendered, the statement (HTML in tests) is each customer's own."""
        level = self._email_level(self.policy_b2b)
        level.write({"attach_invoices": False, "attach_statement": True})
        history = self._email_action(self.customer_b2b, level)
        history._execute()
        self.assertEqual(history.state, "done")
        self.assertFalse(history.line_ids.move_id.invoice_pdf_report_id)
        attachment = history.mail_id.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertIn(self.old.name, attachment.raw.decode())
        self.assertFalse(history.reason)
        # the default: the invoices' PDFs, no statement; at the next email level (these
        # invoices had their email at the first: the history's unique index refuses another)
        next_level = self._email_level(self.policy_b2b, 1)
        next_level.write({"attach_invoices": True, "attach_statement": False})
        history = self._email_action(self.customer_b2b, next_level)
        pdfs = (
            self.env["relance.executor.email"]
            .with_context(relance_no_pdf=True)
            ._pdf_attachments(history)
        )
        self.assertEqual(pdfs, {})


@tagged("post_install", "-at_install")
class TestStatementPortal(StatementCustomer, RelanceCommon):
    """Which statement a portal customer gets (the logic of /my/relance/statement)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._statement_setup()
        cls.portal_user = new_test_user(
            cls.env, login="relance_statement_portal", groups="base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer_b2b

    def test_own_commercial_partner_and_companies(self):
        partner = self.portal_user.partner_id.commercial_partner_id
        self.assertEqual(partner, self.customer_b2b)
        self.assertEqual(partner._relance_statement_companies(), self.company)
        self.assertFalse(self.customer_b2c._relance_statement_companies())
        other_data = self.setup_other_company()
        other_company = other_data["company"]
        self.assertEqual(
            partner._relance_portal_statement_company(other_company.id, other_company),
            self.company,
            "not a company it has nothing to pay in",
        )
        invoice = (
            self.env["account.move"]
            .with_company(other_company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": other_company.id,
                    "journal_id": other_data["default_journal_sale"].id,
                    "invoice_date": date(2026, 2, 1),
                    "invoice_date_due": date(2026, 3, 1),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": 40.0, "tax_ids": []})
                    ],
                }
            )
        )
        invoice.action_post()
        data = self._statement_data(partner, other_company, STATEMENT_DATE)[partner.id]
        self.assertEqual([item["number"] for item in data[0]["items"]], [invoice.name])
        self.assertEqual(partner._relance_statement_companies(), self.company | other_company)
        self.assertEqual(
            partner._relance_portal_statement_company(other_company.id, self.company),
            other_company,
        )
        self.assertEqual(
            partner._relance_portal_statement_company(None, other_company), other_company
        )
        self.assertEqual(partner._relance_portal_statement_company(-1, self.company), self.company)
        nothing = self.customer_b2c._relance_portal_statement_company(
            other_company.id, self.company
        )
        self.assertEqual(nothing, self.company, "an empty statement in the current company")


@tagged("post_install", "-at_install", "relance_tour")
class TestStatementPortalPages(RelanceCommon, HttpCase):
    """/my/relance/statement over HTTP, on today's statement: a portal user gets its own
    customer's statement, never another's, and the invoice list links to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        due = fields.Date.add(fields.Date.today(), days=-20)
        cls.portal_a = new_test_user(
            cls.env, login="relance_statement_a", groups="base.group_portal", name="Client A"
        )
        cls.portal_a.partner_id.parent_id = cls.customer_b2b
        cls.portal_b = new_test_user(
            cls.env, login="relance_statement_b", groups="base.group_portal", name="Client B"
        )
        cls.invoice_a = cls._relance_invoice(cls.customer_b2b, 654.0, due)
        cls.invoice_b = cls._relance_invoice(cls.portal_b.partner_id, 321.0, due)

    def test_portal_statement(self):
        self.authenticate("relance_statement_a", "relance_statement_a")
        listing = self.url_open("/my/invoices").text
        self.assertIn(f"/my/relance/statement?company_id={self.company.id}", listing)
        self.assertIn("Statement of account", listing)
        response = self.url_open(
            f"/my/relance/statement?company_id={self.company.id}"
            f"&partner_id={self.portal_b.partner_id.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("Customer%20statement", response.headers["Content-Disposition"])
        # the tests render reports as HTML
        self.assertIn(self.invoice_a.name, response.text)
        self.assertIn(self.customer_b2b.name, response.text)
        self.assertNotIn(self.invoice_b.name, response.text)
        self.authenticate("relance_statement_b", "relance_statement_b")
        response = self.url_open("/my/relance/statement")
        self.assertIn(self.invoice_b.name, response.text)
        self.assertNotIn(self.invoice_a.name, response.text)
        self.authenticate(None, None)
        response = self.url_open("/my/relance/statement", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
