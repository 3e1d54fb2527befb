from odoo import models


class RelanceHistory(models.Model):
    """Early-payment discounts offered by the pre-reminders: an invoice whose payment terms
    grant a discount ("2 % if paid within 10 days") is reminded with it while it is still
    valid on the action's date (Odoo's ``discount_date`` and discounted amounts of the
    invoice's payment term line)."""

    _inherit = "relance.history"

    def _early_discounts(self):
        """{invoice: {"date", "amount", "amount_to_pay"}} of this action's invoices that
        still grant their early-payment discount on the action's date: the last day to pay
        with it, the discount and what is left to pay when paid by then, both in the invoice
        currency. As in Odoo's payment registration, an invoice already partly paid no longer
        has the discount."""
        self.ensure_one()
        moves = self.line_ids.move_id.filtered(
            lambda m: (
                m.move_type in m._early_payment_discount_move_types()
                and m.invoice_payment_term_id.early_discount
                and m.payment_state == "not_paid"
            )
        )
        term_lines = moves.line_ids.filtered(
            lambda line: (
                line.display_type == "payment_term"
                and line.discount_date
                and line.discount_date >= self.date
            )
        )
        discounts = {}
        for move, lines in term_lines.grouped("move_id").items():
            total = abs(sum(lines.mapped("amount_currency")))
            to_pay = abs(sum(lines.mapped("discount_amount_currency")))
            if move.currency_id.compare_amounts(total, to_pay) <= 0:
                continue
            discounts[move] = {
                "date": min(lines.mapped("discount_date")),
                "amount": move.currency_id.round(total - to_pay),
                "amount_to_pay": to_pay,
            }
        return discounts
