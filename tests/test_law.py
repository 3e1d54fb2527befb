"""The law without a database nor Odoo: hand-computed vectors (plain pytest, run by
scripts/test.sh before the module's tests)."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest

# the law is plain Python: loaded from its file, without importing the Odoo module around it
_spec = importlib.util.spec_from_file_location(
    "relance_law", Path(__file__).resolve().parent.parent / "relance_avancee" / "legal" / "law.py"
)
law = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(law)
FIXED_INDEMNITY_EUR = law.FIXED_INDEMNITY_EUR
half_year_start, late_interest, notice_receipt, prescription_date = (
    law.half_year_start,
    law.late_interest,
    law.notice_receipt,
    law.prescription_date,
)

# ECB main refinancing rate + 10 points, per half-year (ECB rate of 1 January / 1 July)
PENALTY = {date(2024, 1, 1): 14.5, date(2024, 7, 1): 14.25, date(2025, 1, 1): 13.15}
PENALTY[date(2025, 7, 1)] = 12.15


def penalty(half_year):
    return PENALTY.get(half_year)


def test_half_year_start():
    assert half_year_start(date(2025, 6, 30)) == date(2025, 1, 1)
    assert half_year_start(date(2025, 7, 1)) == date(2025, 7, 1)
    assert half_year_start(date(2025, 12, 31)) == date(2025, 7, 1)


def test_across_two_half_years():
    # 10,000 due 2025-06-15, claimed 2025-08-14: 15 days at 13.15 % then 45 days at 12.15 %
    interest, missing = late_interest(10_000.0, date(2025, 6, 15), date(2025, 8, 14), penalty)
    expected = 10_000 * 0.1315 * 15 / 365 + 10_000 * 0.1215 * 45 / 365
    assert missing is None
    assert interest == pytest.approx(expected)
    assert round(interest, 2) == 203.84


def test_leap_day_counts_on_a_365_day_year():
    # 1,000 due 2024-02-27, claimed 2024-03-02: 28 and 29 February, 1 and 2 March
    interest, _missing = late_interest(1_000.0, date(2024, 2, 27), date(2024, 3, 2), penalty)
    assert interest == pytest.approx(1_000 * 0.145 * 4 / 365)


def test_partial_payment_lowers_the_base_from_the_next_day():
    # 1,500 due 2025-01-10; 500 paid on 2025-01-15; 1,000 still due on 2025-01-20
    interest, _missing = late_interest(
        1_000.0, date(2025, 1, 10), date(2025, 1, 20), penalty, [(date(2025, 1, 15), 500.0)]
    )
    assert interest == pytest.approx(1_500 * 0.1315 * 5 / 365 + 1_000 * 0.1315 * 5 / 365)


def test_payment_and_half_year_in_one_claim():
    # 2,000 due 2024-06-20, 1,200 credited on 2024-07-10, 800 due on 2024-07-31
    interest, _missing = late_interest(
        800.0, date(2024, 6, 20), date(2024, 7, 31), penalty, [(date(2024, 7, 10), 1_200.0)]
    )
    expected = (
        2_000 * 0.145 * 10 / 365  # 21-30 June
        + 2_000 * 0.1425 * 10 / 365  # 1-10 July
        + 800 * 0.1425 * 21 / 365  # 11-31 July
    )
    assert interest == pytest.approx(expected)


def test_a_half_year_without_rate_gives_no_figure():
    interest, missing = late_interest(1_000.0, date(2023, 12, 20), date(2024, 1, 10), penalty)
    assert (interest, missing) == (0.0, date(2023, 7, 1))


def test_nothing_before_the_day_after_the_due_date():
    assert late_interest(1_000.0, date(2025, 3, 1), date(2025, 3, 1), penalty) == (0.0, None)


def test_notice_takes_effect_on_its_receipt():
    sent, acknowledged = date(2026, 1, 30), date(2026, 2, 2)
    assert notice_receipt(sent, acknowledged) == (acknowledged, False)
    # not yet acknowledged: presumed 3 days after the sending (the post's usual delay)
    assert law.PRESUMED_DELIVERY_DAYS == 3
    assert notice_receipt(sent) == (date(2026, 2, 2), True)
    assert notice_receipt(sent, presumed_days=0) == (sent, True)
    assert notice_receipt(None) == (None, False)


def test_consumer_interest_from_the_receipt_of_the_notice():
    # 7,300 owed by a consumer, notice received on 2026-01-05, claimed on 2026-02-28 at the
    # legal rate 2.62 % (H1 2026): 26 days of January and 28 of February
    receipt, _presumed = notice_receipt(date(2026, 1, 1), date(2026, 1, 5))
    interest, _missing = late_interest(7_300.0, receipt, date(2026, 2, 28), lambda _h: 2.62)
    assert round(interest, 2) == round(7_300 * 0.0262 * 54 / 365, 2) == 28.30


def test_prescription():
    assert prescription_date(date(2024, 2, 29)) == date(2029, 2, 28)
    assert prescription_date(date(2024, 2, 29), consumer=True) == date(2026, 2, 28)
    assert prescription_date(date(2025, 5, 3)) == date(2030, 5, 3)
    assert prescription_date(None) is None


def test_fixed_indemnity():
    assert FIXED_INDEMNITY_EUR == 40.0
