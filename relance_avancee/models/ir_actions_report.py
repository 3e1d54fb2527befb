import ctypes
import ctypes.util
import gc
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import lxml.html

from odoo import models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models import ir_actions_report

_logger = logging.getLogger(__name__)

MODULE = "relance_avancee"
# in the context while _relance_render_pdfs renders a report (e.g. the invoices of a reminder)
RENDERING_KEY = "relance_rendering"
PAGES_PER_PROCESS = 10  # below that, a second wkhtmltopdf process costs more than it saves
# the header and footer blocks of Odoo's report layouts
LAYOUT_BLOCK = "//div[contains(concat(' ', normalize-space(@class), ' '), ' {} ')]"
ARTICLE = "{}-sibling::div[contains(concat(' ', normalize-space(@class), ' '), ' article ')][1]"

try:  # glibc's; other C libraries have none, and return freed memory by themselves
    _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
except (OSError, AttributeError):
    _malloc_trim = None


def release_memory():
    """Frees what a batch of PDFs left and gives the memory back to the system. The split
    PDFs' objects refer to each other (pages and their parents): they wait for the garbage
    collector, and once freed glibc keeps their memory, fragmented. Without this an HTTP
    worker grew by ~30 MB at each PDF job, 113 -> 451 MB over the ``rendered`` phase of
    scripts/benchmark_jobs.py (500 customers, 2,500 invoices); with it, 269 MB at most."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


class RenderError(UserError):
    """wkhtmltopdf could not print a document of this module: the machine's trouble (a
    missing binary, no memory, a killed process), not the document's; worth a retry."""


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _relance_owns_rendering(self):
        """Whether this module's wkhtmltopdf work-arounds apply to the rendering of this
        report: for this module's own reports (letter and formal notice, statement, payment
        plan: their template is this module's, whoever prints them: a button, the portal, a
        mail), and for a report of another module only while ``_relance_render_pdfs``
        renders it (the invoices attached to reminders), which puts ``relance_rendering``
        in the context. Any other rendering (a sale order, the invoice printed by Send &
        Print) is left to Odoo's code. ``self`` may be the empty model, as when Odoo's
        ``_get_splitted_report`` calls ``_prepare_html``: the context alone tells then."""
        return bool(self.env.context.get(RENDERING_KEY)) or any(
            (report.report_name or "").startswith(f"{MODULE}.") for report in self
        )

    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        """For this module's renderings (``_relance_owns_rendering``) of several records
        with a wkhtmltopdf built without the patched Qt (Debian's), which refuses the
        several HTML files Odoo passes: the records' documents are put in one HTML
        document, each starting on a new page, and Odoo cuts the PDF into one per record
        when each takes one page (see ``_relance_render_pdfs``). Their header and footer
        are already in their body (``_prepare_html``), since such a build ignores them.

        Outside an HTTP request (crons), a long document is split between up to one
        wkhtmltopdf process per CPU core, run at the same time, whose PDFs are joined;
        a request prints it with one process, as Odoo does."""
        report = self._get_report(report_ref) if report_ref else self
        if (
            len(bodies) < 2
            or ir_actions_report._wkhtml().is_patched_qt
            or not report._relance_owns_rendering()
        ):
            return super()._run_wkhtmltopdf(
                bodies, report_ref, header, footer, landscape, specific_paperformat_args,
                set_viewport_size,
            )  # fmt: skip
        processes = 1 if request else min(os.cpu_count() or 1, len(bodies) // PAGES_PER_PROCESS)
        size = -(-len(bodies) // max(processes, 1))
        documents = [
            self._relance_merge_bodies(bodies[start : start + size])
            for start in range(0, len(bodies), size)
        ]
        if len(documents) == 1:
            return super()._run_wkhtmltopdf(
                documents, report_ref, None, None, landscape, specific_paperformat_args,
                set_viewport_size,
            )  # fmt: skip
        args = self._build_wkhtmltopdf_args(
            report.get_paperformat(), landscape, specific_paperformat_args, set_viewport_size
        )
        return self._relance_run_processes(documents, args)

    def _prepare_html(self, html, report_model=False):
        """A wkhtmltopdf built without the patched Qt (Debian's) ignores the header and
        footer Odoo prints apart from the body: this module's documents (see
        ``_relance_owns_rendering``) would lose the company's name, address and legal
        details, which French law requires on invoices and on formal notices. With such a
        build, each of these documents gets its header and footer at the top and bottom of
        its body. Other reports are Odoo's alone."""
        if self._relance_owns_rendering() and not ir_actions_report._wkhtml().is_patched_qt:
            html = self._relance_inline_header_footer(html)
        return super()._prepare_html(html, report_model=report_model)

    def _relance_inline_header_footer(self, html):
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        for block, side in (("header", "following"), ("footer", "preceding")):
            for node in root.xpath(LAYOUT_BLOCK.format(block)):
                article = node.xpath(ARTICLE.format(side))
                if not article:
                    continue
                # renamed, or Odoo would take it out of the body again
                classes = node.get("class").split()
                node.set("class", " ".join(f"o_relance_{c}" if c == block else c for c in classes))
                # the page numbers are only filled in a separate header or footer
                for counter in node.xpath(".//span[@class='page' or @class='topage']/.."):
                    counter.drop_tree()
                if block == "header":
                    article[0].insert(0, node)
                else:
                    article[0].append(node)
        return lxml.html.tostring(root, encoding="unicode")

    def _relance_merge_bodies(self, bodies):
        document = lxml.html.document_fromstring(bodies[0])
        target = document.body
        for body in bodies[1:]:
            page_break = lxml.html.Element("div", style="page-break-before: always;")
            target.append(page_break)
            for node in lxml.html.document_fromstring(body).body:
                target.append(node)
        return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")

    def _relance_run_processes(self, documents, args):
        """Prints each HTML document with its own wkhtmltopdf process, all started before
        the first is waited for (no thread: the processes need neither the database nor
        this Python process), and joins their PDFs in order."""
        with tempfile.TemporaryDirectory(prefix="relance.report.") as tmp_name:
            tmp = Path(tmp_name)
            processes = []
            try:
                for index, html in enumerate(documents):
                    (tmp / f"{index}.html").write_text(html, encoding="utf-8")
                    processes.append(self._relance_start_wkhtmltopdf(args, tmp, index))
                returncodes = [process.wait() for process in processes]
            finally:
                # none left running when another could not be started, or on an interruption
                for process in processes:
                    if process.poll() is None:
                        process.kill()
                        process.wait()
            for index, returncode in enumerate(returncodes):
                messages = (tmp / f"{index}.txt").read_text(encoding="utf-8", errors="replace")
                message = messages[-1000:]
                if returncode == 1:  # printed, a resource missing: a warning, as Odoo does
                    _logger.warning("wkhtmltopdf: %s", message)
                elif returncode:
                    raise RenderError(
                        self.env._(
                            "Wkhtmltopdf failed (error code: %(error_code)s). "
                            "Message: %(message)s",
                            error_code=returncode,
                            message=message,
                        )
                    )
            return merge_pdf(
                [(tmp / f"{index}.pdf").read_bytes() for index in range(len(documents))]
            )

    @staticmethod
    def _relance_start_wkhtmltopdf(args, folder, index):
        """wkhtmltopdf started on ``<index>.html`` of ``folder``, printing ``<index>.pdf``;
        its messages go to ``<index>.txt``, a file, which cannot fill up and block it as a
        pipe read only once every process has ended would."""
        with (folder / f"{index}.txt").open("wb") as messages:
            return subprocess.Popen(  # noqa: S603 (Odoo's binary, arguments built by Odoo)
                [
                    ir_actions_report._wkhtml().bin,
                    *args,
                    folder / f"{index}.html",
                    folder / f"{index}.pdf",
                ],
                stdout=subprocess.DEVNULL,
                stderr=messages,
            )

    def _relance_render_pdfs(self, report_ref, records):
        """{record id: PDF bytes} for these records, with as few wkhtmltopdf calls as the
        documents' lengths allow: all in one call when each document fits on one page, else
        the batch is halved until it does (a record alone is always one call). The report,
        even another module's (the invoices of a reminder), is rendered as this module's
        documents are (``_relance_owns_rendering``)."""
        self = self.with_context(**{RENDERING_KEY: True})  # noqa: PLW0642
        content, report_type = self._pre_render_qweb_pdf(report_ref, res_ids=records.ids)
        pdfs = self._get_splitted_report(report_ref, content, report_type)
        if set(pdfs) == set(records.ids) or len(records) == 1:
            return pdfs
        half = len(records) // 2
        return {
            **self._relance_render_pdfs(report_ref, records[:half]),
            **self._relance_render_pdfs(report_ref, records[half:]),
        }
