import io
from datetime import date
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models import ir_actions_report

from .common import RelanceCommon

DUE = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestInvoicePdfs(RelanceCommon):
    """Invoice PDFs rendered for reminders with the real wkhtmltopdf: several invoices per
    call even with Debian's wkhtmltopdf (unpatched Qt, one document per call)."""

    def setUp(self):
        super().setUp()
        # no report styles: the PDFs' text is then extractable whatever server runs nearby
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        self.calls = 0
        real_run = ir_actions_report._run_wkhtmltopdf

        def counting_run(args):
            self.calls += 1
            return real_run(args)

        patcher = patch.object(ir_actions_report, "_run_wkhtmltopdf", counting_run)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _store(self, invoices):
        return (
            self.env["relance.executor"]
            .with_context(force_report_rendering=True)
            ._store_invoice_pdfs(invoices)
        )

    def _pages(self, attachment):
        reader = PdfFileReader(io.BytesIO(attachment.raw))
        return [" ".join(page.extract_text().split()) for page in reader.pages]

    def _long_invoice(self, lines):
        invoice = self._create_invoice(
            partner_id=self.customer_b2b,
            invoice_date=date(2026, 2, 1),
            invoice_date_due=DUE,
            invoice_payment_term_id=False,
            invoice_line_ids=[
                self._prepare_invoice_line(price_unit=10.0 + i, tax_ids=[], name=f"Service {i}")
                for i in range(lines)
            ],
        )
        invoice.action_post()
        return invoice

    def test_one_call_for_one_page_invoices(self):
        invoices = (
            self._relance_invoice(self.customer_b2b, 100.0, DUE)
            | self._relance_invoice(self.customer_b2b, 200.0, DUE)
            | self._relance_invoice(self.customer_b2c, 300.0, DUE)
        )
        attachments = self._store(invoices)
        self.assertEqual(self.calls, 1)
        self.assertEqual(invoices.invoice_pdf_report_id, attachments)
        for invoice in invoices:
            pages = self._pages(invoice.invoice_pdf_report_id)
            self.assertEqual(len(pages), 1)
            # each PDF holds its own invoice, not its neighbour's
            self.assertIn(invoice.name, pages[0])
            for other in invoices - invoice:
                self.assertNotIn(other.name, pages[0])

    def test_long_invoice_is_cut_right(self):
        short = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        long_ = self._long_invoice(80)
        other = self._relance_invoice(self.customer_b2b, 300.0, DUE)
        invoices = short | long_ | other
        self._store(invoices)
        # the batch of three does not give one page per invoice: it is halved, not refused
        self.assertGreater(self.calls, 1)
        self.assertLess(self.calls, 6)
        long_pages = self._pages(long_.invoice_pdf_report_id)
        self.assertGreater(len(long_pages), 1)
        self.assertIn(long_.name, long_pages[0])
        self.assertIn("Service 79", "".join(long_pages[1:]))
        for invoice in short | other:
            pages = self._pages(invoice.invoice_pdf_report_id)
            self.assertEqual(len(pages), 1)
            self.assertIn(invoice.name, pages[0])

    def test_company_identity_printed_without_patched_qt(self):
        """Debian's wkhtmltopdf ignores the separate header and footer: the company's name
        and address are printed in each invoice's body instead."""
        self.company.write({"street": "7 rue des Créanciers", "zip": "69001", "city": "Lyon"})
        invoices = self._relance_invoice(self.customer_b2b, 100.0, DUE) | self._relance_invoice(
            self.customer_b2c, 200.0, DUE
        )
        unpatched = ir_actions_report._wkhtml()._replace(is_patched_qt=False)
        with patch.object(ir_actions_report, "_wkhtml", lambda: unpatched):
            self._store(invoices)
        for invoice in invoices:
            text = self._pages(invoice.invoice_pdf_report_id)[0]
            self.assertIn("7 rue des Créanciers", text)
            self.assertIn(invoice.name, text)
            self.assertNotIn("Page /", text)  # no empty page counter

    def test_header_kept_apart_with_patched_qt(self):
        invoice = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        self.company.street = "7 rue des Créanciers"
        report = self.env["ir.actions.report"]
        html = report._render_qweb_html("account.report_invoice", invoice.ids)[0]
        patched = ir_actions_report._wkhtml()._replace(is_patched_qt=True)
        with patch.object(ir_actions_report, "_wkhtml", lambda: patched):
            bodies, _ids, header, _footer, _args = report._prepare_html(html)
        self.assertIn("7 rue des Créanciers", header)
        self.assertNotIn("7 rue des Créanciers", bodies[0])
        unpatched = patched._replace(is_patched_qt=False)
        with patch.object(ir_actions_report, "_wkhtml", lambda: unpatched):
            bodies, _ids, header, _footer, _args = report._prepare_html(html)
        self.assertNotIn("7 rue des Créanciers", header)
        self.assertIn("7 rue des Créanciers", bodies[0])
