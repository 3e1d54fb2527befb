import logging
from datetime import date
from pathlib import Path
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models import relance_rate_source
from ..models.relance_rate_source import (
    BDF_KEY_PARAM,
    BDF_SERIES,
    BDF_URL,
    ECB_URL,
    parse_bdf_json,
    parse_ecb_csv,
)
from .common import RelanceCommon

DATA = Path(__file__).parent / "data"
PROFESSIONAL_SERIES = "FM.H.FR.EUR.FR2.LIR.IFRLEGAL_PROF.YLD"
# the private creditors' series key is not verified (readme/CONFIGURE.md): a placeholder
PRIVATE_SERIES = "TEST.LEGAL_PRIVATE.SERIES"
PROFESSIONAL_PARAM = BDF_SERIES["legal_professional"][0]
RATE_LOGGER = "odoo.addons.relance_avancee.models.relance_rate"


def recorded(name, status=200):
    """A requests.Response carrying the recorded answer ``name`` of tests/data."""
    response = requests.Response()
    response.status_code = status
    response._content = (DATA / name).read_bytes()
    response.encoding = "utf-8"
    return response


@tagged("post_install", "-at_install")
class TestRateUpdate(RelanceCommon):
    """The rates fetched from the ECB and the Banque de France: only the HTTP call is
    replaced, by the publishers' recorded answers (tests/data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(BDF_KEY_PARAM, "test-key")
        params.set_param(BDF_SERIES["legal_private"][0], PRIVATE_SERIES)
        cls.rates = cls.env["relance.rate"]

    def _answers(self, ecb="ecb_mro.csv", bdf="bdf_legal_rates.json"):
        """Patches requests.get of the module with the recorded answers; returns the mock."""

        def get(url, **kwargs):
            if isinstance(ecb, Exception) and url.startswith("https://data-api.ecb"):
                raise ecb
            return recorded(ecb if url.startswith("https://data-api.ecb") else bdf)

        patcher = patch.object(relance_rate_source.requests, "get", side_effect=get)
        self.addCleanup(patcher.stop)
        return patcher.start()

    def _rate(self, rate_type, day):
        return self.rates.search([("rate_type", "=", rate_type), ("date_from", "=", day)])

    def _legal_rates(self, day):
        """The legal rates (both kinds) of the half-year from ``day``, professional first."""
        return self.rates.search(
            [("rate_type", "!=", "ecb"), ("date_from", "=", day)], order="rate_type desc"
        )

    def test_parse_the_ecb_answer(self):
        changes = parse_ecb_csv((DATA / "ecb_mro.csv").read_text())
        self.assertEqual(len(changes), 20)
        self.assertEqual(changes[0], (date(2014, 9, 10), 0.05))
        self.assertIn((date(2024, 6, 12), 4.25), changes)
        self.assertEqual(changes[-1], (date(2025, 6, 11), 2.15))
        # an observation repeating the level is no change; rows in any order
        header, first, *_rest = (DATA / "ecb_mro.csv").read_text().splitlines()
        repeated = first.replace("2014-09-10", "2014-10-01")
        self.assertEqual(
            parse_ecb_csv("\n".join([header, repeated, first])), [(date(2014, 9, 10), 0.05)]
        )
        with self.assertRaises(ValueError):
            parse_ecb_csv("<html>Service unavailable</html>")

    def test_parse_the_banque_de_france_answer(self):
        records = recorded("bdf_legal_rates.json").json()
        series = {PROFESSIONAL_SERIES: "legal_professional", PRIVATE_SERIES: "legal_private"}
        figures = parse_bdf_json(records, series)
        self.assertEqual(len(figures), 8)
        self.assertIn(("legal_professional", date(2026, 1, 1), 2.62), figures)
        self.assertIn(("legal_private", date(2026, 1, 1), 6.67), figures)
        # another series, and a figure not starting a half-year, are left out
        other = [{"series_key": "OTHER", "time_period_start": "2026-01-01", "obs_value": 9.0}]
        odd = [
            {"series_key": PROFESSIONAL_SERIES, "time_period_start": "2026-02-01", "obs_value": 1}
        ]
        with self.assertLogs(relance_rate_source.__name__, "WARNING"):
            self.assertEqual(parse_bdf_json(other + odd, series), [])

    def test_new_figures_stored_with_their_source_once(self):
        self._rate("ecb", date(2025, 6, 11)).unlink()
        self._legal_rates(date(2026, 1, 1)).unlink()
        get = self._answers()
        results = self.rates._update_rates(date(2026, 12, 3))
        ecb_created, conflicts, error, notices = results["ECB"]
        self.assertFalse(error or conflicts or notices)
        # the changes of the last ten years: not the one of 2014
        self.assertEqual(ecb_created.mapped("date_from"), [date(2025, 6, 11)])
        self.assertFalse(self._rate("ecb", date(2014, 9, 10)))
        restored = self._rate("ecb", date(2025, 6, 11))
        self.assertEqual(restored.rate, 2.15)
        self.assertEqual(restored.source, f"{ECB_URL} (fetched on 2026-12-03)")
        legal_created, conflicts, error, notices = results["Banque de France"]
        self.assertFalse(error or conflicts or notices)
        self.assertEqual(len(legal_created), 2)
        self.assertEqual(self._rate("legal_professional", date(2026, 1, 1)).rate, 2.62)
        private = self._rate("legal_private", date(2026, 1, 1))
        self.assertEqual(private.rate, 6.67)
        self.assertIn(BDF_URL, private.source)
        self.assertIn("fetched on 2026-12-03", private.source)
        # each publisher asked once, with a timeout; the Webstat key in its header
        self.assertEqual(get.call_count, 2)
        for call in get.call_args_list:
            self.assertTrue(call.kwargs["timeout"])
        ecb_call = next(c for c in get.call_args_list if c.args[0] == ECB_URL)
        self.assertEqual(ecb_call.kwargs["params"], {"startPeriod": "2016-12-03"})
        bdf_call = next(c for c in get.call_args_list if c.args[0] == BDF_URL)
        self.assertEqual(bdf_call.kwargs["headers"]["Authorization"], "Apikey test-key")
        self.assertIn(PRIVATE_SERIES, bdf_call.kwargs["params"]["where"])
        # fetched again: nothing new, nothing duplicated
        count = self.rates.search_count([])
        again = self.rates._update_rates(date(2026, 12, 4))
        self.assertFalse(any(result.created for result in again.values()))
        self.assertEqual(self.rates.search_count([]), count)
        self.assertEqual(restored.source, f"{ECB_URL} (fetched on 2026-12-03)")

    def test_a_different_figure_entered_is_kept_and_reported(self):
        entered = self._rate("ecb", date(2025, 6, 11))
        entered.rate = 2.2
        self._answers()
        with self.assertLogs(RATE_LOGGER, "WARNING"):
            conflicts = self.rates._update_rates(date(2026, 12, 3))["ECB"].conflicts
        self.assertEqual(conflicts, [(entered, 2.15)])
        self.assertEqual(entered.rate, 2.2)
        with freeze_time("2026-12-03"):
            action = self.rates.with_user(self.manager).action_update_rates()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("differs from the published figure, 2.15 %", action["params"]["message"])

    def test_network_error_is_a_message_for_the_button_and_a_log_for_the_cron(self):
        self._answers(ecb=requests.ConnectionError("Connection refused"))
        count = self.rates.search_count([])
        with freeze_time("2026-12-03"):
            action = self.rates.with_user(self.manager).action_update_rates()
        params = action["params"]
        self.assertEqual((params["type"], params["sticky"]), ("warning", True))
        self.assertIn("ECB could not be reached: Connection refused", params["message"])
        self.assertIn("Banque de France: no new rate.", params["message"])
        with self.assertLogs(RATE_LOGGER, "WARNING") as logs:
            self.rates._cron_update_rates()
        self.assertIn("ECB could not be reached", "\n".join(logs.output))
        self.assertEqual(self.rates.search_count([]), count)

    def test_banque_de_france_without_api_key_says_which_parameter_to_set(self):
        self.env["ir.config_parameter"].sudo().set_param(BDF_KEY_PARAM, "")
        get = self._answers()
        error = self.rates._update_rates(date(2026, 12, 3))["Banque de France"].error
        self.assertIn(BDF_KEY_PARAM, error)
        self.assertEqual(get.call_count, 1, "the ECB only")

    def test_a_series_not_configured_is_reported_and_the_others_fetched(self):
        """The private creditors' series (informative) left empty: the professional
        creditor's one, the rate of the company's claims, is still fetched."""
        params = self.env["ir.config_parameter"].sudo()
        private_param, professional_param = BDF_SERIES["legal_private"][0], PROFESSIONAL_PARAM
        params.set_param(private_param, False)
        self._legal_rates(date(2026, 1, 1)).unlink()
        get = self._answers()
        with freeze_time("2026-12-03"), self.assertLogs(RATE_LOGGER, "WARNING") as logs:
            action = self.rates.with_user(self.manager).action_update_rates()
        self.assertEqual(self._rate("legal_professional", date(2026, 1, 1)).rate, 2.62)
        self.assertFalse(self._rate("legal_private", date(2026, 1, 1)))
        where = next(c for c in get.call_args_list if c.args[0] == BDF_URL).kwargs["params"]
        self.assertIn(PROFESSIONAL_SERIES, where["where"])
        self.assertNotIn(PRIVATE_SERIES, where["where"])
        params_ = action["params"]
        self.assertEqual((params_["type"], params_["sticky"]), ("warning", True))
        self.assertIn("Banque de France: 1 new rates", params_["message"])
        self.assertIn(f"(system parameter {private_param}): not fetched", params_["message"])
        self.assertIn(private_param, "\n".join(logs.output))
        # no series at all: nothing to ask Webstat, an error naming both parameters
        params.set_param(professional_param, " ")
        get.reset_mock()
        error = self.rates._update_rates(date(2026, 12, 3))["Banque de France"].error
        self.assertIn(professional_param, error)
        self.assertIn(private_param, error)
        self.assertEqual(get.call_count, 1, "the ECB only")

    def test_the_cron_goes_on_with_the_other_publisher_after_any_error(self):
        self._legal_rates(date(2026, 1, 1)).unlink()
        self._answers(ecb=ValueError("unexpected answer"))
        # the button does not hide a bug
        with self.assertRaises(ValueError):
            self.rates._update_rates(date(2026, 12, 3))
        self.assertFalse(self._legal_rates(date(2026, 1, 1)))
        with freeze_time("2026-12-03"), self.assertLogs(RATE_LOGGER, "ERROR") as logs:
            self.rates._cron_update_rates()
        self.assertEqual(
            [(r.getMessage(), str(r.exc_info[1])) for r in logs.records],
            [("Reference rates of ECB not updated", "unexpected answer")],
        )
        self.assertEqual(self._legal_rates(date(2026, 1, 1)).mapped("rate"), [2.62, 6.67])

    def test_a_rate_created_meanwhile_by_another_transaction_is_left_to_it(self):
        """The cron and the button at once: the rate the other transaction created is not
        visible to this one (repeatable read), only the unique index tells."""
        self._legal_rates(date(2026, 1, 1)).unlink()
        other = self.rates.create(
            {"rate_type": "legal_professional", "date_from": date(2026, 1, 1), "rate": 2.62}
        )
        figures = [
            ("legal_professional", date(2026, 1, 1), 2.62),
            ("legal_private", date(2026, 1, 1), 6.67),
        ]
        with (
            patch.object(type(self.rates), "_entered_rates", return_value={}),
            # "INFO" is Odoo's level 25
            self.assertLogs(RATE_LOGGER, logging.INFO) as logs,
        ):
            created, conflicts = self.rates._store_published(figures, "test")
        self.assertEqual(created.mapped("rate_type"), ["legal_private"])
        self.assertFalse(conflicts)
        self.assertEqual(self._rate("legal_professional", date(2026, 1, 1)), other)
        self.assertIn("created meanwhile by another transaction", "\n".join(logs.output))
        self.assertEqual(self._legal_rates(date(2026, 1, 1)).mapped("rate"), [2.62, 6.67])

    def test_only_dunning_managers_update(self):
        self._answers()
        with self.assertRaises(AccessError):
            self.rates.with_user(self.accountant).action_update_rates()

    def test_managers_asked_for_the_legal_rates_15_days_before_a_half_year(self):
        """The shipped H1 2026 legal rates removed: asked for from 17 December 2025, once."""
        self._legal_rates(date(2026, 1, 1)).unlink()
        activities = self.env["mail.activity"]
        self.assertFalse(self.rates._warn_missing_legal_rates(date(2025, 12, 16)))
        warnings = self.rates._warn_missing_legal_rates(date(2025, 12, 17))
        self.assertIn(self.manager, warnings.user_id)
        self.assertEqual(warnings.user_id, self.rates._rate_managers())
        self.assertEqual(len(warnings), len(warnings.user_id), "one each")
        self.assertEqual(set(warnings.mapped("res_model")), {False}, "no document")
        self.assertEqual(set(warnings.mapped("date_deadline")), {date(2026, 1, 1)})
        self.assertEqual(
            warnings.filtered(lambda a: a.user_id == self.manager).summary,
            "Enter the legal interest rates of H1 2026",
        )
        # once: neither the next days nor after the half-year started
        self.assertFalse(self.rates._warn_missing_legal_rates(date(2025, 12, 18)))
        self.assertFalse(self.rates._warn_missing_legal_rates(date(2026, 1, 3)))
        # the private creditors' rate is informative: entering it alone closes nothing
        self.rates.create(
            {"rate_type": "legal_private", "date_from": date(2026, 1, 1), "rate": 6.67}
        )
        self.rates._warn_missing_legal_rates(date(2026, 1, 4))
        self.assertEqual(warnings.filtered("active"), warnings)
        # done by themselves once the rate of the company's claims is entered
        self.rates.create(
            {"rate_type": "legal_professional", "date_from": date(2026, 1, 1), "rate": 2.62}
        )
        self.rates._warn_missing_legal_rates(date(2026, 1, 5))
        self.assertFalse(warnings.exists().filtered("active"))
        self.assertFalse(activities.search([("id", "in", warnings.ids)]))

    def test_a_rescheduled_warning_is_neither_duplicated_nor_left_open(self):
        self._legal_rates(date(2026, 1, 1)).unlink()
        warnings = self.rates._warn_missing_legal_rates(date(2026, 1, 2))
        self.assertTrue(warnings)
        # the manager moves his to the end of January and makes it a to-do; the others moved
        mine = warnings.filtered(lambda a: a.user_id == self.manager).with_user(self.manager)
        mine.write(
            {
                "date_deadline": date(2026, 1, 30),
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
            }
        )
        (warnings - mine).write({"date_deadline": date(2026, 2, 15)})
        self.assertFalse(self.rates._warn_missing_legal_rates(date(2026, 1, 3)))
        self.assertFalse(self.rates._warn_missing_legal_rates(date(2026, 2, 16)))
        self.assertEqual(
            self.env["mail.activity"]
            .sudo()
            .search_count([("relance_rate_half_year", "!=", False)]),
            len(warnings),
        )
        self.rates.create(
            {"rate_type": "legal_professional", "date_from": date(2026, 1, 1), "rate": 2.62}
        )
        self.rates._warn_missing_legal_rates(date(2026, 2, 17))
        self.assertFalse(warnings.exists().filtered("active"))

    def test_current_half_year_without_legal_rates_is_asked_for(self):
        """In H2 2026 without its legal rate of the company's claims, it is asked for at
        once (its private creditors' rate entered or not)."""
        self._legal_rates(date(2026, 7, 1)).unlink()
        self.rates.create(
            {"rate_type": "legal_private", "date_from": date(2026, 7, 1), "rate": 6.5}
        )
        warnings = self.rates._warn_missing_legal_rates(date(2026, 9, 1))
        self.assertEqual(
            set(warnings.mapped("summary")), {"Enter the legal interest rates of H2 2026"}
        )
        self.assertEqual(set(warnings.mapped("relance_rate_half_year")), {date(2026, 7, 1)})
