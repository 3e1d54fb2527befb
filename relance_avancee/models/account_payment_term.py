from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import date_utils, format_date

# Every invoice date of two years, one of them a leap year: all the month lengths and days of
# the month a due date can depend on.
REFERENCE_DATES = [date(2027, 1, 1) + timedelta(days=n) for n in range(731)]


def _legal_limit(invoice_date):
    """The latest due date allowed between businesses for an invoice of that date (Code de
    commerce L441-10 I): 60 days after the invoice date, or 45 days end of month, in either
    of its two accepted readings (45 days then the end of that month, or the end of the
    month then 45 days)."""
    return max(
        invoice_date + timedelta(days=60),
        date_utils.end_of(invoice_date + timedelta(days=45), "month"),
        date_utils.end_of(invoice_date, "month") + timedelta(days=45),
    )


LEGAL_LIMITS = [(day, _legal_limit(day)) for day in REFERENCE_DATES]


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    relance_legal_warning = fields.Char(
        "Legal payment delay warning", compute="_compute_relance_legal_warning"
    )

    @api.depends("line_ids.nb_days", "line_ids.delay_type", "line_ids.days_next_month")
    def _compute_relance_legal_warning(self):
        """Warns when a line of the term falls due later than French law allows between
        businesses (Code de commerce L441-10 I): 60 days after the invoice date, or 45 days
        end of month.

        The due date of a line depends on its delay type (days after the invoice date, after
        the end of the month, after the end of the next month, end of month or a given day of
        the next month) and, for all but the first, on the invoice date itself: "end of the
        next month + 10 days" is legal for an invoice of 31 July, not for one of 1 July with
        15 days. So instead of one rule per delay type, each line's due date is computed by
        Odoo itself (``_get_due_date``) for every invoice date of two years (all month lengths,
        a leap year) and compared with the legal limit of that date, the latest of 60 days,
        45 days then end of month, and end of month then 45 days (both readings of "45 days
        end of month" are accepted). Hence 60 days net, 45 days end of month (either delay
        type) and "end of the following month" are legal; 90 days or 60 days end of month are
        not. The first invoice date past the limit is given as an example."""
        for term in self:
            term.relance_legal_warning = False
            for line in term.line_ids:
                excess = next(
                    (
                        (day, due)
                        for day, limit in LEGAL_LIMITS
                        if (due := line._get_due_date(day)) > limit
                    ),
                    None,
                )
                if excess:
                    day, due = excess
                    term.relance_legal_warning = self.env._(
                        "These terms exceed the legal payment delay between businesses in "
                        "France (article L441-10 of the French Commercial Code): 60 days from "
                        "the invoice date, or 45 days end of month. An invoice of %(date)s "
                        "would fall due on %(due)s, %(days)s days later.",
                        date=format_date(self.env, day),
                        due=format_date(self.env, due),
                        days=(due - day).days,
                    )
                    break

    def _relance_early_discount_mention(self):
        """The early-payment discount mention of invoices with these terms (Code de commerce
        L441-9: the discount conditions, or that there is none), in the context's language.
        Also called on no terms at all."""
        if len(self) > 1:
            self.ensure_one()
        if not self.early_discount:
            return self.env._("No discount for early payment.")
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        percent = lang.format("%g", self.discount_percentage) if lang else self.discount_percentage
        if self.early_pay_discount_computation in ("excluded", "mixed"):
            return self.env._(
                "Early payment discount: %(percent)s %% of the untaxed amount if paid within "
                "%(days)s days.",
                percent=percent,
                days=self.discount_days,
            )
        return self.env._(
            "Early payment discount: %(percent)s %% if paid within %(days)s days.",
            percent=percent,
            days=self.discount_days,
        )
