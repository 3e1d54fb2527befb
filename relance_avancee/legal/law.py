"""Late-payment interest, the fixed recovery indemnity and prescription (French law)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Code de commerce D441-5: per late invoice of a business customer, not subject to VAT
FIXED_INDEMNITY_EUR = 40.0
# Code de commerce L110-4 (between merchants), Code de la consommation L218-2 (consumers)
MERCHANT_PRESCRIPTION_YEARS = 5
CONSUMER_PRESCRIPTION_YEARS = 2
DAYS_IN_YEAR = 365.0
# the post's usual delivery time of a registered letter (mainland France): a formal notice is
# presumed received that many days after it was sent until its acknowledgment is known
PRESUMED_DELIVERY_DAYS = 3


def half_year_start(day: date) -> date:
    """1 January or 1 July: the rate of a half-year is the one in force on that day."""
    return day.replace(month=1 if day.month <= 6 else 7, day=1)


def _half_year_end(day: date) -> date:
    return day.replace(month=6, day=30) if day.month <= 6 else day.replace(month=12, day=31)


def late_interest(principal, start, end, rate_for, settlements=()):
    """Interest for the days after ``start`` up to ``end`` included, each half-year at its
    own annual rate (percent, ``rate_for(half_year_start)``), on a 365-day year, leap years
    included.

    The base of each day is what was still due that day: ``principal`` (what is due at
    ``end``) plus the ``settlements`` — (date, amount) paid or credited — made on that day or
    later: a payment lowers the base from the day after it.

    Returns (interest, None), not rounded; or (0.0, the first half-year without a rate):
    no figure rather than a wrong one."""
    cuts = sorted({day for day, _amount in settlements if start < day < end})
    total, day = 0.0, start + timedelta(days=1)
    while day <= end:
        segment_end = min([end, _half_year_end(day)] + [cut for cut in cuts if cut >= day])
        rate = rate_for(half_year_start(day))
        if rate is None:
            return 0.0, half_year_start(day)
        base = principal + sum(amount for paid, amount in settlements if paid >= day)
        days = (segment_end - day).days + 1
        total += base * rate / 100.0 * days / DAYS_IN_YEAR
        day = segment_end + timedelta(days=1)
    return total, None


def notice_receipt(sent, acknowledged=None, presumed_days=PRESUMED_DELIVERY_DAYS):
    """When a formal notice sent by registered letter takes effect: on its receipt (Code
    civil 1344-1: it makes the legal interest of a consumer run, and the deadline it gives
    counts from it), the date of the acknowledgment of receipt — of the first presentation
    when the letter was not collected. Until that date is known, the receipt is presumed
    ``presumed_days`` after the sending.

    Returns (receipt date, presumed), or (None, False) for a notice not sent."""
    if acknowledged:
        return acknowledged, False
    if not sent:
        return None, False
    return sent + timedelta(days=presumed_days), True


def prescription_date(start, consumer=False):
    """When the claim is time-barred: 5 years between merchants, 2 against a consumer, from
    ``start`` (the delivery, else the invoice date, or the last interruption); 29 February
    gives 28 February."""
    if not start:
        return None
    years = CONSUMER_PRESCRIPTION_YEARS if consumer else MERCHANT_PRESCRIPTION_YEARS
    return start + relativedelta(years=years)
