from . import controllers, models, report, wizards


def post_init_hook(env):
    """Every existing company gets its copy of the shipped B2B and B2C policies."""
    env["relance.policy"]._ensure_default_policies(env["res.company"].search([]))
