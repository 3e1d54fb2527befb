from bisect import bisect_right

from odoo import api, fields, models

from ..legal import half_year_start

RATE_TYPES = [
    ("ecb", "ECB main refinancing rate"),
    ("legal_professional", "Legal interest rate, professional creditor"),
    ("legal_private", "Legal interest rate, private creditor"),
]


class RelanceRate(models.Model):
    """A published rate in force from a date: the ECB main refinancing rate (from each
    change) and the French legal interest rates (per half-year). Data, never code: new
    figures are entered when they are published."""

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
