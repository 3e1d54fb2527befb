CHANNELS = ("letter", "notice", "handover")


def migrate(cr, version):
    """The letters, formal notices and handover files already made become their dunning
    action's documents, read by the dunning groups only: they were attached to the customer,
    which every employee reads, and to notes of its chatter, whose readers get their
    download. The notes stay, without them."""
    cr.execute(
        """
        UPDATE ir_attachment attachment
           SET res_model = 'relance.history', res_id = history.id
          FROM relance_history history
         WHERE history.attachment_id = attachment.id
           AND history.channel IN %(channels)s
           AND attachment.res_model = 'res.partner'
        """,
        {"channels": CHANNELS},
    )
    cr.execute(
        """
        DELETE FROM message_attachment_rel rel
         USING mail_message message, relance_history history
         WHERE rel.message_id = message.id
           AND message.model = 'res.partner'
           AND rel.attachment_id = history.attachment_id
           AND history.channel IN %(channels)s
        """,
        {"channels": CHANNELS},
    )
