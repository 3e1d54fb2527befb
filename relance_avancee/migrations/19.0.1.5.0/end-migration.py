def migrate(cr, version):
    """The former copy of each action's state on its invoice lines, no longer used."""
    cr.execute("ALTER TABLE relance_history_line DROP COLUMN IF EXISTS state")
