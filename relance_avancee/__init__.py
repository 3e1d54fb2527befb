from . import controllers, models, report, wizards


def pre_init_hook(env):
    """The dunning columns of existing invoices are created empty: the ORM would compute
    them invoice by invoice before any policy exists; the post-init hook fills them in one
    statement once the policies are loaded. Those derived from settlements and actions
    are empty indeed: none exists yet."""
    env.cr.execute(
        """
        ALTER TABLE account_move
            ADD COLUMN IF NOT EXISTS relance_policy_id integer,
            ADD COLUMN IF NOT EXISTS relance_prescription_date date,
            ADD COLUMN IF NOT EXISTS relance_dispute boolean,
            ADD COLUMN IF NOT EXISTS relance_dispute_reason varchar,
            ADD COLUMN IF NOT EXISTS relance_mediation boolean,
            ADD COLUMN IF NOT EXISTS relance_handed_over boolean,
            ADD COLUMN IF NOT EXISTS relance_pause_until date,
            ADD COLUMN IF NOT EXISTS relance_payment_plan_id integer,
            ADD COLUMN IF NOT EXISTS relance_escalate_date date
        """
    )


def post_init_hook(env):
    """Every existing company gets its copy of the shipped B2B and B2C policies, and the
    invoices that existed before the module enter dunning at their stage."""
    companies = env["res.company"].search([])
    env["relance.policy"]._ensure_default_policies(companies)
    env["relance.engine"]._backfill(companies)
