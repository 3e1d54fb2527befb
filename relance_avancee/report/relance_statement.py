from odoo import api, fields, models

STATEMENT_REPORT = "relance_avancee.report_relance_statement"
STATEMENT_MODEL = f"report.{STATEMENT_REPORT}"
AGEING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


class ReportRelanceStatement(models.AbstractModel):
    """The customer statement (relevé de compte): every open item of the customers
    printed, computed for all of them at once.

    The company and the statement date come from the report's ``data`` (``company_id``,
    ``date``), else from the context (``relance_statement_company_id``,
    ``relance_statement_date``), else the current company and today."""

    _name = STATEMENT_MODEL
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
            "statements": self._statement_data(partners, company, date),
        }

    @api.model
    def _open_items_domain(self, partners, companies=None, date=None):
        """The open receivable items of these customers (and their contacts): posted,
        unreconciled journal items with something left, in ``companies`` when given,
        dated ``date`` at the latest when given."""
        domain = [
            ("partner_id.commercial_partner_id", "in", partners.commercial_partner_id.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        if date:
            domain.append(("date", "<=", date))
        return domain

    @api.model
    def _statement_data(self, partners, company, date):
        """The statement of account of these customers in ``company`` at ``date``, from one
        query for all of them: {commercial partner id: [per currency, by currency name,
        {"currency", "items", "total", "ageing"}]}.

        Each item, by due date: "type" (``invoice``, ``credit_note``, ``payment`` for an
        unallocated payment or any other credit, ``entry`` for another debit), "number",
        "date", "date_due", "amount" (the original amount) and "residual", signed (credits
        negative) in the item's own currency, and "days_late" (of what is owed; 0 for a
        credit). "ageing" spreads the residuals on the days past the due date (an item
        without due date is aged from its date), as Odoo's aged receivable does, so its
        buckets ``not_due``, ``1_30``, ``31_60``, ``61_90``, ``over_90`` add up to "total".
        """
        partners = partners.commercial_partner_id
        result = {partner.id: [] for partner in partners}
        if not partners:
            return result
        lines = self.env["account.move.line"].search_fetch(
            self._open_items_domain(partners, company, date),
            [
                "partner_id",
                "move_name",
                "move_type",
                "date",
                "date_maturity",
                "currency_id",
                "amount_currency",
                "amount_residual_currency",
            ],
            order="id",
        )
        by_partner = {}
        for line in lines:
            statement = by_partner.setdefault(line.partner_id.commercial_partner_id.id, {})
            currency = statement.setdefault(
                line.currency_id,
                {
                    "currency": line.currency_id,
                    "items": [],
                    "total": 0.0,
                    "ageing": dict.fromkeys(AGEING_BUCKETS, 0.0),
                },
            )
            item = self._statement_item(line, date)
            bucket = self._ageing_bucket((date - item["date_due"]).days)
            currency["items"].append(item)
            currency["total"] += item["residual"]
            currency["ageing"][bucket] += item["residual"]
        for partner_id, statement in by_partner.items():
            for values in statement.values():
                values["items"].sort(key=lambda i: (i["date_due"], i["date"], i["number"]))
                rounding = values["currency"].round
                values["total"] = rounding(values["total"])
                values["ageing"] = {
                    key: rounding(amount) for key, amount in values["ageing"].items()
                }
            result[partner_id] = sorted(statement.values(), key=lambda v: v["currency"].name)
        return result

    @api.model
    def _statement_item(self, line, date):
        """The statement's item of an open receivable journal item (see _statement_data)."""
        due = line.date_maturity or line.date
        residual = line.amount_residual_currency
        if line.move_type in ("out_invoice", "out_receipt"):
            kind = "invoice"
        elif line.move_type == "out_refund":
            kind = "credit_note"
        else:
            kind = "payment" if residual < 0 else "entry"
        return {
            "type": kind,
            "number": line.move_name,
            "date": line.date,
            "date_due": due,
            "amount": line.amount_currency,
            "residual": residual,
            "days_late": max((date - due).days, 0) if residual > 0 else 0,
        }

    @api.model
    def _ageing_bucket(self, days_late):
        """The statement's ageing bucket of an item so many days past its due date."""
        if days_late <= 0:
            return "not_due"
        if days_late > 90:
            return "over_90"
        start = (days_late - 1) // 30 * 30
        return f"{start + 1}_{start + 30}"
