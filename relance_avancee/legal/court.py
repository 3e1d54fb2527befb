"""Court stage of a French claim: which court an order for payment (injonction de payer)
is filed with, whether the simplified small-claims procedure is open, the creditor's and
the debtor's registration numbers."""

import re

# Code des procédures civiles d'exécution L125-1 and R125-1: the simplified recovery of
# small claims by a commissaire de justice, for claims up to this amount (interest and
# indemnity included)
SIMPLIFIED_PROCEDURE_MAX_EUR = 5000.0

COURT_COMMERCE = "commerce"
COURT_JUDICIAIRE = "judiciaire"


def competent_court(creditor_is_trader, debtor_is_trader):
    """The kind of court of an injonction de payer: the tribunal de commerce between
    traders (Code de commerce L721-3), else the tribunal judiciaire (or its chambre de
    proximité); in both cases the one of the place where the debtor lives or has its
    registered office (Code de procédure civile 1406)."""
    return COURT_COMMERCE if creditor_is_trader and debtor_is_trader else COURT_JUDICIAIRE


def simplified_procedure_open(business_claim, amount_eur):
    """Whether the simplified recovery procedure may be asked of a commissaire de justice:
    a business claim of at most ``SIMPLIFIED_PROCEDURE_MAX_EUR`` (what is due, interest and
    indemnity included)."""
    return bool(business_claim) and 0 < amount_eur <= SIMPLIFIED_PROCEDURE_MAX_EUR


def registry_numbers(registry, vat=None):
    """(SIREN, SIRET) read from a company registry entry ("334 175 221 RCS Lyon", a SIRET
    of 14 digits), else the SIREN of a French VAT number (FR + 2-digit key + SIREN); None
    for what is not there."""
    digits = re.sub(r"\D", "", registry or "")
    if len(digits) >= 14:
        return digits[:9], digits[:14]
    if len(digits) >= 9:
        return digits[:9], None
    vat = re.sub(r"\s", "", vat or "").upper()
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", vat):
        return vat[4:], None
    return None, None
