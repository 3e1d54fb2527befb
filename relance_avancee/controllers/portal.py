from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

from odoo.addons.account.controllers.portal import PortalAccount

from ..models.relance_dispute import DISPUTE_REASONS
from ..models.relance_payment_declaration import PORTAL_MESSAGE_MAX_LENGTH, PORTAL_PROOF_MAX_SIZE
from ..report.relance_statement import STATEMENT_REPORT

# what a customer may write from the portal (a contest, a plan request; a payment declared
# with a longer message is refused with its reason, see relance.payment.declaration)
PORTAL_MESSAGE_MAX = PORTAL_MESSAGE_MAX_LENGTH
# the causes of delay a customer may give when asking for a payment plan (a dispute or a
# billing error is a contest)
PORTAL_CAUSES = ("cash", "forgotten", "process", "unknown")


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
        values["relance_plan_causes"] = self._relance_plan_causes()
        # the reminders the customer received, by their channel (the level names are the
        # company's own words; the handover to an agency is not a reminder)
        values["relance_history"] = (
            invoice.sudo()
            .relance_history_line_ids.filtered(
                lambda line: line.state == "done" and line.channel != "handover"
            )
            .history_id
        )
        declarations = request.env["relance.payment.declaration"].sudo()
        values["relance_declaration"] = declarations._portal_open_declaration(invoice)
        error = request.params.get("relance_error")
        values["relance_paid_error"] = error and declarations._portal_errors().get(error)
        values["relance_today"] = fields.Date.context_today(declarations)
        return values

    def _relance_plan_causes(self):
        """[(cause, label)] of PORTAL_CAUSES, in the customer's words."""
        labels = {
            "cash": request.env._("Cash-flow difficulties"),
            "forgotten": request.env._("The invoice was overlooked"),
            "process": request.env._("Waiting for our internal approval"),
            "unknown": request.env._("Another reason"),
        }
        return [(cause, labels[cause]) for cause in PORTAL_CAUSES]

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
        invoice.env["relance.dispute"]._portal_contest(
            invoice, request.env.user.partner_id, reason, message[:PORTAL_MESSAGE_MAX]
        )
        return request.redirect(invoice.get_portal_url(query_string="&relance=contested"))

    @http.route(
        "/my/invoices/<int:invoice_id>/payment_plan",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def relance_portal_payment_plan(self, invoice_id, access_token=None, message="", cause=""):
        invoice = self._relance_invoice(invoice_id, access_token)
        if invoice is None:
            return request.redirect("/my")
        plan = invoice.env["relance.payment.plan"]._portal_request(
            invoice, request.env.user.partner_id, message[:PORTAL_MESSAGE_MAX]
        )
        if plan and cause in PORTAL_CAUSES:
            invoice._relance_set_cause(cause)
        return request.redirect(invoice.get_portal_url(query_string="&relance=plan_requested"))

    @http.route(
        "/my/invoices/<int:invoice_id>/already_paid",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def relance_portal_already_paid(
        self, invoice_id, access_token=None, payment_date="", amount="", message="", proof=None
    ):
        """The customer says the invoice is paid, with the date, the amount and an
        optional proof (PDF or image): the reminders wait while the payment is checked."""
        invoice = self._relance_invoice(invoice_id, access_token)
        if invoice is None:
            return request.redirect("/my")
        declarations = invoice.env["relance.payment.declaration"]
        proof_name, proof_content = "", b""
        if proof and proof.filename:
            proof_name = proof.filename
            proof_content = proof.read(PORTAL_PROOF_MAX_SIZE + 1)  # more is too large anyway
        error, _date, _amount = declarations._portal_parse(
            payment_date, amount, message, proof_content
        )
        if error:
            return request.redirect(
                invoice.get_portal_url(query_string=f"&relance=paid_refused&relance_error={error}")
            )
        declarations._portal_declare(
            invoice,
            request.env.user.partner_id,
            payment_date,
            amount,
            message,
            proof_name,
            proof_content,
        )
        return request.redirect(invoice.get_portal_url(query_string="&relance=paid_declared"))

    @http.route("/my/relance/statement", type="http", auth="user", methods=["GET"])
    def relance_portal_statement(self, company_id=None, download=False, **kwargs):
        """The signed-in customer's statement of account, as a PDF: always its own
        commercial partner's, in one of the companies it has open items in (``company_id``
        when it is one of them, see ``res.partner._relance_portal_statement_company``)."""
        partner = request.env.user.partner_id.commercial_partner_id.sudo()
        try:
            company_id = int(company_id) if company_id else None
        except ValueError:
            company_id = None
        company = partner._relance_portal_statement_company(company_id, request.env.company)
        date = fields.Date.context_today(partner)
        pdf, _report_type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(company)
            ._render_qweb_pdf(
                STATEMENT_REPORT,
                partner.ids,
                data={"company_id": company.id, "date": fields.Date.to_string(date)},
            )
        )
        filename = request.env._(
            "Customer statement - %(customer)s - %(date)s.pdf", customer=partner.name, date=date
        )
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(pdf)),
            (
                "Content-Disposition",
                content_disposition(
                    filename, disposition_type="attachment" if download else "inline"
                ),
            ),
        ]
        return request.make_response(pdf, headers=headers)
