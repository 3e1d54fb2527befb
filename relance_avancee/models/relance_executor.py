import logging

from odoo import models
from odoo.exceptions import UserError

from .ir_actions_report import release_memory

_logger = logging.getLogger(__name__)

PDF_BATCH = 200  # invoices rendered together (one HTML document per wkhtmltopdf process)


class RelanceExecutor(models.AbstractModel):
    """What a channel does with its dunning actions. Each ``relance.channel`` record names
    its executor (``executor_model``), a model inheriting this one, called once with all
    the actions of its channel: ``_execute(histories)``. This one leaves the actions to do
    by hand (channels without automation)."""

    _name = "relance.executor"
    _description = "Dunning channel executor"

    def _execute(self, histories):
        histories.write({"reason": self.env._("To be done by hand, then marked as done.")})

    def _store_invoice_pdfs(self, moves, batch_size=PDF_BATCH):
        """Renders these invoices' PDFs (many per wkhtmltopdf call, ``batch_size`` at most)
        and stores them as their legal PDF, as Send & Print does. A batch that cannot be
        rendered is logged and left out: the caller sees which invoices have no PDF.
        Returns the attachments."""
        report_model = self.env["ir.actions.report"]
        report = self.env.ref("account.account_invoices")
        attachment_model = self.env["ir.attachment"].sudo()
        attachments = attachment_model.browse()
        for company, company_moves in moves.grouped("company_id").items():
            for start in range(0, len(company_moves), batch_size):
                batch = company_moves[start : start + batch_size]
                try:
                    content_by_id = report_model.with_company(company)._relance_render_pdfs(
                        report.report_name, batch
                    )
                except UserError as error:
                    _logger.warning("Invoice PDFs of %s not rendered: %s", batch, error)
                    continue
                stored = attachment_model.create(
                    [
                        {
                            "name": move._get_invoice_report_filename(report=report),
                            "raw": content_by_id[move.id],
                            "mimetype": "application/pdf",
                            "res_model": "account.move",
                            "res_id": move.id,
                            "res_field": "invoice_pdf_report_file",
                        }
                        for move in batch
                        if move.id in content_by_id
                    ]
                )
                # the files are written: their bytes leave the cache, and the memory the
                # batch took goes back to the system before the next (release_memory)
                stored.invalidate_recordset(["raw", "datas"])
                attachments |= stored
                del content_by_id
                release_memory()
        moves.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return attachments
