"""French late-payment law as plain Python, without the ORM: the models give it dates,
amounts and rate tables, in batch, and keep what it returns."""

from .court import (
    COURT_COMMERCE,
    COURT_JUDICIAIRE,
    SIMPLIFIED_PROCEDURE_MAX_EUR,
    competent_court,
    registry_numbers,
    simplified_procedure_open,
)
from .law import (
    CONSUMER_PRESCRIPTION_YEARS,
    FIXED_INDEMNITY_EUR,
    MERCHANT_PRESCRIPTION_YEARS,
    PRESUMED_DELIVERY_DAYS,
    half_year_start,
    late_interest,
    notice_receipt,
    prescription_date,
)
