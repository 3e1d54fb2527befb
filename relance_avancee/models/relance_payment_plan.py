from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

PLAN_STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("done", "Paid off"),
    ("broken", "Defaulted"),
    ("cancelled", "Abandoned"),
    ("declined", "Declined"),
]


class RelancePaymentPlan(models.Model):
    """A payment plan ("échéancier") over some invoices of a customer: N instalments
    (3 monthly by default). While it runs, its invoices are not reminded; payments are
    matched to the instalments in order; a missed instalment breaks the plan and the
    reminders resume at the next level."""

    _name = "relance.payment.plan"
    _description = "Payment plan"
    _inherit = ["relance.settlement.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    move_ids = fields.Many2many(
        "account.move",
        "relance_payment_plan_move_rel",
        "plan_id",
        "move_id",
        "Invoices",
        required=True,
        check_company=True,
    )
    installment_ids = fields.One2many(
        "relance.payment.plan.installment", "plan_id", "Instalments", copy=True
    )
    installment_count = fields.Integer(
        "Number of instalments",
        default=lambda self: self.env.company.relance_plan_installments or 3,
    )
    first_date = fields.Date(
        "First instalment",
        required=True,
        default=lambda self: fields.Date.add(fields.Date.context_today(self), months=1),
    )
    amount_total = fields.Monetary(
        "Amount of the plan", currency_field="currency_id", readonly=True
    )
    amount_paid = fields.Monetary(currency_field="currency_id", readonly=True)
    state = fields.Selection(PLAN_STATES, default="draft", required=True, tracking=True)
    escalate_date = fields.Date(
        "Defaulted on",
        readonly=True,
        help="Defaulted on that day: the reminders escalate to the next level.",
    )
    note = fields.Text()
    user_id = fields.Many2one("res.users", "Responsible", default=lambda self: self.env.user)
    requested_by_customer = fields.Boolean(
        "Requested on the portal", readonly=True, help="To accept (confirm) or decline."
    )
    decline_reason = fields.Text(
        "Reason for declining", help="Written to the customer when the request is declined."
    )

    @api.depends("partner_id", "create_date")
    def _compute_name(self):
        for plan in self:
            plan.name = self.env._("Payment plan %(customer)s", customer=plan.partner_id.name or "")

    def action_compute_installments(self):
        """Spreads the invoices' remaining amount over the instalments, one a month."""
        for plan in self.filtered(lambda p: p.state == "draft"):
            total = sum(plan.move_ids.mapped("amount_residual_signed"))
            count = max(plan.installment_count, 1)
            share = plan.currency_id.round(total / count)
            amounts = [share] * (count - 1) + [plan.currency_id.round(total - share * (count - 1))]
            plan.write(
                {
                    "amount_total": total,
                    "installment_ids": [Command.clear()]
                    + [
                        Command.create(
                            {
                                "sequence": index,
                                "date": plan.first_date + relativedelta(months=index),
                                "amount": amount,
                            }
                        )
                        for index, amount in enumerate(amounts)
                    ],
                }
            )

    def action_confirm(self):
        """Starts the plan: the invoices are paused and the customer gets the schedule by
        email, with the plan as PDF."""
        for plan in self:
            if plan.state != "draft" or not plan.installment_ids:
                raise UserError(self.env._("Only a draft plan with instalments can start."))
            currency = plan.currency_id
            if currency.compare_amounts(
                sum(plan.installment_ids.mapped("amount")), plan.amount_total
            ):
                raise UserError(
                    self.env._("The instalments must add up to the amount of the plan.")
                )
        self.state = "running"
        template = self.env.ref("relance_avancee.mail_template_payment_plan")
        for plan in self:
            plan.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        self._close_request(self.env._("Request accepted: the plan is running."))

    def action_cancel(self):
        self._stop("cancelled")

    def action_decline(self):
        """Declines a customer's request: the customer is told on the invoice (portal and
        email), with the reason given, and the invoices' reminders go on."""
        plans = self.filtered(lambda p: p.state == "draft" and p.requested_by_customer)
        if plans != self:
            raise UserError(
                self.env._("Only a draft plan requested by the customer can be declined.")
            )
        plans._stop("declined")
        for plan in plans:
            body = self.env._(
                "We are sorry: we cannot accept your request for a payment plan. "
                "The invoice remains due in full."
            )
            if plan.decline_reason:
                body = Markup("%s<br/>%s") % (body, plan.decline_reason)
            for move in plan.move_ids:
                move.message_post(
                    body=body,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=plan.partner_id.ids,
                )
        plans._close_request(self.env._("Request declined."))

    def _close_request(self, feedback):
        """Marks done the activity of the customer's request, if any."""
        self.filtered("requested_by_customer").activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=feedback
        )

    @api.model
    def _cron_check(self, date):
        """Daily: payments are matched to the instalments in order; a plan whose
        instalment is late beyond the grace days is broken, a fully paid one is done."""
        for plan in self.search([("state", "=", "running")]):
            plan._match_payments()
            grace = plan.company_id.relance_promise_grace_days
            late = plan.installment_ids.filtered(
                lambda i, grace=grace: (
                    i.state != "paid" and fields.Date.add(i.date, days=grace) < date
                )
            )
            if all(i.state == "paid" for i in plan.installment_ids):
                plan._stop("done")
            elif late:
                plan._stop("broken", escalate_date=date)
                plan.partner_id._message_log(
                    body=self.env._(
                        "Payment plan broken: the instalment of %(date)s was not paid. The "
                        "reminders resume at the next level.",
                        date=late[0].date,
                    )
                )

    def _match_payments(self):
        self.ensure_one()
        paid = self.amount_total - sum(self.move_ids.mapped("amount_residual_signed"))
        self.amount_paid = paid
        for installment in self.installment_ids.sorted(lambda i: (i.date, i.sequence)):
            installment.amount_paid = max(min(paid, installment.amount), 0.0)
            paid -= installment.amount_paid

    def _stop(self, state, escalate_date=False):
        self.write({"state": state, "escalate_date": escalate_date})

    @api.model
    def _request_for(self, moves, note="", user=None, **extra):
        """A draft plan of these invoices, followed by ``user`` (default: the current one)."""
        vals = self._values_for(moves, note=note, **extra)
        if user:
            vals["user_id"] = user.id
        plan = self.create(vals)
        plan.action_compute_installments()
        return plan

    @api.model
    def _pending_for(self, move):
        """The draft or running payment plan of the invoice, if any."""
        return self.search(
            [("move_ids", "in", move.ids), ("state", "in", ("draft", "running"))], limit=1
        )

    @api.model
    def _portal_request(self, move, author, message):
        """The customer asks for a payment plan on the portal (controllers/portal.py checks
        the access, then calls this as sudo): a draft plan of the invoice for the credit
        controller to accept (confirm) or decline."""
        pending = self._pending_for(move)
        if pending or not move._relance_portal_answerable():
            return pending
        plan = self._request_for(
            move, message, user=move._relance_controller(), requested_by_customer=True
        )
        plan._notify_controller(
            move,
            author,
            self.env._("Payment plan requested by the customer: %(message)s", message=message),
            self.env._("Payment plan requested on the portal: accept or decline"),
        )
        return plan
