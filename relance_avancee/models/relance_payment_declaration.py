import math

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mimetypes import guess_mimetype

from .account_move import PAID_STATES

DECLARATION_SOURCES = [("call", "Phone call"), ("portal", "Customer portal")]
DECLARATION_STATES = [
    ("open", "To check"),
    ("reconciled", "Reconciled"),
    ("expired", "Not found"),
]
DEFAULT_PAUSE_DAYS = 10
# what the customer may send from the portal
PORTAL_PROOF_MAX_SIZE = 10 * 1024 * 1024
PORTAL_PROOF_MIMETYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")
PORTAL_MESSAGE_MAX_LENGTH = 2000


class RelancePaymentDeclaration(models.Model):
    """The customer says the invoices are already paid (on the phone, or with the portal's
    "I already paid" button): their reminders are paused for the policy's days while the
    credit controller looks for the payment. Reconciled when the invoices are paid
    meanwhile; otherwise the pause ends by itself and the reminders resume."""

    _name = "relance.payment.declaration"
    _description = "Payment declared by the customer"
    _inherit = ["relance.settlement.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    move_ids = fields.Many2many(
        "account.move",
        "relance_payment_declaration_move_rel",
        "declaration_id",
        "move_id",
        "Invoices",
        required=True,
        readonly=True,
        check_company=True,
    )
    date = fields.Date(
        "Declared on", required=True, readonly=True, default=fields.Date.context_today
    )
    payment_date = fields.Date("Paid on", required=True, readonly=True, tracking=True)
    amount = fields.Monetary(
        "Amount declared", required=True, readonly=True, currency_field="currency_id"
    )
    amount_due = fields.Monetary("Due when declared", currency_field="currency_id", readonly=True)
    pause_until = fields.Date("Reminders paused until", readonly=True)
    source = fields.Selection(DECLARATION_SOURCES, required=True, readonly=True)
    history_id = fields.Many2one("relance.history", "Call", readonly=True, ondelete="set null")
    attachment_id = fields.Many2one(
        "ir.attachment", "Proof of payment", readonly=True, ondelete="set null"
    )
    note = fields.Text(readonly=True)
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True
    )
    state = fields.Selection(
        DECLARATION_STATES, required=True, default="open", tracking=True, index=True
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "The amount declared paid must be positive."
    )

    @api.depends("partner_id", "payment_date", "amount")
    def _compute_display_name(self):
        for declaration in self:
            declaration.display_name = self.env._(
                "Payment declared by %(customer)s: %(amount)s on %(date)s",
                customer=declaration.partner_id.name or "",
                amount=declaration.currency_id.format(declaration.amount),
                date=declaration.payment_date,
            )

    @api.constrains("payment_date", "date")
    def _check_payment_date(self):
        for declaration in self:
            if declaration.payment_date > declaration.date:
                raise ValidationError(
                    self.env._(
                        "A payment declared on %(date)s cannot be dated %(payment_date)s: "
                        "a payment to come is a promise to pay.",
                        date=declaration.date,
                        payment_date=declaration.payment_date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        declarations = super().create(vals_list)
        for declaration in declarations:
            declaration._pause_invoices()
        declarations._schedule_check()
        return declarations

    def _pause_invoices(self):
        """The open invoices wait for the policy's days from the declaration (the longest
        of their policies); a longer pause already set (a promise) is kept."""
        self.ensure_one()
        days = max(
            self.move_ids.relance_policy_id.mapped("paid_pause_days") or [DEFAULT_PAUSE_DAYS]
        )
        pause_until = fields.Date.add(self.date, days=days)
        open_moves = self.move_ids._relance_open()
        self.write(
            {
                "pause_until": pause_until,
                "amount_due": sum(open_moves.mapped("amount_residual_signed")),
            }
        )
        self.partner_id._message_log(
            body=self.env._(
                "Payment of %(amount)s on %(date)s declared by the customer for %(invoices)s: "
                "reminders paused until %(until)s.",
                amount=self.currency_id.format(self.amount),
                date=self.payment_date,
                invoices=", ".join(self.move_ids.mapped("name")),
                until=pause_until,
            )
        )

    def _schedule_check(self):
        """A to-do for the credit controller: find the payment and reconcile it."""
        sources = dict(self._fields["source"]._description_selection(self.env))
        for declaration in self:
            declaration.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Check the payment declared by the customer and reconcile it"),
                note=self.env._(
                    "%(customer)s says %(amount)s was paid on %(date)s for %(invoices)s "
                    "(%(origin)s). The reminders resume after %(until)s if nothing is "
                    "reconciled by then.",
                    customer=declaration.partner_id.name,
                    amount=declaration.currency_id.format(declaration.amount),
                    date=declaration.payment_date,
                    invoices=", ".join(declaration.move_ids.mapped("name")),
                    origin=sources[declaration.source],
                    until=declaration.pause_until,
                ),
                user_id=declaration.user_id.id,
            )

    # ------------------------------------------------------------------------------------
    # Actions and daily check
    # ------------------------------------------------------------------------------------

    def action_resume(self):
        """The payment cannot be found: the reminders resume today."""
        self.filtered(lambda d: d.state == "open")._settle("expired")

    def action_check(self):
        """Reconciled if the invoices are paid; expired once the pause is over."""
        self._check_state(fields.Date.context_today(self))

    @api.model
    def _cron_check(self, date=None):
        self.search([("state", "=", "open")])._check_state(date or fields.Date.context_today(self))

    def _check_state(self, date):
        """Open declarations whose amount is paid (or whose invoices are all closed) are
        reconciled; those past their pause are expired: the reminders resume."""
        reconciled, expired = self.browse(), self.browse()
        for declaration in self.filtered(lambda d: d.state == "open"):
            currency = declaration.currency_id
            moves = declaration.move_ids
            paid = declaration.amount_due - sum(moves.mapped("amount_residual_signed"))
            if currency.compare_amounts(paid, declaration.amount) >= 0 or all(
                m.payment_state in PAID_STATES for m in moves
            ):
                reconciled |= declaration
            elif declaration.pause_until < date:
                expired |= declaration
        reconciled._settle("reconciled")
        expired._settle("expired")

    def _settle(self, state):
        if not self:
            return
        self.write({"state": state})
        if state == "reconciled":
            self.activity_ids.sudo().action_feedback(feedback=self.env._("Payment reconciled."))
            return
        # the pause this declaration gave ends with it (relance_pause_until is derived)
        for declaration in self:
            declaration.partner_id._message_log(
                body=self.env._(
                    "The payment of %(amount)s declared paid on %(date)s was not found: "
                    "the reminders resume.",
                    amount=declaration.currency_id.format(declaration.amount),
                    date=declaration.payment_date,
                )
            )

    # ------------------------------------------------------------------------------------
    # Sources: a call logged (wizards/relance_call_log.py), the portal
    # (controllers/portal.py checks the access, then calls these as sudo)
    # ------------------------------------------------------------------------------------

    @api.model
    def _declare(self, moves, payment_date, amount, *, source, note="", **extra):
        """A declaration over these invoices of one customer, followed by the first
        invoice's credit controller."""
        return self.create(
            self._values_for(
                moves,
                payment_date=payment_date,
                amount=amount,
                source=source,
                note=note,
                user_id=moves[:1]._relance_controller().id,
                **extra,
            )
        )

    @api.model
    def _portal_errors(self):
        """{error code: message shown to the customer}."""
        return {
            "amount": self.env._("Give the amount you paid, more than zero."),
            "date": self.env._("Give the date of your payment: today or earlier."),
            "proof_size": self.env._(
                "The proof of payment is too large: %(size)s MB at most.",
                size=PORTAL_PROOF_MAX_SIZE // (1024 * 1024),
            ),
            "proof_type": self.env._("The proof of payment must be a PDF or an image."),
            "message": self.env._(
                "Your message is too long: %(length)s characters at most.",
                length=PORTAL_MESSAGE_MAX_LENGTH,
            ),
        }

    @api.model
    def _portal_parse(self, payment_date, amount, message="", proof_content=b""):
        """The form's values checked: (error code or False, date, amount)."""
        try:
            payment_date = fields.Date.to_date(payment_date)
        except ValueError:
            payment_date = None
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            amount = 0.0
        if not math.isfinite(amount) or amount <= 0:
            return "amount", payment_date, amount
        if not payment_date or payment_date > fields.Date.context_today(self):
            return "date", payment_date, amount
        if message and len(message) > PORTAL_MESSAGE_MAX_LENGTH:
            return "message", payment_date, amount
        if proof_content:
            if len(proof_content) > PORTAL_PROOF_MAX_SIZE:
                return "proof_size", payment_date, amount
            if guess_mimetype(proof_content) not in PORTAL_PROOF_MIMETYPES:
                return "proof_type", payment_date, amount
        return False, payment_date, amount

    @api.model
    def _portal_open_declaration(self, invoice):
        """The declaration being checked for this invoice, if any."""
        return self.search([("move_ids", "in", invoice.ids), ("state", "=", "open")], limit=1)

    @api.model
    def _portal_declare(
        self, invoice, author, payment_date, amount, message="", proof_name="", proof_content=b""
    ):
        """The customer says the invoice is paid: the proof on the invoice's chatter, a
        declaration that pauses it. Nothing for an invoice closed or already declared;
        a ``UserError`` for invalid values."""
        invoice.ensure_one()
        if not invoice._relance_portal_answerable() or self._portal_open_declaration(invoice):
            return self.browse()
        error, payment_date, amount = self._portal_parse(
            payment_date, amount, message, proof_content
        )
        if error:
            raise UserError(self._portal_errors()[error])
        attachment = self.env["ir.attachment"]
        if proof_content:
            attachment = attachment.create(
                {
                    "name": (proof_name or "proof")[:255],
                    "raw": proof_content,
                    "res_model": "account.move",
                    "res_id": invoice.id,
                }
            )
        body = Markup("<p>%s</p>") % self.env._(
            "Payment declared by the customer: %(amount)s paid on %(date)s.",
            amount=invoice.currency_id.format(amount),
            date=payment_date,
        )
        if message:
            body += Markup("<p>%s</p>") % message
        # a proof of payment, not a document to import into the invoice
        invoice.with_context(disable_attachment_import=True).message_post(
            body=body,
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachment.ids,
        )
        company = invoice.company_id
        return self._declare(
            invoice,
            payment_date,
            invoice.currency_id._convert(amount, company.currency_id, company, payment_date),
            source="portal",
            note=message,
            attachment_id=attachment.id,
        )
