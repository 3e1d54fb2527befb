from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The companies without any policy get their copies of the templates; at the end of
    the upgrade, once the templates' translations are loaded, so that the copies have them."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["relance.policy"]._ensure_default_policies(env["res.company"].search([]))
