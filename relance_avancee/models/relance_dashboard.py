from bisect import bisect_left
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .relance_legal import paid_by_join

# how far back the countback DSO looks for the sales the receivables stand for
COUNTBACK_MONTHS = 24


class RelanceDashboard(models.TransientModel):
    """The managers' dashboard: the KPIs of a period beside those of the period before
    (same length). Formulas in readme/USAGE.md; all computed in SQL or ``_read_group``."""

    _name = "relance.dashboard"
    _description = "Dunning dashboard"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    dso_method = fields.Selection(related="company_id.relance_dso_method")
    date_from = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(day=1, months=-2),
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    kpi_html = fields.Html("Indicators", compute="_compute_kpi_html", sanitize=False)
    recovery_html = fields.Html("Recovery by level", compute="_compute_kpi_html", sanitize=False)
    cause_html = fields.Html("Causes of delay", compute="_compute_kpi_html", sanitize=False)

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("Dunning dashboard")

    def _previous_period(self):
        length = (self.date_to - self.date_from).days + 1
        return (
            fields.Date.add(self.date_from, days=-length),
            fields.Date.add(self.date_from, days=-1),
        )

    @api.depends("company_id", "date_from", "date_to")
    def _compute_kpi_html(self):
        qweb = self.env["ir.qweb"]
        channels = dict(
            self.env["relance.action.report"]._fields["channel"]._description_selection(self.env)
        )
        cause_labels = dict(
            self.env["account.move"]._fields["relance_cause"]._description_selection(self.env)
        )
        for dashboard in self:
            if not (dashboard.date_from and dashboard.date_to and dashboard.company_id):
                dashboard.kpi_html = dashboard.recovery_html = dashboard.cause_html = False
                continue
            values = {
                "current": dashboard._kpis(dashboard.date_from, dashboard.date_to),
                "previous": dashboard._kpis(*dashboard._previous_period()),
                "currency": dashboard.currency_id,
                "channels": channels,
                "causes": dashboard._causes(dashboard.date_from, dashboard.date_to),
                "cause_labels": cause_labels,
            }
            dashboard.kpi_html = qweb._render("relance_avancee.relance_dashboard_kpi_table", values)
            dashboard.recovery_html = qweb._render(
                "relance_avancee.relance_dashboard_recovery_table", values
            )
            dashboard.cause_html = qweb._render(
                "relance_avancee.relance_dashboard_cause_table", values
            )

    # ------------------------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------------------------

    def _check_company_allowed(self):
        """The figures are read in SQL: a user sees only the companies he may access."""
        if self.env.su:
            return
        for dashboard in self:
            if dashboard.company_id not in self.env.user.company_ids:
                raise AccessError(
                    self.env._(
                        "You have no access to the company %(company)s.",
                        company=dashboard.company_id.sudo().name,
                    )
                )

    def _kpis(self, date_from, date_to):
        self.ensure_one()
        self._check_company_allowed()
        company = self.company_id
        begin = self._receivables(fields.Date.add(date_from, days=-1))
        end = self._receivables(date_to)
        end_current = self._receivables(date_to, not_due_only=True)
        sales = self._credit_sales(date_from, date_to)
        collected = begin + sales - end
        kpis = {
            "dso": self._dso(date_from, date_to, end, sales),
            "receivables": end,
            "overdue": end - end_current,
            "cei": round(collected / (begin + sales - end_current) * 100, 1)
            if (begin + sales - end_current)
            else None,
            "collection_delay": self._collection_delay(date_from, date_to),
        }
        by_level = self.env["relance.action.report"]._read_group(
            [
                ("company_id", "=", company.id),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("state", "=", "done"),
            ],
            ["level_id", "channel"],
            ["amount_reminded:sum", "amount_recovered:sum"],
        )
        kpis["recovery_by_level"] = [
            (level, channel, reminded, recovered, recovered / reminded * 100 if reminded else 0.0)
            for level, channel, reminded, recovered in by_level
        ]
        reminded = sum(row[2] for row in kpis["recovery_by_level"])
        recovered = sum(row[3] for row in kpis["recovery_by_level"])
        kpis["recovery_rate"] = round(recovered / reminded * 100, 1) if reminded else None
        kpis["amount_reminded"], kpis["amount_recovered"] = reminded, recovered
        kpis["satisfaction"], kpis["satisfaction_count"] = self.env["relance.satisfaction"]._kpi(
            company, date_from, date_to
        )
        promises = dict(
            self.env["relance.promise"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                ["state"],
                ["__count"],
            )
        )
        kpis["promises_kept"] = promises.get("kept", 0)
        kpis["promises_broken"] = promises.get("broken", 0)
        kpis["disputes_open"], kpis["dispute_age"] = self._open_disputes(date_to)
        [(handed_over,)] = self.env["relance.history"]._read_group(
            [
                ("company_id", "=", company.id),
                ("channel", "=", "handover"),
                ("state", "=", "done"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            [],
            ["amount_due:sum"],
        )
        kpis["handed_over"] = handed_over or 0.0
        impacts = self.env["relance.legal"]._impact_totals(company, date_to, overdue_only=True)
        kpis["impact"] = sum(impacts.values())
        kpis["agency_recovery_rate"] = self._agency_recovery_rate(date_from, date_to)
        return kpis

    def _dso(self, date_from, date_to, receivables, sales):
        """Days sales outstanding at ``date_to`` by the company's method: the receivables
        over the credit sales of the period times its days, or by countback."""
        if self.company_id.relance_dso_method == "countback":
            return self._dso_countback(date_to, receivables)
        days = (date_to - date_from).days + 1
        return round(receivables / sales * days, 1) if sales else None

    def _dso_countback(self, date_to, receivables):
        """The days of the latest credit sales the receivables at ``date_to`` stand for:
        walking back month by month from ``date_to`` (the month k before it runs from
        ``date_to`` - k-1 months, excluded, to ``date_to`` - k months), each month's sales
        are taken off the receivables, counting its days, until a month's sales cover
        what is left: the share of its days they make. At most COUNTBACK_MONTHS."""
        if receivables <= 0:
            return 0.0
        ends = [date_to - relativedelta(months=k) for k in range(COUNTBACK_MONTHS + 1)][::-1]
        # ascending: a day in (ends[i-1], ends[i]] is in the month COUNTBACK_MONTHS - i back
        monthly = defaultdict(float)
        for day, total in self._credit_sales_by_day(ends[0] + relativedelta(days=1), date_to):
            monthly[len(ends) - 1 - bisect_left(ends, day)] += total
        left, days = receivables, 0.0
        for back in range(COUNTBACK_MONTHS):
            length = (ends[-1 - back] - ends[-2 - back]).days
            sales = max(monthly[back], 0.0)
            if sales and left <= sales:
                return round(days + left / sales * length, 1)
            left -= sales
            days += length
        return round(days, 1)

    def _causes(self, date_from, date_to):
        """[(cause or False, invoices, amount)] of the invoices reminded during the period,
        by their last cause of delay, the largest amount first."""
        rows = self.env["account.move"]._read_group(
            [
                ("company_id", "=", self.company_id.id),
                (
                    "relance_history_line_ids",
                    "any",
                    [("state", "=", "done"), ("date", ">=", date_from), ("date", "<=", date_to)],
                ),
            ],
            ["relance_cause"],
            ["__count", "amount_total_signed:sum"],
        )
        return sorted(rows, key=lambda row: -row[2])

    def _agency_recovery_rate(self, date_from, date_to):
        """What the agencies recovered (to date) on the files handed over to them in the
        period, in % of the amounts handed over (report/relance_agency_report.py)."""
        [(handed_over, rate)] = self.env["relance.agency.report"]._read_group(
            [
                ("company_id", "=", self.company_id.id),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            [],
            ["amount_handed_over:sum", "recovery_rate:sum"],
        )
        return round(rate, 1) if handed_over else None

    def _open_disputes(self, date):
        """(number, average age in days) of the disputes open at the end of ``date``."""
        self.env["relance.dispute"].flush_model()
        [(count, age)] = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*), AVG(%(date)s - date_open)
                  FROM relance_dispute
                 WHERE company_id = %(company)s
                   AND date_open <= %(date)s
                   AND (date_closed IS NULL OR date_closed > %(date)s)
                """,
                date=date,
                company=self.company_id.id,
            )
        )
        return count, round(float(age), 1) if age is not None else None

    def _receivables(self, date, not_due_only=False):
        """Customer receivables at the end of ``date`` (company currency): the receivable
        journal items posted by then, minus what was reconciled by then on the not-due ones
        when ``not_due_only``."""
        if not_due_only:
            query = SQL(
                """
                SELECT COALESCE(SUM(aml.balance - COALESCE(paid.amount, 0)), 0)
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                  %(paid)s
                 WHERE account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = %(company)s
                   AND aml.date <= %(date)s
                   AND aml.balance > 0
                   AND aml.date_maturity > %(date)s
                """,
                date=date,
                paid=paid_by_join(date),
                company=self.company_id.id,
            )
        else:
            query = SQL(
                """
                SELECT COALESCE(SUM(aml.balance), 0)
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                 WHERE account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = %(company)s
                   AND aml.date <= %(date)s
                """,
                date=date,
                company=self.company_id.id,
            )
        self.env["account.move.line"].flush_model()
        return self.env.execute_query(query)[0][0]

    def _credit_sales_domain(self, date_from, date_to):
        return [
            ("company_id", "=", self.company_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("invoice_date", ">=", date_from),
            ("invoice_date", "<=", date_to),
        ]

    def _credit_sales(self, date_from, date_to):
        [(total,)] = self.env["account.move"]._read_group(
            self._credit_sales_domain(date_from, date_to), [], ["amount_total_signed:sum"]
        )
        return total or 0.0

    def _credit_sales_by_day(self, date_from, date_to):
        return self.env["account.move"]._read_group(
            self._credit_sales_domain(date_from, date_to),
            ["invoice_date:day"],
            ["amount_total_signed:sum"],
        )

    def _collection_delay(self, date_from, date_to):
        """Average days from due date to full payment, for the invoices fully paid in the
        period (the date of the last reconciliation of their receivable)."""
        self.env["account.move"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT AVG(paid.last_date - move.invoice_date_due)
                  FROM account_move move
                  JOIN LATERAL (
                        SELECT MAX(partial.max_date) AS last_date
                          FROM account_move_line aml
                          JOIN account_partial_reconcile partial
                            ON partial.debit_move_id = aml.id
                         WHERE aml.move_id = move.id
                       ) paid ON TRUE
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('paid', 'in_payment')
                   AND move.company_id = %(company)s
                   AND paid.last_date BETWEEN %(date_from)s AND %(date_to)s
                """,
                company=self.company_id.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        average = rows[0][0]
        return round(float(average), 1) if average is not None else None
