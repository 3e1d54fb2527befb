from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.account_move import DELAY_CAUSES
from ..models.relance_dispute import DISPUTE_CAUSES, DISPUTE_REASONS
from ..models.relance_history import ANSWERED_OUTCOMES, CALL_OUTCOMES
from ..models.relance_mediation import MEDIATOR_TYPES


class RelanceCallLog(models.TransientModel):
    """Log the call of a dunning call action: the outcome decides the next step."""

    _name = "relance.call.log"
    _description = "Log a dunning call"

    history_id = fields.Many2one(
        "relance.history", "Call", required=True, domain="[('channel', '=', 'call')]"
    )
    partner_id = fields.Many2one(related="history_id.partner_id")
    currency_id = fields.Many2one(related="history_id.currency_id")
    move_ids = fields.Many2many(related="history_id.move_ids")
    outcome = fields.Selection(CALL_OUTCOMES, required=True, default="reached")
    promise_date = fields.Date(
        "Promised date",
        default=lambda self: fields.Date.add(fields.Date.context_today(self), days=7),
    )
    promise_amount = fields.Monetary("Promised amount", currency_field="currency_id")
    dispute_reason = fields.Selection(DISPUTE_REASONS, default="other")
    paid_date = fields.Date(
        "Paid on", default=fields.Date.context_today, help="When the customer says it paid."
    )
    paid_amount = fields.Monetary("Amount paid", currency_field="currency_id")
    mediator_type = fields.Selection(
        MEDIATOR_TYPES,
        "Mediator",
        help="Who the customer and the company refer the dispute or the payment delay to.",
    )
    note = fields.Text()
    cause = fields.Selection(
        DELAY_CAUSES,
        "Cause of delay",
        compute="_compute_cause",
        store=True,
        readonly=False,
        help="Why the customer pays late, as said on the phone: recorded on the call and on "
        "its invoices.",
    )

    @api.depends("outcome", "dispute_reason")
    def _compute_cause(self):
        """Where the outcome tells: a dispute (by its reason), a plan asked for lack of
        cash. Else the customer says it, or not."""
        for wizard in self:
            if wizard.outcome == "dispute":
                wizard.cause = DISPUTE_CAUSES.get(wizard.dispute_reason, "dispute")
            elif wizard.outcome == "plan":
                wizard.cause = "cash"
            else:
                wizard.cause = False

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if not values.get("history_id"):
            values["history_id"] = self._default_history().id
        history = self.env["relance.history"].browse(values.get("history_id"))
        if "promise_amount" in fields_list and history:
            values["promise_amount"] = history.amount_due
        if "paid_amount" in fields_list and history:
            values["paid_amount"] = history.amount_due
        if "mediator_type" in fields_list and history:
            values["mediator_type"] = self.env["relance.mediation"]._default_type(
                history.partner_id
            )
        return values

    def _default_history(self):
        """From an invoice or an activity: the open call action concerned."""
        context = self.env.context
        model, ids = context.get("active_model"), context.get("active_ids") or []
        domain = [("channel", "=", "call"), ("state", "=", "todo")]
        if model == "account.move":
            domain.append(("line_ids.move_id", "in", ids))
        elif model == "mail.activity":
            domain.append(("activity_id", "in", ids))
        elif model == "relance.history":
            domain = [("id", "in", ids)]
        else:
            return self.env["relance.history"]
        return self.env["relance.history"].search(domain, order="date desc, id desc", limit=1)

    def action_confirm(self):
        self.ensure_one()
        history = self.history_id
        if history.channel != "call":
            raise UserError(self.env._("Only a call action can be logged here."))
        label = dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]
        body = Markup("<p><b>%s</b> %s</p>") % (self.env._("Call logged:"), label)
        if self.note:
            body += Markup("<p>%s</p>") % self.note
        history.message_post(body=body)
        history.partner_id._message_log(body=body)
        if history.activity_id:
            history.activity_id.sudo().with_context(relance_call_logged=True).action_feedback(
                feedback=self.note or label
            )
        history.call_outcome = self.outcome
        result = getattr(self, f"_after_{self.outcome}")(history)
        self._record_cause(history)
        return result

    def _record_cause(self, history):
        """The cause said on the phone, on the call and its invoices still due (after the
        outcome: it overrides the cause a dispute just opened gives them)."""
        if not self.cause or self.outcome not in ANSWERED_OUTCOMES:
            return
        history.cause = self.cause
        self._open_moves(history)._relance_set_cause(self.cause)

    def _open_moves(self, history):
        return history.move_ids._relance_open()

    def _after_reached(self, history):
        history.write({"state": "done", "reason": False})

    def _after_paid(self, history):
        """A declaration pauses the open invoices while the credit controller looks for
        the payment (see relance_payment_declaration.py)."""
        if not self.paid_date or not self.paid_amount:
            raise UserError(self.env._("Give the date and the amount the customer says it paid."))
        moves = self._open_moves(history)
        if moves:
            self.env["relance.payment.declaration"]._declare(
                moves,
                self.paid_date,
                self.paid_amount,
                source="call",
                note=self.note or "",
                history_id=history.id,
            )
        history.write(
            {"state": "done", "reason": self.env._("The customer says it is already paid.")}
        )

    def _after_no_answer(self, history):
        """Call again after N days, up to M tries; then the next level is brought forward."""
        level = history.level_id
        if history.call_tries < level.call_max_tries:
            executor = self.env["relance.executor.call"]
            deadline = executor._deadline(history, after_days=level.call_retry_days)
            history.activity_id = history.partner_id.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=deadline,
                summary=self.env._("Dunning call, try %(n)s", n=history.call_tries + 1),
                note=executor._note(history, history.browse()),
                user_id=executor._call_user(history).id,
            )
            history.write(
                {
                    "call_tries": history.call_tries + 1,
                    "reason": self.env._("No answer: call again on %(date)s.", date=deadline),
                }
            )
            return
        history.write(
            {
                "state": "done",
                "escalate_date": fields.Date.context_today(self),
                "reason": self.env._(
                    "No answer after %(tries)s calls: next level.", tries=history.call_tries
                ),
            }
        )

    def _after_wrong_number(self, history):
        history._fail_with_fallback(self.env._("Wrong phone number."))

    def _after_promise(self, history):
        if not self.promise_date or not self.promise_amount:
            raise UserError(self.env._("Give the promised date and amount."))
        self.env["relance.promise"]._promise_for(
            self._open_moves(history), self.promise_date, self.promise_amount, self.note or ""
        )
        history.write({"state": "done", "reason": False})

    def _after_dispute(self, history):
        self.env["relance.dispute"]._open_for(
            self._open_moves(history), self.dispute_reason, self.note or ""
        )
        history.write({"state": "done", "reason": False})

    def _after_mediation(self, history):
        """A mediation pauses the reminders of the open invoices until it ends."""
        moves = self._open_moves(history)
        if moves:
            self.env["relance.mediation"]._open_for(
                moves, self.mediator_type, self.note or "", history_id=history.id
            )
        history.write({"state": "done", "reason": False})

    def _after_plan(self, history):
        plan = self.env["relance.payment.plan"]._request_for(
            self._open_moves(history), self.note or ""
        )
        history.write({"state": "done", "reason": False})
        return {
            "type": "ir.actions.act_window",
            "res_model": "relance.payment.plan",
            "res_id": plan.id,
            "views": [(False, "form")],
        }
