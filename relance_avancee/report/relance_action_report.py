from odoo import fields, models
from odoo.tools import SQL

from ..models.relance_channel import CHANNEL_CODES
from ..models.relance_history import HISTORY_STATES

RECOVERY_DAYS = 15


class RelanceActionReport(models.Model):
    """Dunning actions over time by channel and level, with their outcome: the amount of
    the reminded invoices paid within 15 days after the action."""

    _name = "relance.action.report"
    _description = "Dunning actions analysis"
    _auto = False
    _order = "date desc"

    history_id = fields.Many2one("relance.history", "Action", readonly=True)
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    level_id = fields.Many2one("relance.level", "Level", readonly=True)
    policy_id = fields.Many2one("relance.policy", "Policy", readonly=True)
    channel = fields.Selection(CHANNEL_CODES, readonly=True)
    state = fields.Selection(HISTORY_STATES, readonly=True)
    call_outcome = fields.Selection(
        selection=lambda self: self.env["relance.history"]._fields["call_outcome"].selection,
        readonly=True,
    )
    amount_reminded = fields.Monetary(readonly=True, currency_field="currency_id")
    amount_recovered = fields.Monetary(
        "Paid within 15 days", readonly=True, currency_field="currency_id"
    )

    # what the view reads: flushed before it is queried
    _depends = {
        "relance.history": [
            "date",
            "company_id",
            "partner_id",
            "level_id",
            "policy_id",
            "channel",
            "state",
            "call_outcome",
            "amount_due",
        ],
        "relance.history.line": ["history_id", "move_id", "amount_residual"],
        "account.move": ["amount_total_signed", "amount_total"],
        "account.partial.reconcile": ["debit_move_id", "max_date", "amount"],
    }

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT history.id AS id,
                   history.id AS history_id,
                   history.date,
                   history.company_id,
                   company.currency_id,
                   history.partner_id,
                   history.level_id,
                   history.policy_id,
                   history.channel,
                   history.state,
                   history.call_outcome,
                   history.amount_due AS amount_reminded,
                   COALESCE(recovered.amount, 0) AS amount_recovered
              FROM relance_history history
              JOIN res_company company ON company.id = history.company_id
              LEFT JOIN LATERAL (%(recovered)s) recovered ON TRUE
            """,
            recovered=self._recovered_query(SQL("history")),
        )

    def _recovered_query(self, history):
        """Per action: the payments reconciled with its invoices in the 15 days after it,
        capped at what each invoice still owed at the action, in company currency (the
        invoice's own rate converts the amount owed)."""
        return SQL(
            """
            SELECT SUM(LEAST(
                       paid.amount,
                       hline.amount_residual * ABS(move.amount_total_signed)
                           / NULLIF(move.amount_total, 0)
                   )) AS amount
              FROM relance_history_line hline
              JOIN account_move move ON move.id = hline.move_id
              JOIN LATERAL (
                    SELECT COALESCE(SUM(partial.amount), 0) AS amount
                      FROM account_move_line aml
                      JOIN account_partial_reconcile partial
                        ON partial.debit_move_id = aml.id
                     WHERE aml.move_id = hline.move_id
                       AND partial.max_date > %(history)s.date
                       AND partial.max_date <= %(history)s.date + %(days)s
                   ) paid ON TRUE
             WHERE hline.history_id = %(history)s.id
            """,
            history=history,
            days=RECOVERY_DAYS,
        )
