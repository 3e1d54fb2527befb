import lxml.html

from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _run_wkhtmltopdf(self, bodies, *args, **kwargs):
        """With ``relance_single_document`` in the context, the records' documents are put in
        one HTML document, each starting on a new page, and printed by one wkhtmltopdf call.

        Odoo passes one HTML file per record, which a wkhtmltopdf built without the patched
        Qt (Debian's) refuses; in one document it prints them all, and Odoo cuts the result
        into one PDF per record when each takes one page (see ``_relance_render_pdfs``)."""
        if self.env.context.get("relance_single_document") and len(bodies) > 1:
            bodies = [self._relance_merge_bodies(bodies)]
        return super()._run_wkhtmltopdf(bodies, *args, **kwargs)

    def _relance_merge_bodies(self, bodies):
        document = lxml.html.document_fromstring(bodies[0])
        target = document.body
        for body in bodies[1:]:
            page_break = lxml.html.Element("div", style="page-break-before: always;")
            target.append(page_break)
            for node in lxml.html.document_fromstring(body).body:
                target.append(node)
        return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")

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
