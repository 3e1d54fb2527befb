from odoo import api, fields, models
from odoo.tools import SQL

from ..models.account_move import POSITION_INPUTS
from ..models.relance_policy import POLICY_TYPES

AGE_BUCKETS = [
    ("0_not_due", "Not due"),
    ("1_30", "1-30 days"),
    ("2_60", "31-60 days"),
    ("3_90", "61-90 days"),
    ("4_over", "Over 90 days"),
]


class RelanceReceivableReport(models.Model):
    """Open customer invoices and credit notes with their age and dunning status, in
    company currency: the aged balance of the managers' pivot and graph views."""

    _name = "relance.receivable.report"
    _description = "Overdue receivables"
    _auto = False
    _order = "days_overdue desc"

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Credit controller", readonly=True)
    policy_id = fields.Many2one("relance.policy", "Dunning policy", readonly=True)
    policy_type = fields.Selection(POLICY_TYPES, "Customer type", readonly=True)
    level_id = fields.Many2one("relance.level", "Dunning level", readonly=True)
    relance_state = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["relance_state"].selection,
        string="Dunning state",
        readonly=True,
    )
    invoice_date = fields.Date(readonly=True)
    invoice_date_due = fields.Date("Due date", readonly=True)
    days_overdue = fields.Integer("Days overdue", readonly=True, aggregator="max")
    age_bucket = fields.Selection(AGE_BUCKETS, "Age", readonly=True)
    amount_residual = fields.Monetary("Amount due", readonly=True, currency_field="currency_id")
    amount_overdue = fields.Monetary("Overdue", readonly=True, currency_field="currency_id")

    # what the view reads: flushed before it is queried
    _depends = {
        "account.move": [
            "company_id",
            "commercial_partner_id",
            *POSITION_INPUTS,
            "invoice_date",
            "invoice_date_due",
            "amount_residual_signed",
            "move_type",
            "state",
            "payment_state",
        ],
        "res.partner": ["relance_user_id", "relance_policy_type"],
        "relance.policy": ["policy_type"],
        "relance.level": ["policy_id", "sequence", "offset_days", "min_days_since_previous"],
    }

    @property
    def _table_query(self):
        return self._query(fields.Date.context_today(self))

    @api.model
    def _query(self, today):
        return SQL(
            """
            SELECT move.id AS id,
                   move.id AS move_id,
                   move.company_id,
                   company.currency_id,
                   move.commercial_partner_id AS partner_id,
                   partner.relance_user_id AS user_id,
                   move.relance_policy_id AS policy_id,
                   COALESCE(policy.policy_type, partner.relance_policy_type) AS policy_type,
                   move.relance_level_id AS level_id,
                   pos.state AS relance_state,
                   move.invoice_date,
                   move.invoice_date_due,
                   GREATEST(%(today)s - move.invoice_date_due, 0) AS days_overdue,
                   CASE
                       WHEN move.invoice_date_due >= %(today)s THEN '0_not_due'
                       WHEN %(today)s - move.invoice_date_due <= 30 THEN '1_30'
                       WHEN %(today)s - move.invoice_date_due <= 60 THEN '2_60'
                       WHEN %(today)s - move.invoice_date_due <= 90 THEN '3_90'
                       ELSE '4_over'
                   END AS age_bucket,
                   move.amount_residual_signed AS amount_residual,
                   CASE WHEN move.invoice_date_due < %(today)s
                        THEN move.amount_residual_signed ELSE 0 END AS amount_overdue
              FROM account_move move
              JOIN res_company company ON company.id = move.company_id
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
              LEFT JOIN relance_policy policy ON policy.id = move.relance_policy_id
              LEFT JOIN (%(positions)s) pos ON pos.id = move.id
             WHERE move.move_type IN ('out_invoice', 'out_refund')
               AND move.state = 'posted'
               AND move.payment_state IN ('not_paid', 'partial')
            """,
            today=today,
            positions=self.env["relance.engine"]._positions_sql(
                today,
                SQL("move.state = 'posted' AND move.payment_state IN ('not_paid', 'partial')"),
            ),
        )
