def migrate(cr, version):
    """The new stored flag "in mediation" of invoices: created false (no mediation exists
    before this version) without computing it for every invoice of the database at the
    upgrade, nor rewriting the table (a constant default, dropped at once)."""
    cr.execute(
        "ALTER TABLE account_move ADD COLUMN IF NOT EXISTS relance_mediation boolean"
        " DEFAULT FALSE"
    )
    cr.execute("ALTER TABLE account_move ALTER COLUMN relance_mediation DROP DEFAULT")
