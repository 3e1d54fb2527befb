"""The dunning actions name their channel record (relance.history.channel_id), of which
``channel`` becomes the code: filled from the code before the ORM makes it required."""


def migrate(cr, version):
    cr.execute(
        """
        ALTER TABLE relance_history ADD COLUMN IF NOT EXISTS channel_id integer;
        UPDATE relance_history history
           SET channel_id = channel.id
          FROM relance_channel channel
         WHERE channel.code = history.channel AND history.channel_id IS NULL
        """
    )
