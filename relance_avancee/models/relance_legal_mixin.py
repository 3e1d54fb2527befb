from odoo import api, fields, models

from ..legal import prescription_date
from .relance_access import DUNNING_READERS


class RelanceLegalMixin(models.AbstractModel):
    """What French law says of a customer invoice, beside its dunning state: late-payment
    interest, the recovery indemnity, the claimable total, the prescription date and its
    interruption, the penalty invoice and the early-payment discount mention printed on it.
    The figures come from the pure library ``relance_avancee.legal`` through
    ``relance.legal``, for many invoices at once; ``account.move`` inherits this mixin."""

    _name = "relance.legal.mixin"
    _description = "French late-payment law on an invoice"

    # the invoice's own company currency, the figures' currency
    company_currency_id = fields.Many2one("res.currency")

    relance_interest_amount = fields.Monetary(
        "Late-payment interest",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="B2B: penalties at the company's rate from the day after the due date. "
        "B2C: legal interest from the receipt of the formal notice only.",
        groups=DUNNING_READERS,
    )
    relance_indemnity_amount = fields.Monetary(
        "Recovery indemnity",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="Fixed 40 EUR per late invoice of a business customer (D441-5), not subject to VAT.",
        groups=DUNNING_READERS,
    )
    relance_claimable_amount = fields.Monetary(
        "Total claimable",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        groups=DUNNING_READERS,
    )
    relance_legal_warning = fields.Char(
        "Interest warning", compute="_compute_relance_legal_amounts", groups=DUNNING_READERS
    )
    relance_impact_amount = fields.Monetary(
        "Revenue to make up",
        currency_field="company_currency_id",
        compute="_compute_relance_legal_amounts",
        help="Sales needed to make up for the unpaid amount at the company's average margin.",
        groups=DUNNING_READERS,
    )
    relance_penalty_move_id = fields.Many2one(
        "account.move",
        "Penalty invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups=DUNNING_READERS,
    )
    relance_prescription_date = fields.Date(
        "Prescription date",
        compute="_compute_relance_prescription_date",
        store=True,
        help="5 years between merchants (Code de commerce L110-4), 2 years against a consumer "
        "(Code de la consommation L218-2), from the delivery date, else the invoice date, or "
        "from the last interruption.",
        groups=DUNNING_READERS,
    )
    relance_interruption_date = fields.Date(
        "Prescription interrupted on",
        copy=False,
        tracking=True,
        help="An acknowledgment of debt, a court claim or an enforcement act restarts the "
        "prescription period; reminders and formal notices do not.",
        groups=DUNNING_READERS,
    )
    relance_prescription_alerted = fields.Integer(
        "Prescription alert sent (days before)", copy=False, readonly=True, groups=DUNNING_READERS
    )
    relance_interruption_type = fields.Selection(
        [
            ("acknowledgment", "Acknowledgment of debt"),
            ("court_claim", "Court claim"),
            ("enforcement", "Enforcement act"),
        ],
        "Interruption",
        copy=False,
        groups=DUNNING_READERS,
    )

    relance_early_discount_mention = fields.Char(
        "Early payment discount mention",
        compute="_compute_relance_early_discount_mention",
        help="Printed on the invoice: the early-payment discount of its payment terms, or "
        "that there is none (Code de commerce L441-9).",
    )

    @api.depends("amount_residual_signed", "invoice_date_due", "payment_state", "state")
    @api.depends_context("relance_date")
    def _compute_relance_legal_amounts(self):
        amounts = self._relance_legal_amounts()
        for move in self:
            values = amounts.get(move.id, {})
            move.relance_interest_amount = values.get("interest", 0.0)
            move.relance_indemnity_amount = values.get("indemnity", 0.0)
            move.relance_claimable_amount = values.get("total", 0.0)
            move.relance_impact_amount = values.get("impact", 0.0)
            move.relance_legal_warning = values.get("warning", False)

    def _relance_legal_amounts(self, date=None):
        """French law for these invoices at the date (``relance.legal._amounts``)."""
        return self.env["relance.legal"]._amounts(self, date or self._relance_today())

    @api.depends(
        "move_type",
        "invoice_date",
        "delivery_date",
        "relance_interruption_date",
        "commercial_partner_id.relance_policy_type",
    )
    def _compute_relance_prescription_date(self):
        for move in self:
            start = move.relance_interruption_date or move.delivery_date or move.invoice_date
            if move.move_type != "out_invoice" or not start:
                move.relance_prescription_date = False
                continue
            move.relance_prescription_date = prescription_date(
                start, consumer=move.commercial_partner_id.relance_policy_type == "b2c"
            )

    @api.depends(
        "move_type",
        "invoice_payment_term_id.early_discount",
        "invoice_payment_term_id.discount_percentage",
        "invoice_payment_term_id.discount_days",
        "invoice_payment_term_id.early_pay_discount_computation",
    )
    @api.depends_context("lang")
    def _compute_relance_early_discount_mention(self):
        for move in self:
            move.relance_early_discount_mention = (
                move.invoice_payment_term_id._relance_early_discount_mention()
                if move.move_type == "out_invoice"
                else False
            )

    def write(self, vals):
        if "relance_interruption_date" in vals:
            # a new prescription period: its alerts are to be given again
            vals = {**vals, "relance_prescription_alerted": 0}
        return super().write(vals)

    def action_relance_invoice_penalties(self):
        return self.env["relance.legal"]._invoice_penalties(self)
