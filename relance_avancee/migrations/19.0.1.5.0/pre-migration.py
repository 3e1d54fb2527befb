def migrate(cr, version):
    """Invoice lines of dunning actions: a "cancelled" flag replaces their stored copy of
    their action's state (executing an action rewrote all its lines), and their unique
    index leaves out the cancelled ones by it (the module update recreates the index)."""
    cr.execute("ALTER TABLE relance_history_line ADD COLUMN IF NOT EXISTS cancelled boolean")
    cr.execute(
        """UPDATE relance_history_line line
              SET cancelled = (history.state = 'cancelled')
             FROM relance_history history
            WHERE history.id = line.history_id"""
    )
