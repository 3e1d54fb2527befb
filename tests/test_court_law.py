"""The court stage without a database nor Odoo (plain pytest, as tests/test_law.py)."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "relance_court",
    Path(__file__).resolve().parent.parent / "relance_avancee" / "legal" / "court.py",
)
court = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(court)


@pytest.mark.parametrize(
    ("business", "amount", "expected"),
    [(True, 4999.0, True), (True, 5000.0, True), (True, 5001.0, False), (False, 1000.0, False)],
)
def test_simplified_procedure_threshold(business, amount, expected):
    assert court.simplified_procedure_open(business, amount) is expected


def test_competent_court():
    assert court.competent_court(True, True) == court.COURT_COMMERCE
    assert court.competent_court(True, False) == court.COURT_JUDICIAIRE


@pytest.mark.parametrize(
    ("registry", "vat", "expected"),
    [
        ("334 175 221 RCS Lyon", None, ("334175221", None)),
        ("334 175 221 00016", None, ("334175221", "33417522100016")),
        (None, "FR 23 334175221", ("334175221", None)),
        ("", "DE123456789", (None, None)),
    ],
)
def test_registry_numbers(registry, vat, expected):
    assert court.registry_numbers(registry, vat) == expected
