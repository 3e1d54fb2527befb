from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

KPI_MONTHS = 12
# the figures of relance.dashboard._kpis a month keeps
MONTH_FIGURES = (
    "dso",
    "cei",
    "collection_delay",
    "recovery_rate",
    "amount_reminded",
    "amount_recovered",
    "receivables",
    "overdue",
    "satisfaction",
    "satisfaction_count",
)


class RelanceKpiMonth(models.TransientModel):
    """The dashboard's KPIs month by month over the last 12 months, for graph and pivot
    views: one row per company and month, each computed by ``relance.dashboard._kpis``
    (the one definition of every KPI, which is Python over SQL: a SQL view could not reuse
    it) when the menu opens them. Transient: a user reads only the rows computed for him,
    of his companies, and the vacuum removes them. A month without the data a KPI needs
    (no sales, no reminder, no rating) shows 0."""

    _name = "relance.kpi.month"
    _description = "Dunning KPIs by month"
    _order = "month desc, company_id"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True, readonly=True, help="The first day of the month.")
    date_to = fields.Date("Until", readonly=True, help="The last day of the month, or today.")
    dso = fields.Float("DSO (days)", digits=(16, 1), aggregator="avg", readonly=True)
    cei = fields.Float(
        "Collection effectiveness index (%)", digits=(16, 1), aggregator="avg", readonly=True
    )
    collection_delay = fields.Float(
        "Average collection delay (days)", digits=(16, 1), aggregator="avg", readonly=True
    )
    recovery_rate = fields.Float(
        "Recovery rate within 15 days (%)", digits=(16, 1), aggregator="avg", readonly=True
    )
    amount_reminded = fields.Monetary(
        "Amount reminded", currency_field="currency_id", readonly=True
    )
    amount_recovered = fields.Monetary(
        "Paid within 15 days", currency_field="currency_id", readonly=True
    )
    receivables = fields.Monetary(
        "Receivables at the end", currency_field="currency_id", aggregator="avg", readonly=True
    )
    overdue = fields.Monetary(
        "Overdue at the end", currency_field="currency_id", aggregator="avg", readonly=True
    )
    satisfaction = fields.Float(
        "Customer satisfaction (out of 5)", digits=(16, 1), aggregator="avg", readonly=True
    )
    satisfaction_count = fields.Integer("Satisfaction ratings", readonly=True)

    @api.model
    def action_open(self):
        """The menu: the months of the companies selected, computed now."""
        self._refresh(self.env.companies, fields.Date.context_today(self))
        return self.env["ir.actions.act_window"]._for_xml_id(
            "relance_avancee.relance_kpi_month_action"
        )

    @api.model
    def _refresh(self, companies, today):
        """Replaces the current user's rows by those of ``companies`` over the 12 months
        up to ``today``'s (the current one until ``today``)."""
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        dashboards = self.env["relance.dashboard"]
        vals_list = []
        for company in companies:
            dashboard = dashboards.new({"company_id": company.id})
            for date_from, date_to in self._months(today):
                kpis = dashboard._kpis(date_from, date_to)
                vals_list.append(
                    {
                        "company_id": company.id,
                        "month": date_from,
                        "date_to": date_to,
                        **{name: kpis[name] or 0 for name in MONTH_FIGURES},
                    }
                )
        return self.create(vals_list)

    @api.model
    def _months(self, today):
        """[(first day, last day or today)] of the 12 months up to ``today``'s, oldest
        first."""
        first = today.replace(day=1)
        starts = [first - relativedelta(months=back) for back in range(KPI_MONTHS - 1, -1, -1)]
        return [(start, min(start + relativedelta(months=1, days=-1), today)) for start in starts]
