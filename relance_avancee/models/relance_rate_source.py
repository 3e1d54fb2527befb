"""Where the reference rates are published, and how their answers read.

The ECB main refinancing rate comes from the ECB data portal (SDMX ``csvdata``: one row
per change, its date and level). The French legal interest rates come from the Banque de
France's Webstat (an Opendatasoft ``exports/json`` of its observations: one per half-year
and series); Webstat asks for a free API key. Each address and series is a system
parameter (readme/CONFIGURE.md), its default below."""

import csv
import io
import logging
from collections import namedtuple

import requests

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

TIMEOUT = 20  # seconds

ECB_URL_PARAM = "relance_avancee.ecb_rate_url"
ECB_URL = "https://data-api.ecb.europa.eu/service/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"
ECB_YEARS = 10
BDF_URL_PARAM = "relance_avancee.bdf_rate_url"
BDF_URL = (
    "https://webstat.banque-france.fr/api/explore/v2.1/catalog/datasets/observations/exports/json"
)
BDF_KEY_PARAM = "relance_avancee.bdf_api_key"
# {rate type: (system parameter, default series key)}: the series of the "autres cas" rate
# (legal_professional, the one the company's claims bear) is the one found in use; the one
# of private creditors, informative only, is left to be set (not verified)
BDF_SERIES = {
    "legal_professional": (
        "relance_avancee.bdf_series_legal_professional",
        "FM.H.FR.EUR.FR2.LIR.IFRLEGAL_PROF.YLD",
    ),
    "legal_private": ("relance_avancee.bdf_series_legal_private", ""),
}


# what a publisher gave: [(rate type, date from, rate)], where (stored as their source), and
# what the user should know of the figures not fetched (a series not configured)
Fetched = namedtuple("Fetched", "figures source notices", defaults=((),))


class RateSourceError(Exception):
    """A source could not be read: its message says which and why."""


def parse_ecb_csv(text):
    """[(date, rate)] of the ECB's ``csvdata`` answer, oldest first, each change once
    (an observation repeating the level before it is not a change)."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames or ()):
        raise ValueError("no TIME_PERIOD and OBS_VALUE columns")
    observations = sorted(
        (fields.Date.to_date(row["TIME_PERIOD"]), float(row["OBS_VALUE"]))
        for row in reader
        if (row["OBS_VALUE"] or "").strip()
    )
    changes = []
    for day, rate in observations:
        if not changes or changes[-1][1] != rate:
            changes.append((day, rate))
    return changes


def parse_bdf_json(records, series):
    """[(rate type, date, rate)] of Webstat's observations of ``series`` ({series key:
    rate type}); a legal rate is in force from the first day of its half-year."""
    if not isinstance(records, list):
        raise ValueError("not a list of observations")
    figures = []
    for record in records:
        rate_type = series.get(record.get("series_key"))
        value = record.get("obs_value")
        if not rate_type or value in (None, ""):
            continue
        start = fields.Date.to_date(str(record.get("time_period_start") or "")[:10])
        if not start or start.day != 1 or start.month not in (1, 7):
            _logger.warning("Banque de France: ignored observation %s (not a half-year)", record)
            continue
        figures.append((rate_type, start, float(value)))
    return sorted(figures)


class RelanceRateSource(models.AbstractModel):
    _name = "relance.rate.source"
    _description = "Publishers of the reference interest rates"

    def _param(self, key, default=""):
        return (self.env["ir.config_parameter"].sudo().get_param(key) or default).strip()

    def _get(self, label, url, **kwargs):
        try:
            response = requests.get(url, timeout=TIMEOUT, **kwargs)
            response.raise_for_status()
        except requests.RequestException as error:
            raise RateSourceError(
                self.env._(
                    "%(publisher)s could not be reached: %(error)s", publisher=label, error=error
                )
            ) from error
        return response

    def _unreadable(self, label, error):
        return RateSourceError(
            self.env._(
                "%(publisher)s sent an answer that could not be read: %(error)s",
                publisher=label,
                error=error,
            )
        )

    @api.model
    def _ecb_figures(self, date):
        """The figures of the ECB main refinancing rate: its changes of the ten years
        before ``date`` (claims are time-barred after five; the series has no fixed rate in
        the years of variable-rate tenders, 2000-2008)."""
        url = self._param(ECB_URL_PARAM, ECB_URL)
        since = fields.Date.add(date, years=-ECB_YEARS)
        response = self._get("ECB", url, params={"startPeriod": since.isoformat()})
        try:
            changes = parse_ecb_csv(response.text)
        except (ValueError, KeyError) as error:
            raise self._unreadable("ECB", error) from error
        return Fetched([("ecb", day, rate) for day, rate in changes if day >= since], url)

    @api.model
    def _bdf_series(self):
        """({series key: rate type} of the series configured, [notice of each series not
        configured, naming its system parameter])."""
        labels = dict(
            self.env["relance.rate"]._fields["rate_type"]._description_selection(self.env)
        )
        series, notices = {}, []
        for rate_type, (param, default) in BDF_SERIES.items():
            if key := self._param(param, default):
                series[key] = rate_type
                continue
            notices.append(
                self.env._(
                    "Banque de France: the series of the %(rate)s is not configured "
                    "(system parameter %(param)s): not fetched.",
                    rate=labels[rate_type],
                    param=param,
                )
            )
        return series, notices

    @api.model
    def _bdf_figures(self, date):
        """The legal interest rates of the series configured, a notice for each other one;
        no series at all, or the API key not configured, is an error that says which
        parameter to set."""
        series, notices = self._bdf_series()
        if not series:
            raise RateSourceError(" ".join(notices))
        api_key = self._param(BDF_KEY_PARAM)
        if not api_key:
            raise RateSourceError(
                self.env._(
                    "Banque de France: no Webstat API key (system parameter %(param)s; a free "
                    "key is given on webstat.banque-france.fr).",
                    param=BDF_KEY_PARAM,
                )
            )
        url = self._param(BDF_URL_PARAM, BDF_URL)
        keys = ", ".join(f'"{key}"' for key in series)
        response = self._get(
            "Banque de France",
            url,
            params={
                "where": f"series_key IN ({keys})",
                "select": "series_key,time_period_start,obs_value",
                "order_by": "time_period_start",
            },
            headers={"Authorization": f"Apikey {api_key}", "Accept": "application/json"},
        )
        try:
            figures = parse_bdf_json(response.json(), series)
        except (ValueError, AttributeError) as error:
            raise self._unreadable("Banque de France", error) from error
        return Fetched(figures, f"Banque de France Webstat {' + '.join(series)}, {url}", notices)

    @api.model
    def _fetchers(self):
        """{publisher: method(date) returning its Fetched figures}, in order."""
        return {"ECB": self._ecb_figures, "Banque de France": self._bdf_figures}
