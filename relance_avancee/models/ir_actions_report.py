import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lxml.html

from odoo import _, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models import ir_actions_report

PAGES_PER_PROCESS = 10  # below that, a second wkhtmltopdf process costs more than it saves
# the header and footer blocks of Odoo's report layouts
LAYOUT_BLOCK = "//div[contains(concat(' ', normalize-space(@class), ' '), ' {} ')]"
ARTICLE = "{}-sibling::div[contains(concat(' ', normalize-space(@class), ' '), ' article ')][1]"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

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
        """With ``relance_single_document`` in the context, the records' documents are put in
        one HTML document, each starting on a new page, and printed in one go.

        Odoo passes one HTML file per record, which a wkhtmltopdf built without the patched
        Qt (Debian's) refuses; in one document it prints them all, and Odoo cuts the result
        into one PDF per record when each takes one page (see ``_relance_render_pdfs``).
        Outside an HTTP request (crons), the document is split between one wkhtmltopdf
        process per CPU core, whose PDFs are joined."""
        if not (self.env.context.get("relance_single_document") and len(bodies) > 1):
            return super()._run_wkhtmltopdf(
                bodies, report_ref, header, footer, landscape, specific_paperformat_args,
                set_viewport_size,
            )  # fmt: skip
        processes = min(os.cpu_count() or 1, len(bodies) // PAGES_PER_PROCESS) if not request else 1
        if processes <= 1:
            return super()._run_wkhtmltopdf(
                [self._relance_merge_bodies(bodies)], report_ref, header, footer, landscape,
                specific_paperformat_args, set_viewport_size,
            )  # fmt: skip
        size = -(-len(bodies) // processes)
        documents = [
            self._relance_merge_bodies(bodies[start : start + size])
            for start in range(0, len(bodies), size)
        ]
        paperformat = (
            self._get_report(report_ref).get_paperformat() if report_ref else self.get_paperformat()
        )
        args = self._build_wkhtmltopdf_args(
            paperformat, landscape, specific_paperformat_args, set_viewport_size
        )
        return self._relance_run_parallel(documents, args, header, footer)

    def _prepare_html(self, html, report_model=False):
        """A wkhtmltopdf built without the patched Qt (Debian's) ignores the header and
        footer Odoo prints apart from the body: invoices and letters would lose the company's
        name, address and legal details, which French law requires on them. With such a
        build, each document's header and footer are put at the top and bottom of its body."""
        if not ir_actions_report._wkhtml().is_patched_qt:
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

    def _relance_run_parallel(self, documents, args, header, footer):
        """Prints each HTML document by its own wkhtmltopdf process, at the same time (the
        processes need no database), and joins the PDFs in order."""
        with tempfile.TemporaryDirectory(prefix="relance.report.") as tmp_name:
            tmp = Path(tmp_name)
            for name, html in (("header", header), ("footer", footer)):
                if html:
                    (tmp / f"{name}.html").write_text(html)
                    args = [*args, f"--{name}-html", str(tmp / f"{name}.html")]
            jobs = []
            for index, html in enumerate(documents):
                (tmp / f"body{index}.html").write_text(html)
                jobs.append([*args, str(tmp / f"body{index}.html"), str(tmp / f"out{index}.pdf")])
            with ThreadPoolExecutor(len(jobs)) as pool:
                processes = list(pool.map(ir_actions_report._run_wkhtmltopdf, jobs))
            # 1 is what an unpatched wkhtmltopdf returns for the header and footer it ignores
            failed = [p for p in processes if p.returncode not in (0, 1)]
            if failed:
                raise UserError(
                    _(
                        "Wkhtmltopdf failed (error code: %(error_code)s). Message: %(message)s",
                        error_code=failed[0].returncode,
                        message=(failed[0].stderr or "")[-1000:],
                    )
                )
            return merge_pdf([(tmp / f"out{index}.pdf").read_bytes() for index in range(len(jobs))])

    def _relance_render_pdfs(self, report_ref, records):
        """{record id: PDF bytes} for these records, with as few wkhtmltopdf calls as the
        documents' lengths allow: all in one call when each document fits on one page, else
        the batch is halved until it does (a record alone is always one call)."""
        self = self.with_context(relance_single_document=True)  # noqa: PLW0642
        content, report_type = self._pre_render_qweb_pdf(report_ref, res_ids=records.ids)
        pdfs = self._get_splitted_report(report_ref, content, report_type)
        if set(pdfs) == set(records.ids) or len(records) == 1:
            return pdfs
        half = len(records) // 2
        return {
            **self._relance_render_pdfs(report_ref, records[:half]),
            **self._relance_render_pdfs(report_ref, records[half:]),
        }
