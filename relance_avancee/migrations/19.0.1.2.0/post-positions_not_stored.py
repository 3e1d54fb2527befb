"""The next level, its date and the dunning state are computed at the date asked
(relance.engine.POSITIONS) instead of stored: their stale columns go."""


def migrate(cr, version):
    cr.execute(
        """
        ALTER TABLE account_move
            DROP COLUMN IF EXISTS relance_state,
            DROP COLUMN IF EXISTS relance_next_date,
            DROP COLUMN IF EXISTS relance_next_level_id
        """
    )
