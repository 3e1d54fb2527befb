"""Each shipped channel is executed by its own executor model (relance_executor_*.py);
the channel records are not updatable data, so their executor is set here."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE relance_channel
           SET executor_model = 'relance.executor.' || code
         WHERE code IN ('email', 'sms', 'call', 'letter', 'notice', 'handover')
           AND (executor_model IS NULL OR executor_model = 'relance.executor')
        """
    )
