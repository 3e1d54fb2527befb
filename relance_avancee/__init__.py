from . import controllers, models, report, wizards


def pre_init_hook(env):
    """The dunning columns of existing invoices are created empty: the ORM would compute
    them invoice by invoice before any policy exists; the post-init hook fills them in one
    statement once the policies are loaded. Those derived from settlements and actions
    are empty indeed: none exists yet. The flags are false rather than NULL (what the ORM
    reads as false, but not what it writes: the first action on each invoice would rewrite
    its row to store the same false); PostgreSQL records a constant default without
    rewriting the table, and the default is dropped at once (the ORM sets its values)."""
    env.cr.execute(
        """
        ALTER TABLE account_move
            ADD COLUMN IF NOT EXISTS relance_policy_id integer,
            ADD COLUMN IF NOT EXISTS relance_prescription_date date,
            ADD COLUMN IF NOT EXISTS relance_dispute boolean DEFAULT FALSE,
            ADD COLUMN IF NOT EXISTS relance_dispute_reason varchar,
            ADD COLUMN IF NOT EXISTS relance_mediation boolean DEFAULT FALSE,
            ADD COLUMN IF NOT EXISTS relance_handed_over boolean DEFAULT FALSE,
            ADD COLUMN IF NOT EXISTS relance_pause_until date,
            ADD COLUMN IF NOT EXISTS relance_payment_plan_id integer,
            ADD COLUMN IF NOT EXISTS relance_escalate_date date
        """
    )
    env.cr.execute(
        """
        ALTER TABLE account_move
            ALTER COLUMN relance_dispute DROP DEFAULT,
            ALTER COLUMN relance_mediation DROP DEFAULT,
            ALTER COLUMN relance_handed_over DROP DEFAULT
        """
    )


def post_init_hook(env):
    """Every existing company gets its copy of the shipped B2B and B2C policies, and the
    invoices that existed before the module enter dunning at their stage."""
    companies = env["res.company"].search([])
    env["relance.policy"]._ensure_default_policies(companies)
    env["relance.engine"]._backfill(companies)
