from . import controllers, models, report, wizards


def post_init_hook(env):
    """Every existing company gets its copy of the shipped B2B and B2C policies, and the
    invoices that existed before the module enter dunning at their stage."""
    companies = env["res.company"].search([])
    env["relance.policy"]._ensure_default_policies(companies)
    env["relance.engine"]._backfill(companies)
