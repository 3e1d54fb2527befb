from odoo import api, models


class ReportRelanceLetter(models.AbstractModel):
    """The reminder letters and formal notices of dunning actions
    (report/relance_letter_report.xml): each invoice in its own currency, the totals per
    currency, the interest and indemnity the law allows, the deadline given."""

    _name = "report.relance_avancee.report_relance_letter"
    _description = "Dunning letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        return {
            "doc_ids": docids,
            "doc_model": "relance.history",
            "docs": self.env["relance.history"].browse(docids),
            "letter": self,
        }

    def _deadline(self, history):
        """The date given to pay: a formal notice's counts from its receipt, unknown when
        it is printed, which gives the days instead."""
        return history.deadline_date

    @api.model
    def _consumer(self, history):
        return history.partner_id.relance_policy_type == "b2c"

    def _legal_amounts(self, history):
        """Interest and indemnity per invoice at the action's date, for a business
        customer (a consumer owes interest only from the receipt of the formal notice)."""
        if self._consumer(history):
            return {}
        return history.line_ids.move_id._relance_legal_amounts(history.date)

    @api.model
    def _subject(self, move):
        """What the invoice is for: the first line of the label of its first product line."""
        line = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")[:1]
        label = (line.name or "").strip()
        return label.splitlines()[0] if label else ""

    @api.model
    def _consumer_mediator(self, company):
        """The consumer mediator's name, address and website as printed on a formal notice
        to a consumer (Code de la consommation L616-1, R616-1), False when not entered."""
        parts = [
            company.relance_consumer_mediator_name,
            company.relance_consumer_mediator_address,
            company.relance_consumer_mediator_website,
        ]
        return ", ".join(filter(None, parts)) if parts[0] else False

    @api.model
    def _missing_rate(self, legal):
        """The first half-year whose interest the letter cannot claim (its rate was not
        entered), False when none: said on the letter rather than a silent zero."""
        return min(filter(None, (v.get("missing_rate") for v in legal.values())), default=False)

    def _rows(self, history, legal):
        """The letter's rows, amounts in the invoice's currency: the interest and the
        indemnity, computed in company currency as the law says, converted at the action's
        date. ``legal``: {invoice id: {"interest", "indemnity"}} in company currency."""
        company = history.company_id
        rows = []
        for line in history.line_ids:
            move = line.move_id
            amounts = legal.get(move.id, {})
            rows.append(
                {
                    "line": line,
                    "move": move,
                    "currency": move.currency_id,
                    "residual": line.amount_residual,
                    "interest": company.currency_id._convert(
                        amounts.get("interest", 0.0), move.currency_id, company, history.date
                    ),
                    "indemnity": company.currency_id._convert(
                        amounts.get("indemnity", 0.0), move.currency_id, company, history.date
                    ),
                }
            )
        return rows

    @api.model
    def _totals(self, rows):
        """[{currency, residual, interest, indemnity, total}], one per currency."""
        totals = {}
        for row in rows:
            total = totals.setdefault(
                row["currency"],
                {"currency": row["currency"], "residual": 0.0, "interest": 0.0, "indemnity": 0.0},
            )
            for key in ("residual", "interest", "indemnity"):
                total[key] += row[key]
        for total in totals.values():
            total["total"] = total["residual"] + total["interest"] + total["indemnity"]
        return sorted(totals.values(), key=lambda total: total["currency"].name)
