from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Invoices that 19.0.1.0.0 left without a policy or a next level (installed on a
    database that already had invoices) enter dunning at their stage."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["relance.engine"]._backfill(env["res.company"].search([]))
