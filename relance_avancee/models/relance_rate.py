import logging
from bisect import bisect_right
from collections import namedtuple

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import float_compare, format_date, mute_logger

from ..legal import half_year_start
from .relance_rate_source import RateSourceError

_logger = logging.getLogger(__name__)

RATE_TYPES = [
    ("ecb", "ECB main refinancing rate"),
    ("legal_professional", "Legal interest rate, professional creditor"),
    ("legal_private", "Legal interest rate, private creditor"),
]
# the legal rate of the company's claims, B2B and B2C alike: the "autres cas" one, its
# creditor being a company (Code monétaire et financier, L313-2); legal_private is informative
CLAIMS_LEGAL_TYPE = "legal_professional"
# the dunning managers are asked for the legal rates of a half-year from this many days
# before it starts (the arrêté is usually published in the last days before)
LEGAL_RATE_NOTICE_DAYS = 15
# the outcome of a publisher's update: the rates created, [(rate entered, published figure)]
# that differ, the error that stopped it (or None), the notices of the figures not fetched
RateUpdate = namedtuple("RateUpdate", "created conflicts error notices")


class RelanceRate(models.Model):
    """A published rate in force from a date: the ECB main refinancing rate (from each
    change) and the French legal interest rates (per half-year). Data, never code: new
    figures are entered when they are published, or fetched from their publishers (the
    *Update* button, a weekly cron; relance.rate.source)."""

    _name = "relance.rate"
    _description = "Reference interest rate"
    _order = "rate_type, date_from desc"

    rate_type = fields.Selection(RATE_TYPES, "Rate", required=True)
    date_from = fields.Date("In force from", required=True)
    rate = fields.Float("Rate (%)", digits=(6, 3), required=True)
    source = fields.Char(help="Where the figure was published.")

    _date_unique = models.Constraint(
        "UNIQUE(rate_type, date_from)", "There is already a rate of this kind from that date."
    )

    @api.depends("rate_type", "date_from", "rate")
    def _compute_display_name(self):
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        for rate in self:
            rate.display_name = f"{labels.get(rate.rate_type)} {rate.rate:g} % ({rate.date_from})"

    @api.model
    def _rate_table(self):
        """{rate type: ([dates from], [rates])}, sorted, read in one query."""
        table = {code: ([], []) for code, _label in RATE_TYPES}
        for rate in self.sudo().search_fetch(
            [], ["rate_type", "date_from", "rate"], order="date_from"
        ):
            table[rate.rate_type][0].append(rate.date_from)
            table[rate.rate_type][1].append(rate.rate)
        return table

    @api.model
    def _rate_at(self, table, rate_type, date, latest=False):
        """The rate of that type in force on that date, None when it was not entered: the
        ECB rate of its last change on or before the date; a legal rate, the one of the
        date's own half-year (each half-year has its own, published for it), or with
        ``latest`` the last one published before."""
        dates, rates = table[rate_type]
        index = bisect_right(dates, date)
        if not index:
            return None
        if rate_type != "ecb" and not latest and dates[index - 1] < half_year_start(date):
            return None
        return rates[index - 1]

    # ------------------------------------------------------------------------------------
    # Published figures: fetched from their publishers, stored once
    # ------------------------------------------------------------------------------------

    @api.model
    def _store_published(self, figures, source):
        """Creates those of the figures [(rate type, date from, rate)] not entered yet, with
        their ``source``. A figure that differs from the one entered for its type and date
        is left as entered, logged and returned: never overwritten silently.
        Returns (rates created, [(rate entered, published figure)])."""
        published = {(rate_type, day): rate for rate_type, day, rate in figures}
        if not published:
            return self.browse(), []
        entered = self._entered_rates(published)
        to_create, conflicts = [], []
        for (rate_type, day), rate in sorted(published.items()):
            existing = entered.get((rate_type, day))
            if not existing:
                to_create.append(
                    {"rate_type": rate_type, "date_from": day, "rate": rate, "source": source}
                )
            elif float_compare(existing.rate, rate, precision_digits=3):
                _logger.warning(
                    "Reference rates: %s from %s is %s %% at %s, %s %% entered: kept as entered",
                    rate_type,
                    day,
                    rate,
                    source,
                    existing.rate,
                )
                conflicts.append((existing, rate))
        return self._create_new(to_create), conflicts

    @api.model
    def _entered_rates(self, keys):
        """{(rate type, date from): rate} of the rates entered among ``keys``."""
        return {
            (rate.rate_type, rate.date_from): rate
            for rate in self.search_fetch(
                [
                    ("rate_type", "in", list({key[0] for key in keys})),
                    ("date_from", "in", list({key[1] for key in keys})),
                ],
                ["rate_type", "date_from", "rate"],
            )
        }

    @api.model
    def _create_new(self, vals_list):
        """Creates the rates, but those another transaction created meanwhile (the cron and
        the button at once): under Odoo's repeatable-read isolation they stay invisible to
        this one, so that only the unique index tells; each is then left to that other
        transaction instead of aborting this one."""
        if not vals_list:
            return self.browse()
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                return self.create(vals_list)
        except psycopg2.errors.UniqueViolation:
            pass
        created = self.browse()
        for vals in vals_list:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    created |= self.create(vals)
            except psycopg2.errors.UniqueViolation:
                _logger.info(
                    "Reference rates: %s from %s created meanwhile by another transaction",
                    vals["rate_type"],
                    vals["date_from"],
                )
        return created

    @api.model
    def _update_rates(self, date, unexpected_errors=False):
        """Fetches each publisher's figures and stores the new ones (source: its address and
        ``date``): {publisher: RateUpdate}. A publisher that cannot be read does not stop
        the others; with ``unexpected_errors`` (the cron), neither does any other error of
        one, logged with its traceback."""
        results = {}
        for label, fetch in self.env["relance.rate.source"]._fetchers().items():
            try:
                with self.env.cr.savepoint():
                    results[label] = self._update_from(fetch, date)
            except RateSourceError as error:
                _logger.warning("Reference rates not updated: %s", error)
                results[label] = RateUpdate(self.browse(), [], str(error), ())
            except Exception as error:
                if not unexpected_errors:
                    raise
                _logger.exception("Reference rates of %s not updated", label)
                results[label] = RateUpdate(self.browse(), [], str(error), ())
        return results

    @api.model
    def _update_from(self, fetch, date):
        fetched = fetch(date)
        for notice in fetched.notices:
            _logger.warning("Reference rates: %s", notice)
        created, conflicts = self._store_published(
            fetched.figures, f"{fetched.source} (fetched on {date.isoformat()})"
        )
        return RateUpdate(created, conflicts, None, tuple(fetched.notices))

    def action_update_rates(self):
        """Fetches the new rates from the ECB and the Banque de France (dunning managers)."""
        self.check_access("create")
        results = self._update_rates(fields.Date.context_today(self))
        trouble = any(
            result.error or result.conflicts or result.notices for result in results.values()
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Interest rates"),
                "message": " ".join(
                    self._update_summary(label, result) for label, result in results.items()
                ),
                "type": "warning" if trouble else "success",
                "sticky": trouble,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _update_summary(self, label, result):
        if result.error:
            return result.error
        created = result.created
        if created:
            text = self.env._(
                "%(publisher)s: %(count)s new rates (%(rates)s).",
                publisher=label,
                count=len(created),
                rates=", ".join(
                    created.sorted("date_from", reverse=True)[:5].mapped("display_name")
                )
                + (", …" if len(created) > 5 else ""),
            )
        else:
            text = self.env._("%(publisher)s: no new rate.", publisher=label)
        for existing, rate in result.conflicts:
            text += " " + self.env._(
                "%(rate)s differs from the published figure, %(published)s %%: kept as "
                "entered, check it.",
                rate=existing.display_name,
                published=rate,
            )
        return " ".join([text, *result.notices])

    @api.model
    def _cron_update_rates(self):
        """Weekly: the new rates (none most weeks: nothing written); a publisher late or
        unreachable is retried the next week, its error logged without stopping the other."""
        self._update_rates(fields.Date.context_today(self), unexpected_errors=True)

    # ------------------------------------------------------------------------------------
    # Missing legal rates: the dunning managers are asked for them
    # ------------------------------------------------------------------------------------

    @api.model
    def _cron_check_legal_rates(self):
        self._warn_missing_legal_rates(fields.Date.context_today(self))

    @api.model
    def _missing_legal_half_years(self, starts):
        """Those of the half-years starting on ``starts`` without the legal rate the
        company's claims bear: the "autres cas" one (legal_professional), whoever the
        debtor, its creditor being a company; the private creditors' one is informative."""
        entered = self.sudo().search_fetch(
            [("rate_type", "=", CLAIMS_LEGAL_TYPE), ("date_from", "in", list(starts))],
            ["date_from"],
        )
        return set(starts) - set(entered.mapped("date_from"))

    @api.model
    def _warn_missing_legal_rates(self, date):
        """An activity for each dunning manager, once per half-year, when the legal rate
        of the current half-year, or of the next one from 15 days before it starts, is
        not entered; done by itself once it is. The activities are known by their
        half-year (relance_rate_half_year), not by their deadline or type, which users
        may change."""
        current = half_year_start(date)
        starts = {current}
        upcoming = fields.Date.add(current, months=6)
        if (upcoming - date).days <= LEGAL_RATE_NOTICE_DAYS:
            starts.add(upcoming)
        activity_type = self.env.ref(
            "relance_avancee.mail_activity_type_relance_rates", raise_if_not_found=False
        )
        if not activity_type:
            _logger.warning("Legal interest rates not checked: their activity type is deleted")
            return self.env["mail.activity"]
        warnings = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("relance_rate_half_year", "!=", False)], ["active", "relance_rate_half_year"]
            )
        )
        open_warnings = warnings.filtered("active")
        missing = self._missing_legal_half_years(
            starts | set(open_warnings.mapped("relance_rate_half_year"))
        )
        warned = set(warnings.mapped("relance_rate_half_year"))
        values = [
            self._legal_rate_activity_values(activity_type, start, user)
            for start in sorted(missing & (starts - warned))
            for user in self._rate_managers()
        ]
        entered = open_warnings.filtered(lambda a: a.relance_rate_half_year not in missing)
        if entered:
            entered.action_feedback(feedback=self.env._("The legal interest rate is entered."))
        return self.env["mail.activity"].sudo().create(values)

    @api.model
    def _rate_managers(self):
        managers = self.env.ref("relance_avancee.group_relance_manager").all_user_ids
        return managers.filtered(
            lambda u: u.active and u._is_internal() and not u._is_superuser()
        ) or self.env.ref("base.user_admin")

    @api.model
    def _legal_rate_activity_values(self, activity_type, start, user):
        """A floating activity (no document) of ``user``, in his language, due on ``start``."""
        env = self.with_context(lang=user.lang).env
        half_year = (
            env._("H1 %(year)s", year=start.year)
            if start.month == 1
            else env._("H2 %(year)s", year=start.year)
        )
        return {
            "activity_type_id": activity_type.id,
            "user_id": user.id,
            "date_deadline": start,
            "relance_rate_half_year": start,
            "automated": True,
            "summary": env._(
                "Enter the legal interest rates of %(half_year)s", half_year=half_year
            ),
            "note": Markup("<p>%s</p>")
            % env._(
                "The legal interest rate in force from %(date)s for all the cases other than "
                "private creditors (the rate of the company's claims, on businesses and "
                "consumers alike) is not entered: the interest of that half-year cannot be "
                "computed. Fetch it with the Update button of Invoicing > Configuration > "
                "Dunning > Interest rates once published, or enter the figure of the arrêté "
                "published in the Journal officiel.",
                date=format_date(env, start),
            ),
        }
