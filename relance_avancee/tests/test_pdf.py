import gc
import io
import os
import subprocess
import threading
import weakref
from datetime import date
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models import ir_actions_report

from ..models import ir_actions_report as relance_report
from ..models import relance_executor
from .common import RelanceCommon

DUE = date(2026, 3, 2)
LETTER_REPORT = "relance_avancee.report_relance_letter"
STREET = "7 rue des Créanciers"


def wkhtmltopdf(patched_qt):
    """Odoo seeing a wkhtmltopdf built with (or without) the patched Qt."""
    info = ir_actions_report._wkhtml()._replace(is_patched_qt=patched_qt)
    return patch.object(ir_actions_report, "_wkhtml", lambda: info)


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

    def _assert_one_page_each(self, invoices):
        """Each invoice's PDF is one page holding its own invoice, not its neighbour's."""
        for invoice in invoices:
            pages = self._pages(invoice.invoice_pdf_report_id)
            self.assertEqual(len(pages), 1)
            self.assertIn(invoice.name, pages[0])
            for other in invoices - invoice:
                self.assertNotIn(other.name, pages[0])

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
        self._assert_one_page_each(invoices)

    def test_batches_stored_and_released_one_by_one(self):
        """Each batch is stored, out of the cache, and its memory given back before the
        next is rendered: a job's memory is that of one batch, not of all."""
        invoices = (
            self._relance_invoice(self.customer_b2b, 100.0, DUE)
            | self._relance_invoice(self.customer_b2b, 200.0, DUE)
            | self._relance_invoice(self.customer_b2c, 300.0, DUE)
        )
        cached = []

        def release():
            attachments = self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_field", "=", "invoice_pdf_report_file"),
                    ("res_id", "in", invoices.ids),
                ]
            )
            in_cache = [a.id for a in attachments if self.env.cache.contains(a, a._fields["raw"])]
            cached.append((len(attachments), in_cache))

        with patch.object(relance_executor, "release_memory", release):
            attachments = (
                self.env["relance.executor"]
                .with_context(force_report_rendering=True)
                ._store_invoice_pdfs(invoices, batch_size=2)
            )
        self.assertEqual(self.calls, 2)
        # after the first batch its 2 PDFs are stored, after the second all 3; none cached
        self.assertEqual(cached, [(2, []), (3, [])])
        self.assertEqual(invoices.invoice_pdf_report_id, attachments)
        self._assert_one_page_each(invoices)

    def test_release_memory_runs_here(self):
        """Objects that refer to each other (as a split PDF's pages) are freed, and glibc's
        ``malloc_trim`` is found on these machines (Debian): the release is real."""

        class Page:
            pass

        gc.disable()  # the collector's own runs: not in this test
        self.addCleanup(gc.enable)
        page = Page()
        page.parent = page
        freed = weakref.ref(page)
        del page
        self.assertIsNotNone(freed(), "a cycle waits for the collector")
        self.assertIsNotNone(relance_report._malloc_trim)
        relance_report.release_memory()
        self.assertIsNone(freed())

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
        self.company.write({"street": STREET, "zip": "69001", "city": "Lyon"})
        invoices = self._relance_invoice(self.customer_b2b, 100.0, DUE) | self._relance_invoice(
            self.customer_b2c, 200.0, DUE
        )
        with wkhtmltopdf(patched_qt=False):
            self._store(invoices)
        for invoice in invoices:
            text = self._pages(invoice.invoice_pdf_report_id)[0]
            self.assertIn(STREET, text)
            self.assertIn(invoice.name, text)
            self.assertNotIn("Page /", text)  # no empty page counter

    def test_header_kept_apart_with_patched_qt(self):
        """The invoice as this module renders it (``_relance_render_pdfs``)."""
        invoice = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        self.company.street = STREET
        report = self.env["ir.actions.report"].with_context(relance_rendering=True)
        html = report._render_qweb_html("account.report_invoice", invoice.ids)[0]
        with wkhtmltopdf(patched_qt=True):
            bodies, _ids, header, _footer, _args = report._prepare_html(html)
        self.assertIn(STREET, header)
        self.assertNotIn(STREET, bodies[0])
        with wkhtmltopdf(patched_qt=False):
            bodies, _ids, header, _footer, _args = report._prepare_html(html)
        self.assertNotIn(STREET, header)
        self.assertIn(STREET, bodies[0])

    def test_other_reports_left_to_odoo(self):
        """The invoice printed the standard way (Send & Print, the Print menu) is Odoo's
        own, even with an unpatched wkhtmltopdf: its header stays apart from its body."""
        invoice = self._relance_invoice(self.customer_b2b, 100.0, DUE)
        self.company.street = STREET
        report = self.env.ref("account.account_invoices")
        html = report._render_qweb_html(report.report_name, invoice.ids)[0]
        for patched_qt in (True, False):
            with wkhtmltopdf(patched_qt):
                bodies, _ids, header, _footer, _args = report._prepare_html(
                    html, report_model="account.move"
                )
            self.assertIn(STREET, header)
            self.assertNotIn(STREET, bodies[0])
            self.assertNotIn("o_relance_", bodies[0])

    def test_documents_merged_for_this_module_only(self):
        """With an unpatched wkhtmltopdf, several documents are put in one HTML file for
        this module's reports and for the reports ``_relance_render_pdfs`` renders; another
        report's documents reach wkhtmltopdf as Odoo passes them, one file each."""
        body = "<!DOCTYPE html><html><body><div class='article'>{}</div></body></html>"
        bodies = [body.format("first"), body.format("second")]
        body_files = []

        def fake_run(args):
            body_files.append(len([arg for arg in args if ".body." in arg]))
            return subprocess.CompletedProcess(args, 0, "", "")

        report = self.env["ir.actions.report"]
        cases = [
            (report, "account.report_invoice", 2),
            (report.with_context(relance_rendering=True), "account.report_invoice", 1),
            (report, LETTER_REPORT, 1),
        ]
        with (
            wkhtmltopdf(patched_qt=False),
            patch.object(ir_actions_report, "_run_wkhtmltopdf", fake_run),
        ):
            for model, report_ref, _files in cases:
                model._run_wkhtmltopdf(bodies, report_ref=report_ref, header="<p>h</p>")
        self.assertEqual(body_files, [files for _model, _ref, files in cases])

    def _letters(self):
        level = self.policy_b2b.level_ids.filtered(
            lambda lv: "letter" in lv.channel_ids.mapped("code")
        )[:1]
        customers = self.customer_b2b | self.customer_b2c
        customers.write({"street": "1 place Bellecour", "zip": "69002", "city": "Lyon"})
        return self.env["relance.history"].concat(
            *(
                self._relance_action(
                    customer,
                    level,
                    "letter",
                    self._relance_invoice(customer, 100.0, DUE),
                    date(2026, 4, 1),
                )
                for customer in customers
            )
        )

    def test_letter_header_inlined_without_patched_qt(self):
        """This module's letter printed from its report action (no context key): the
        company's identity in its body with an unpatched wkhtmltopdf, several letters in
        one call."""
        self.company.street = STREET
        letters = self._letters()
        report = self.env.ref("relance_avancee.action_report_relance_letter")
        html = report._render_qweb_html(LETTER_REPORT, letters.ids)[0]
        with wkhtmltopdf(patched_qt=False):
            bodies, _ids, header, _footer, _args = report._prepare_html(
                html, report_model="relance.history"
            )
        self.assertNotIn(STREET, header)
        for body in bodies:
            self.assertIn(STREET, body)
            self.assertIn("o_relance_header", body)
        with wkhtmltopdf(patched_qt=False):
            pdf, _type = report.with_context(force_report_rendering=True)._render_qweb_pdf(
                LETTER_REPORT, letters.ids
            )
        self.assertEqual(self.calls, 1)
        pages = [
            " ".join(page.extract_text().split()) for page in PdfFileReader(io.BytesIO(pdf)).pages
        ]
        for letter in letters:
            page = next(page for page in pages if letter.partner_id.name in page)
            self.assertIn(STREET, page)

    def test_cron_documents_split_between_processes(self):
        """Outside a request, a long document goes to one wkhtmltopdf process per core,
        started with Popen and waited for, no thread; each invoice still gets its own PDF."""
        invoices = (
            self._relance_invoice(self.customer_b2b, 100.0, DUE)
            | self._relance_invoice(self.customer_b2b, 200.0, DUE)
            | self._relance_invoice(self.customer_b2c, 300.0, DUE)
        )
        real_popen = subprocess.Popen
        started = []

        def popen(args, *rest, **kwargs):
            started.append(args)
            return real_popen(args, *rest, **kwargs)

        with (
            wkhtmltopdf(patched_qt=False),
            patch.object(relance_report, "PAGES_PER_PROCESS", 1),
            patch.object(os, "cpu_count", return_value=2),
            patch.object(subprocess, "Popen", popen),
            patch.object(threading.Thread, "start", side_effect=AssertionError("thread")),
        ):
            self._store(invoices)
        self.assertEqual(len(started), 2, "one process per core")
        self.assertEqual(self.calls, 0, "not Odoo's blocking helper")
        self._assert_one_page_each(invoices)

    def test_one_process_in_a_request(self):
        invoices = self._relance_invoice(self.customer_b2b, 100.0, DUE) | self._relance_invoice(
            self.customer_b2c, 200.0, DUE
        )
        with (
            wkhtmltopdf(patched_qt=False),
            patch.object(relance_report, "PAGES_PER_PROCESS", 1),
            patch.object(os, "cpu_count", return_value=2),
            patch.object(relance_report, "request", True),
        ):
            self._store(invoices)
        self.assertEqual(self.calls, 1)
        for invoice in invoices:
            self.assertIn(invoice.name, self._pages(invoice.invoice_pdf_report_id)[0])
