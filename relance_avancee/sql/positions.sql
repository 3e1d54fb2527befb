-- The dunning position of customer invoices at the date given, for those the caller's
-- condition on ``move`` selects: the next level — the first level of the invoice's policy after its
-- current one, pre-due levels passed over once the due date is past —, its date — the level's
-- offset from the due date, not before the minimum delay after the last reminder, brought
-- forward to the escalation date — and the state: closed (paid, reversed, not posted),
-- handed over, paused (dispute, mediation, payment plan, promise or payment declared), to
-- remind (the next date reached), waiting (reminded, next level later), not due.
SELECT step.*,
       CASE
           WHEN step.move_state != 'posted'
             OR step.payment_state IN ('paid', 'in_payment', 'reversed')
             OR step.settled THEN 'closed'
           WHEN step.relance_handed_over THEN 'handed_over'
           WHEN step.relance_dispute
             OR step.relance_mediation
             OR step.relance_payment_plan_id IS NOT NULL
             OR step.relance_pause_until >= %(date)s THEN 'paused'
           WHEN step.next_date <= %(date)s THEN 'to_remind'
           WHEN step.relance_level_id IS NOT NULL THEN 'waiting'
           ELSE 'not_due'
       END AS state
  FROM (
    SELECT move.id, move.state AS move_state, move.payment_state, move.relance_level_id,
           move.relance_handed_over, move.relance_dispute, move.relance_mediation,
           move.relance_payment_plan_id,
           move.relance_pause_until, due.date AS due_date,
           ABS(move.amount_residual) < currency.rounding / 2 AS settled,
           nxt.id AS next_level_id,
           LEAST(
               GREATEST(due.date + nxt.offset_days,
                        move.relance_last_date + nxt.min_days_since_previous),
               move.relance_escalate_date
           ) AS next_date
      FROM account_move move
      JOIN res_currency currency ON currency.id = move.currency_id
      -- the dunning due date: the first instalment still open (payment terms in several
      -- instalments), else the invoice's due date
      CROSS JOIN LATERAL (
            SELECT COALESCE(MIN(term.date_maturity), move.invoice_date_due) AS date
              FROM account_move_line term
             WHERE term.move_id = move.id
               AND term.display_type = 'payment_term'
               AND NOT term.reconciled
           ) due
 LEFT JOIN relance_level cur
        ON cur.id = move.relance_level_id AND cur.policy_id = move.relance_policy_id
 LEFT JOIN LATERAL (
            SELECT lv.id, lv.offset_days, lv.min_days_since_previous
              FROM relance_level lv
             WHERE move.state = 'posted'
               AND due.date IS NOT NULL
               AND lv.policy_id = move.relance_policy_id
               AND (cur.id IS NULL
                    OR (lv.sequence, lv.offset_days, lv.id)
                       > (cur.sequence, cur.offset_days, cur.id))
               AND NOT (lv.offset_days < 0 AND %(date)s > due.date)
             ORDER BY lv.sequence, lv.offset_days, lv.id
             LIMIT 1
           ) nxt ON TRUE
     WHERE move.move_type = 'out_invoice' AND %(where)s
  ) step
