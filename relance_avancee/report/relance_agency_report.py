from odoo import fields, models
from odoo.tools import SQL

RATE_AGGREGATE = "recovery_rate:sum"


class RelanceAgencyReport(models.Model):
    """The files handed over to collection agencies and bailiffs, one per handover action,
    with what each recovered and cost: the recovery rate of an agency is what its files
    recovered over what was handed over to it (a ratio of the sums in any grouping, not an
    average of the files' rates)."""

    _name = "relance.agency.report"
    _description = "Collection agencies analysis"
    _auto = False
    _order = "date desc"

    handover_id = fields.Many2one("relance.history", "Handover file", readonly=True)
    date = fields.Date("Handed over on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    agency_id = fields.Many2one("res.partner", "Agency or bailiff", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    amount_handed_over = fields.Monetary(readonly=True, currency_field="currency_id")
    amount_recovered = fields.Monetary(readonly=True, currency_field="currency_id")
    fee = fields.Monetary("Fees", readonly=True, currency_field="currency_id")
    net_amount = fields.Monetary("Net recovered", readonly=True, currency_field="currency_id")
    recovery_rate = fields.Float("Recovery rate (%)", readonly=True, digits=(16, 1))

    _depends = {
        "relance.history": [
            "date",
            "company_id",
            "partner_id",
            "channel",
            "state",
            "amount_due",
            "handover_partner_id",
        ],
        "relance.recovery": ["handover_id", "amount", "fee"],
        "res.partner": ["relance_handover_partner_id"],
    }

    @property
    def _table_query(self):
        # a file handed over before the agency was recorded on the action: the customer's
        return SQL(
            """
            SELECT history.id AS id,
                   history.id AS handover_id,
                   history.date,
                   history.company_id,
                   company.currency_id,
                   COALESCE(history.handover_partner_id, customer.relance_handover_partner_id)
                       AS agency_id,
                   history.partner_id,
                   history.amount_due AS amount_handed_over,
                   COALESCE(recovered.amount, 0) AS amount_recovered,
                   COALESCE(recovered.fee, 0) AS fee,
                   COALESCE(recovered.amount, 0) - COALESCE(recovered.fee, 0) AS net_amount,
                   COALESCE(recovered.amount, 0) * 100.0 / NULLIF(history.amount_due, 0)
                       AS recovery_rate
              FROM relance_history history
              JOIN res_company company ON company.id = history.company_id
              JOIN res_partner customer ON customer.id = history.partner_id
              LEFT JOIN (
                    SELECT handover_id, SUM(amount) AS amount, SUM(fee) AS fee
                      FROM relance_recovery
                     GROUP BY handover_id
                   ) recovered ON recovered.handover_id = history.id
             WHERE history.channel = 'handover' AND history.state = 'done'
            """
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == RATE_AGGREGATE:
            return SQL(
                "SUM(%s) * 100.0 / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, "amount_recovered", query),
                self._field_to_sql(self._table, "amount_handed_over", query),
            )
        return super()._read_group_select(aggregate_spec, query)
