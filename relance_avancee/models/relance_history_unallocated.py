from collections import defaultdict

from odoo import api, fields, models


class RelanceHistory(models.Model):
    """The reminder tells the customer when money received from it is not yet allocated
    to its invoices (bank statement lines and payments; credit notes are not money
    received): it may already pay the invoices reminded."""

    _inherit = "relance.history"

    unallocated_sentence = fields.Char(
        "Money not allocated", compute="_compute_unallocated_sentence"
    )

    @api.depends("partner_id", "company_id")
    @api.depends_context("lang")
    def _compute_unallocated_sentence(self):
        """In batch for the actions rendered together (one query per kind for them all)."""
        unallocated = self.env["relance.run.line"]._unallocated_amounts(
            self.company_id, self.partner_id.commercial_partner_id, kinds=("statement", "payment")
        )
        for history in self:
            found = unallocated.get((history.company_id, history.partner_id.commercial_partner_id))
            if not found:
                history.unallocated_sentence = False
                continue
            by_currency = defaultdict(float)
            for _kind, currency, amount in found["parts"]:
                by_currency[currency] += amount
            history.unallocated_sentence = self.env._(
                "We have received %(amount)s from you that we have not yet allocated to your "
                "invoices; if it pays the invoices below, please disregard this reminder.",
                amount=" + ".join(
                    currency.format(amount)
                    for currency, amount in sorted(by_currency.items(), key=lambda i: i[0].name)
                ),
            )

    def _unallocated_sentence(self):
        """The sentence for the reminder's invoice table, in the context's language (as
        ``_bank_transfer_sentence``), or False."""
        self.ensure_one()
        return self.unallocated_sentence or False
