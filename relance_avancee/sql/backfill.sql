-- The SQL of _backfill: one statement (each row of account_move rewritten once, its many
-- indexes updated once), mirroring account.move's computes of the same fields. Policy: the
-- invoice's own, else the customer's for its company, else the company's first active policy
-- of the customer's type. Prescription: 5 years (B2B) or 2 years (B2C) from the
-- interruption, the delivery or the invoice date.
WITH defaults AS (
    SELECT DISTINCT ON (company_id, policy_type) id, company_id, policy_type
      FROM relance_policy
     WHERE active AND company_id IN %(companies)s
     ORDER BY company_id, policy_type, sequence, id
), target AS (
    SELECT move.id,
           COALESCE(move.relance_policy_id, own.id, dflt.id) AS new_policy_id,
           (COALESCE(move.relance_interruption_date, move.delivery_date, move.invoice_date)
            + CASE WHEN partner.relance_policy_type = 'b2c'
                   THEN INTERVAL '2 years' ELSE INTERVAL '5 years' END)::date
               AS new_prescription_date
      FROM account_move move
      JOIN res_partner partner ON partner.id = move.commercial_partner_id
 LEFT JOIN relance_policy own
        ON own.id = partner.relance_policy_id AND own.company_id = move.company_id
 LEFT JOIN defaults dflt
        ON dflt.company_id = move.company_id
       AND dflt.policy_type = COALESCE(partner.relance_policy_type, 'b2b')
     WHERE move.move_type = 'out_invoice'
       AND move.company_id IN %(companies)s
)
UPDATE account_move move
   SET relance_policy_id = target.new_policy_id,
       relance_prescription_date = target.new_prescription_date
  FROM target
 WHERE move.id = target.id
   AND (target.new_policy_id IS DISTINCT FROM move.relance_policy_id
        OR target.new_prescription_date IS DISTINCT FROM move.relance_prescription_date)
