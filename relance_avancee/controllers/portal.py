from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.account.controllers.portal import PortalAccount

from ..models.relance_dispute import DISPUTE_REASONS


class RelancePortal(PortalAccount):
    """On the customer's invoice page: contest the invoice, or ask for a payment plan."""

    def _relance_invoice(self, invoice_id, access_token):
        """The invoice (sudo) when the visitor may see it, else None."""
        try:
            return self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return None

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values["relance_dispute_reasons"] = (
            request.env["relance.dispute"]._fields["reason"]._description_selection(request.env)
        )
        values["relance_history"] = (
            invoice.sudo()
            .relance_history_line_ids.filtered(lambda line: line.state == "done")
            .history_id
        )
        return values

    @http.route(
        "/my/invoices/<int:invoice_id>/contest",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def relance_portal_contest(self, invoice_id, access_token=None, reason="other", message=""):
        invoice = self._relance_invoice(invoice_id, access_token)
        if invoice is None:
            return request.redirect("/my")
        if reason not in dict(DISPUTE_REASONS):
            reason = "other"
        invoice._relance_portal_contest(request.env.user.partner_id, reason, message)
        return request.redirect(invoice.get_portal_url(query_string="&relance=contested"))

    @http.route(
        "/my/invoices/<int:invoice_id>/payment_plan",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def relance_portal_payment_plan(self, invoice_id, access_token=None, message=""):
        invoice = self._relance_invoice(invoice_id, access_token)
        if invoice is None:
            return request.redirect("/my")
        invoice._relance_portal_plan_request(request.env.user.partner_id, message)
        return request.redirect(invoice.get_portal_url(query_string="&relance=plan_requested"))
