"""An invoice's escalation date is derived from the events that cause it (a broken
promise, a defaulted plan, calls left unanswered): the promises broken and the plans
defaulted before this version get the day they were settled."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE relance_promise SET broken_date = write_date::date
         WHERE state = 'broken' AND broken_date IS NULL;
        UPDATE relance_payment_plan SET escalate_date = write_date::date
         WHERE state = 'broken' AND escalate_date IS NULL;
        """
    )
