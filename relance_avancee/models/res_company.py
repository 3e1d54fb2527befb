from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..legal import FIXED_INDEMNITY_EUR, PRESUMED_DELIVERY_DAYS
from .relance_access import DUNNING_READERS

PENALTY_MODES = [
    ("ecb", "ECB rate + 10 points (legal default)"),
    ("contract", "Contractual rate"),
]
DSO_METHODS = [
    ("standard", "Standard: receivables / credit sales of the period x its days"),
    ("countback", "Countback: the days of the latest sales the receivables stand for"),
]

# the average margins the impact figure proposes (%), besides a custom rate
MARGIN_PRESET_RATES = {"shop": 14.0, "wholesale": 21.0, "retail": 30.0, "default": 20.0}
MARGIN_PRESETS = [
    ("shop", "Shops (14 %)"),
    ("wholesale", "Wholesale (21 %)"),
    ("retail", "Retail (30 %)"),
    ("default", "Default (20 %)"),
    ("custom", "Custom rate"),
]


def preset_margin(preset, custom_rate):
    """The margin (%) of a preset, ``custom_rate`` for "custom", None without a preset."""
    return custom_rate if preset == "custom" else MARGIN_PRESET_RATES.get(preset)


# The sentence 19.0.1.0.0 wrote in French, whatever the language, at the end of the mentions
# it added to the company's invoice terms: stored as is in existing databases, it is only
# recognized (to be removed), never written, hence not translated. The early-payment discount
# is now stated on each invoice, from its payment terms (see account_payment_term.py).
LEGACY_NO_DISCOUNT = " Pas d'escompte pour paiement anticipé."


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_penalty_mode = fields.Selection(
        PENALTY_MODES,
        "Late-payment penalty rate",
        default="ecb",
        required=True,
        groups=DUNNING_READERS,
    )
    relance_penalty_rate = fields.Float(
        "Contractual penalty rate (%)",
        digits=(6, 3),
        help="Annual rate agreed in the general terms; at least 3 times the legal interest rate.",
        groups=DUNNING_READERS,
    )
    relance_claim_indemnity = fields.Boolean(
        "Claim the fixed recovery indemnity",
        default=True,
        help="40 EUR per late invoice of a business customer (Code de commerce D441-5).",
        groups=DUNNING_READERS,
    )
    relance_indemnity_amount = fields.Float(
        "Fixed recovery indemnity (EUR)", default=FIXED_INDEMNITY_EUR, groups=DUNNING_READERS
    )
    relance_margin_preset = fields.Selection(
        MARGIN_PRESETS,
        "Average margin",
        compute="_compute_relance_margin_preset",
        store=True,
        readonly=False,
        help="Used for the impact of an unpaid invoice: the revenue needed to make up for it "
        "(unpaid amount / margin). A customer may have its own.",
        groups=DUNNING_READERS,
    )
    relance_margin_rate = fields.Float(
        "Average margin (%)",
        default=20.0,
        help="The custom average margin of the impact figure (entering one makes it the "
        "margin in force).",
        groups=DUNNING_READERS,
    )
    relance_promise_grace_days = fields.Integer(
        "Promise grace days",
        default=3,
        help="Days after a promised date (or an instalment date) before it counts as broken.",
        groups=DUNNING_READERS,
    )
    relance_plan_installments = fields.Integer(
        "Default instalments of a payment plan", default=3, groups=DUNNING_READERS
    )
    relance_grade_good_days = fields.Integer(
        "Good payer up to (days late)",
        default=5,
        help="Average days late over 12 months up to which a customer is a good payer.",
        groups=DUNNING_READERS,
    )
    relance_grade_poor_days = fields.Integer(
        "Poor payer from (days late)",
        default=30,
        help="Average days late over 12 months from which a customer is a poor payer.",
        groups=DUNNING_READERS,
    )
    relance_notice_delivery_days = fields.Integer(
        "Presumed delivery of a formal notice (days)",
        default=PRESUMED_DELIVERY_DAYS,
        help="A formal notice takes effect on its receipt: the date of its acknowledgment of "
        "receipt. Until that date is entered, the receipt is presumed this many days after "
        "the sending (the post's usual delivery time of a registered letter): the legal "
        "interest of consumers and the deadline given to pay count from it.",
        groups=DUNNING_READERS,
    )
    # Code de la consommation L612-1, L616-1 and R616-1: a professional gives consumers the
    # name, contact details and website of the consumer mediator it belongs to
    relance_consumer_mediator_name = fields.Char(
        "Consumer mediator",
        help="The consumer mediator the company belongs to (Code de la consommation L612-1), "
        "printed on the formal notices to consumers with its address and website (L616-1).",
        groups=DUNNING_READERS,
    )
    relance_consumer_mediator_address = fields.Char(
        "Consumer mediator's address", groups=DUNNING_READERS
    )
    relance_consumer_mediator_website = fields.Char(
        "Consumer mediator's website", groups=DUNNING_READERS
    )

    _relance_notice_delivery_days_positive = models.Constraint(
        "CHECK(relance_notice_delivery_days >= 0)",
        "The presumed delivery time of a formal notice cannot be negative.",
    )

    # a margin rate entered (before presets came, or written by a program) is the custom rate
    # in force, or the preset it is: the preset is chosen in the settings
    @api.depends("relance_margin_rate")
    def _compute_relance_margin_preset(self):
        by_rate = {rate: preset for preset, rate in MARGIN_PRESET_RATES.items()}
        for company in self:
            company.relance_margin_preset = by_rate.get(company.relance_margin_rate, "custom")

    relance_dso_method = fields.Selection(
        DSO_METHODS,
        "DSO method",
        default="standard",
        required=True,
        help="Countback walks back month by month from the end of the period, taking each "
        "month's credit sales off the receivables until none is left.",
        groups=DUNNING_READERS,
    )
    relance_rating_request = fields.Boolean(
        "Satisfaction rating after payment",
        help="Once invoices that were reminded are paid, their customer is asked by email "
        "to rate the follow-up of its payment (once per set of invoices paid).",
        groups=DUNNING_READERS,
    )

    @api.constrains("relance_penalty_mode", "relance_penalty_rate")
    def _check_relance_penalty_rate(self):
        rate_model = self.env["relance.rate"]
        table = rate_model._rate_table()
        today = fields.Date.context_today(self)
        for company in self.filtered(lambda c: c.relance_penalty_mode == "contract"):
            legal = rate_model._rate_at(table, "legal_professional", today, latest=True) or 0.0
            if company.relance_penalty_rate < 3 * legal:
                raise ValidationError(
                    self.env._(
                        "The contractual penalty rate (%(rate)s %%) cannot be lower than three "
                        "times the legal interest rate (3 x %(legal)s %% = %(floor)s %%).",
                        rate=company.relance_penalty_rate,
                        legal=legal,
                        floor=round(3 * legal, 3),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["relance.policy"].sudo()._ensure_default_policies(companies)
        return companies

    def _relance_margin(self, customer=None):
        """The average margin (%) of the impact figure of ``customer``'s invoices: the
        customer's own preset or rate, else the company's. Reads fields only (prefetched
        for a batch of companies and customers)."""
        self.ensure_one()
        if customer:
            margin = preset_margin(customer.relance_margin_preset, customer.relance_margin_rate)
            if margin and margin > 0:  # a custom rate left at 0 is no rate: the company's
                return margin
        return (
            preset_margin(self.relance_margin_preset or "custom", self.relance_margin_rate) or 0.0
        )

    def _relance_penalty_rate_label(self):
        """How the penalty rate reads in the invoice terms (in the context's language)."""
        self.ensure_one()
        if self.relance_penalty_mode == "contract":
            return f"{self.relance_penalty_rate:g} %"
        return self.env._("the ECB key interest rate plus 10 percentage points")

    def _relance_invoice_mentions(self):
        """The mandatory B2B mentions of the invoice terms (Code de commerce L441-9): the
        penalty rate and the fixed recovery indemnity, in the context's language. The
        early-payment discount depends on each invoice's payment terms and is printed on the
        invoice itself (``account.move.relance_early_discount_mention``)."""
        self.ensure_one()
        return self.env._(
            "In case of late payment, late-payment penalties are due at the rate of %(rate)s "
            "from the day after the due date without a reminder being necessary (article "
            "L441-10 of the French Commercial Code), as well as a fixed recovery indemnity of "
            "40 EUR (article D441-5 of the French Commercial Code).",
            rate=self._relance_penalty_rate_label(),
        )

    def action_relance_add_invoice_mentions(self):
        """Adds the mandatory B2B mentions (penalty rate, 40 EUR indemnity) to the default
        invoice terms, once, in the language of the company (the terms are translatable: that
        is the text of the invoices of the customers in that language and of those without a
        translation of their own). The "no discount" sentence that earlier versions added
        there is removed: the discount is now stated on each invoice, from its payment terms."""
        for company in self:
            localized = company.with_context(lang=company.partner_id.lang or self.env.lang)
            terms = str(localized.invoice_terms or "")
            cleaned = terms.replace(LEGACY_NO_DISCOUNT, "")
            if "D441-5" not in cleaned:
                cleaned = Markup("%s<p>%s</p>") % (
                    Markup(cleaned),
                    localized._relance_invoice_mentions(),
                )
            if cleaned != terms:
                localized.invoice_terms = cleaned
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", True)

    def _relance_bank_transfer_sentence(self, moves):
        """How to pay by transfer, as one translatable sentence: the bank account of the
        invoices, else the company's."""
        self.ensure_one()
        company = self
        bank = moves.partner_bank_id[:1] or company.partner_id.bank_ids[:1]
        if not bank:
            return False
        values = {
            "holder": bank.acc_holder_name or company.name,
            "iban": Markup("<strong>%s</strong>") % bank.acc_number,
            "bic": Markup("<strong>%s</strong>") % (bank.bank_bic or ""),
        }
        if bank.bank_bic:
            text = self.env._(
                "Payment by bank transfer to %(holder)s: IBAN %(iban)s, BIC %(bic)s, "
                "quoting the invoice numbers."
            )
        else:
            text = self.env._(
                "Payment by bank transfer to %(holder)s: IBAN %(iban)s, quoting the invoice "
                "numbers."
            )
        return Markup(escape(text)) % values
