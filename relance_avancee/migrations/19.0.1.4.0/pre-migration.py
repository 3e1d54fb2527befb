def migrate(cr, version):
    """The new stored flag "in mediation" of invoices: created empty (no mediation exists
    before this version), so that Odoo does not compute it for every invoice of the
    database at the upgrade."""
    cr.execute("ALTER TABLE account_move ADD COLUMN IF NOT EXISTS relance_mediation boolean")
