from odoo import models

from .relance_dispute import PAID_STATES


class AccountMove(models.Model):
    """A dispute closes itself when its invoices are paid."""

    _inherit = "account.move"

    def _compute_payment_state(self):
        """``payment_state`` is a stored compute, recomputed in batch whatever changes it (a
        payment, a reconciliation, a credit note, a bank statement match): the one place that
        sees every invoice becoming paid. The invoices flagged as in dispute that are now
        paid close their open disputes once all of their invoices are."""
        super()._compute_payment_state()
        settled = self.filtered(lambda m: m.relance_dispute and m.payment_state in PAID_STATES)
        if settled:
            # the payer need not be a credit controller
            settled.sudo().relance_dispute_ids._close_paid()
