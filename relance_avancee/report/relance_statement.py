from odoo import api, fields, models

STATEMENT_REPORT = "relance_avancee.report_relance_statement"


class ReportRelanceStatement(models.AbstractModel):
    """The customer statement (relevé de compte): every open item of the customers
    printed, computed for all of them at once.

    The company and the statement date come from the report's ``data`` (``company_id``,
    ``date``), else from the context (``relance_statement_company_id``,
    ``relance_statement_date``), else the current company and today."""

    _name = "report.relance_avancee.report_relance_statement"
    _description = "Customer statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        context = self.env.context
        company_id = data.get("company_id") or context.get("relance_statement_company_id")
        company = (
            self.env["res.company"].browse(int(company_id)) if company_id else self.env.company
        )
        date = fields.Date.to_date(
            data.get("date") or context.get("relance_statement_date")
        ) or fields.Date.context_today(self)
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statement_date": date,
            "statements": partners._relance_statement_data(company, date),
        }
