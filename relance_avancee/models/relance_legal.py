from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..legal import (
    COURT_COMMERCE,
    SIMPLIFIED_PROCEDURE_MAX_EUR,
    competent_court,
    late_interest,
    simplified_procedure_open,
)

PRESCRIPTION_ALERT_DAYS = (90, 30)
# where a French court takes an injonction de payer: metropolitan France and the
# overseas departments
FRENCH_COURT_COUNTRIES = ("FR", "GP", "MQ", "GF", "RE", "YT")


def paid_by_join(date):
    """SQL joining ``paid``: what was reconciled on the receivable journal item ``aml`` (its
    debit) by the end of ``date`` — what an invoice still owed at a date is its receivable
    balance minus ``paid.amount``."""
    return SQL(
        """LEFT JOIN LATERAL (
                SELECT SUM(partial.amount) AS amount
                  FROM account_partial_reconcile partial
                 WHERE partial.debit_move_id = aml.id AND partial.max_date <= %s
               ) paid ON TRUE""",
        date,
    )


class RelanceLegal(models.AbstractModel):
    """French late-payment law applied to invoices in batch: gathers what the pure
    library (``relance_avancee/legal``) needs — rates, payments by day, formal notices —
    in a few queries, and acts on the result: penalty invoices, prescription alerts."""

    _name = "relance.legal"
    _description = "French late-payment law for dunning"

    def _amounts(self, moves, date):
        """{invoice id: {"principal", "interest", "indemnity", "total", "impact", "warning",
        "missing_rate"}}
        at the date, in company currency, for many invoices with two queries (the rates and
        the formal notices' dates). B2B: penalties from the day after the due date at the
        company's rate (ECB rate of 1 January / 1 July + 10 points, or the contractual rate),
        split at each half-year, and the fixed indemnity. B2C: legal interest
        (professional-creditor rate) from the receipt of the formal notice only, no
        indemnity."""
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not invoices:
            return {}
        rate_model = self.env["relance.rate"]
        table = rate_model._rate_table()
        notices = self._notice_dates(invoices)
        settled = self._settlements(invoices)
        eur = self.env.ref("base.EUR")
        result = {}
        for move in invoices:
            company = move.company_id
            principal = move.amount_residual_signed
            values = {"principal": principal, "interest": 0.0, "indemnity": 0.0}
            values["warning"] = values["missing_rate"] = False
            late = move.invoice_date_due and move.invoice_date_due < date and principal > 0
            if late and move.commercial_partner_id.relance_policy_type == "b2c":
                start = notices.get(move.id)
                if start:

                    def rate_for(half_year):
                        return rate_model._rate_at(table, "legal_professional", half_year)

                    values["interest"], values["missing_rate"] = self._interest(
                        move, principal, start, date, rate_for, settled[move.id]
                    )
            elif late:

                def rate_for(half_year, company=company):
                    if company.relance_penalty_mode == "contract":
                        return company.relance_penalty_rate
                    ecb = rate_model._rate_at(table, "ecb", half_year)
                    return None if ecb is None else ecb + 10.0

                values["interest"], values["missing_rate"] = self._interest(
                    move, principal, move.invoice_date_due, date, rate_for, settled[move.id]
                )
                if company.relance_claim_indemnity:
                    values["indemnity"] = eur._convert(
                        company.relance_indemnity_amount, company.currency_id, company, date
                    )
            values["warning"] = self._missing_rate_warning(values["missing_rate"])
            values["total"] = principal + values["interest"] + values["indemnity"]
            values["impact"] = self._impact(
                principal, company._relance_margin(move.commercial_partner_id)
            )
            result[move.id] = values
        return result

    def _impact(self, unpaid, margin):
        """The revenue needed to make up for ``unpaid`` at ``margin`` (%)."""
        return unpaid / (margin / 100.0) if margin and margin > 0 and unpaid > 0 else 0.0

    def _impact_totals(self, company, date, customers=None, overdue_only=False):
        """{commercial partner id: impact of its invoices of ``company`` still unpaid at the
        end of ``date`` (company currency)}, only those overdue then with ``overdue_only``,
        of ``customers`` (default: all): one query, then each customer's margin (its own,
        else the company's) from the fields of the customers, read at once."""
        customer_ids = tuple(filter(None, customers.ids)) if customers is not None else None
        if customer_ids == ():
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.commercial_partner_id, SUM(aml.balance - COALESCE(paid.amount, 0))
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
                  %(paid)s
                 WHERE account.account_type = 'asset_receivable'
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.company_id = %(company)s
                   AND move.date <= %(date)s
                   AND aml.balance > COALESCE(paid.amount, 0)
                   AND %(overdue)s
                   AND %(customers)s
                 GROUP BY move.commercial_partner_id
                """,
                date=date,
                paid=paid_by_join(date),
                company=company.id,
                overdue=SQL("aml.date_maturity < %s", date) if overdue_only else SQL("TRUE"),
                customers=SQL("move.commercial_partner_id IN %s", customer_ids)
                if customer_ids
                else SQL("TRUE"),
            )
        )
        partners = self.env["res.partner"].browse([row[0] for row in rows])
        return {
            partner.id: self._impact(unpaid, company._relance_margin(partner))
            for partner, (_id, unpaid) in zip(partners, rows, strict=True)
        }

    def _interest(self, move, principal, start, end, rate_for, settlements=()):
        """Interest for the days after ``start`` up to ``end`` (``legal.late_interest``),
        in company currency: (amount, False), or (0.0, the first half-year without a rate):
        no figure rather than a wrong one."""
        total, missing = late_interest(principal, start, end, rate_for, settlements)
        if missing:
            return 0.0, missing
        return move.company_id.currency_id.round(total), False

    def _missing_rate_warning(self, half_year):
        if not half_year:
            return False
        return self.env._(
            "Late-payment interest not computed: no reference rate entered for the half-year "
            "starting %(date)s (Invoicing > Configuration > Dunning > Interest rates).",
            date=format_date(self.env, half_year),
        )

    def _settlements(self, moves):
        """{invoice id: [(date, amount in company currency)]}: the payments and credit
        notes reconciled with these invoices, by day, in one query."""
        groups = (
            self.env["account.partial.reconcile"]
            .sudo()
            ._read_group(
                [("debit_move_id.move_id", "in", moves.ids)],
                ["debit_move_id", "max_date:day"],
                ["amount:sum"],
            )
        )
        result = defaultdict(list)
        for line, day, amount in groups:
            result[line.move_id.id].append((day, amount))
        return result

    def _notice_dates(self, moves):
        """{invoice id: receipt of its first formal notice sent}: the acknowledgment of
        receipt, else the presumed receipt (``relance.executor.notice._receipts``), two
        queries for all the invoices. A consumer owes legal interest from it (Code civil
        1231-6, 1344-1)."""
        notices = (
            self.env["relance.history"]
            .sudo()
            .search_fetch(
                [
                    ("line_ids.move_id", "in", moves.ids),
                    ("channel", "=", "notice"),
                    "|",
                    ("state", "=", "done"),
                    "&",
                    ("state", "=", "todo"),
                    ("acknowledgment_date", "!=", False),
                ],
                ["date", "sent_date", "acknowledgment_date", "company_id", "channel", "line_ids"],
            )
        )
        receipts = self.env["relance.executor.notice"]._receipts(notices)
        wanted = set(moves.ids)
        result = {}
        for notice in notices:
            receipt = receipts[notice][0]
            for move_id in notice.line_ids.move_id.ids:
                if move_id in wanted and (move_id not in result or receipt < result[move_id]):
                    result[move_id] = receipt
        return result

    # ------------------------------------------------------------------------------------
    # Court stage, after the formal notice (report/relance_injunction.py)
    # ------------------------------------------------------------------------------------

    @api.model
    def _court(self, partner):
        """Where an injonction de payer against this customer is filed: {"kind",
        "name", "zip", "city", "country", "warning"}: the kind of court (both parties
        traders: the tribunal de commerce) and the place of the debtor it must be the
        court of; no court directory, the registry of that place is the one."""
        partner = partner.commercial_partner_id
        kind = competent_court(True, partner.relance_policy_type == "b2b")
        if kind == COURT_COMMERCE:
            name = self.env._("Tribunal de commerce")
        else:
            name = self.env._("Tribunal judiciaire (or its chambre de proximité)")
        warning = False
        if not (partner.zip and partner.city):
            warning = self.env._(
                "The debtor's address has no postcode or city: the competent court cannot "
                "be told."
            )
        elif partner.country_id and partner.country_id.code not in FRENCH_COURT_COUNTRIES:
            warning = self.env._(
                "The debtor lives outside France: the European order for payment procedure "
                "(Regulation (EC) No 1896/2006) applies instead."
            )
        return {
            "kind": kind,
            "name": name,
            "zip": partner.zip,
            "city": partner.city,
            "country": partner.country_id,
            "warning": warning,
        }

    @api.model
    def _claim_eur(self, moves, date):
        """What these invoices come to at the date (principal, interest, indemnity), in
        EUR."""
        amounts = self._amounts(moves, date)
        eur = self.env.ref("base.EUR")
        total = sum(
            move.company_id.currency_id._convert(
                amounts[move.id]["total"], eur, move.company_id, date
            )
            for move in moves
            if move.id in amounts
        )
        return eur.round(total)

    @api.model
    def _simplified_procedure(self, partner, moves, date):
        """(whether the simplified recovery procedure of small claims is open, the claim
        in EUR, the threshold): a business claim of at most 5,000 EUR at the date."""
        amount = self._claim_eur(moves, date)
        business = partner.commercial_partner_id.relance_policy_type == "b2b"
        return simplified_procedure_open(business, amount), amount, SIMPLIFIED_PROCEDURE_MAX_EUR

    @api.model
    def _prescription_alerts(self, date, companies):
        """Activities for the credit controller 90 and then 30 days before an open invoice
        is time-barred; each alert once (an interruption starts them again). The nearest
        window first: an invoice first seen 21 days before gets the 30-day alert only."""
        for days in sorted(PRESCRIPTION_ALERT_DAYS):
            moves = self.env["account.move"].search(
                [
                    *self.env["account.move"]._relance_open_invoice_domain(companies),
                    ("relance_prescription_date", "<=", fields.Date.add(date, days=days)),
                    ("relance_prescription_date", ">=", date),
                    "|",
                    ("relance_prescription_alerted", "=", 0),
                    ("relance_prescription_alerted", ">", days),
                ]
            )
            for move in moves:
                move.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=date,
                    summary=self.env._(
                        "Prescription in %(days)s days",
                        days=(move.relance_prescription_date - date).days,
                    ),
                    note=self.env._(
                        "%(invoice)s is time-barred on %(date)s: obtain an acknowledgment of "
                        "debt or start a court claim before then.",
                        invoice=move.name,
                        date=move.relance_prescription_date,
                    ),
                    user_id=move._relance_controller().id,
                )
            moves.relance_prescription_alerted = days

    def _invoice_penalties(self, moves):
        """One penalty invoice per customer (no VAT) with the interest and the indemnity of
        these late invoices, linked to them; an invoice already invoiced is left out."""
        amounts = moves._relance_legal_amounts()
        todo = moves.filtered(
            lambda m: (
                not m.relance_penalty_move_id
                and m.id in amounts
                and (amounts[m.id]["interest"] or amounts[m.id]["indemnity"])
            )
        )
        if not todo:
            raise UserError(
                self.env._("No late-payment penalty to invoice: already invoiced, or none due.")
            )
        penalties = moves.browse()
        for (company, partner), invoices in todo.grouped(
            lambda m: (m.company_id, m.commercial_partner_id)
        ).items():
            penalty = moves.create(
                self._penalty_invoice_values(invoices, company, partner, amounts)
            )
            invoices._relance_light_write({"relance_penalty_move_id": penalty.id})
            penalties |= penalty
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "name": self.env._("Penalty invoices"),
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", penalties.ids)],
        }

    def _penalty_invoice_values(self, moves, company, partner, amounts):
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")],
            limit=1,
        )
        lines = []
        today = moves._relance_today()
        for move in moves:
            values = amounts[move.id]
            days = (today - move.invoice_date_due).days
            if values["interest"]:
                lines.append(
                    {
                        "name": self.env._(
                            "Late-payment penalties on %(invoice)s (%(days)s days)",
                            invoice=move.name,
                            days=days,
                        ),
                        "price_unit": values["interest"],
                        "tax_ids": [Command.clear()],
                        "account_id": journal.default_account_id.id,
                    }
                )
            if values["indemnity"]:
                lines.append(
                    {
                        "name": self.env._(
                            "Fixed recovery indemnity on %(invoice)s (Code de commerce D441-5)",
                            invoice=move.name,
                        ),
                        "price_unit": values["indemnity"],
                        "tax_ids": [Command.clear()],
                        "account_id": journal.default_account_id.id,
                    }
                )
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": company.currency_id.id,
            "invoice_origin": ", ".join(moves.mapped("name")),
            "invoice_line_ids": [Command.create(line) for line in lines],
        }
