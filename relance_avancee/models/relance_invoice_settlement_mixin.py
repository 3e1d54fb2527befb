from odoo import api, fields, models

from .relance_access import DUNNING_READERS


class RelanceInvoiceSettlementMixin(models.AbstractModel):
    """What the amicable settlements say of a customer invoice: its disputes, mediations,
    promises to pay, payments declared and payment plans (each model holds the relation,
    see relance_dispute.py, relance_mediation.py, relance_promise.py,
    relance_payment_declaration.py, relance_payment_plan.py), and the state derived from
    them, never written by hand: in dispute, in mediation, under a running plan, paused
    until a date. ``account.move`` inherits it."""

    _name = "relance.invoice.settlement.mixin"
    _description = "Amicable settlements of an invoice"

    relance_dispute = fields.Boolean(
        "In dispute", compute="_compute_relance_settlement_state", store=True
    )
    relance_dispute_reason = fields.Char(
        "Dispute reason",
        compute="_compute_relance_settlement_state",
        store=True,
        groups=DUNNING_READERS,
    )
    relance_mediation = fields.Boolean(
        "In mediation",
        compute="_compute_relance_settlement_state",
        store=True,
        help="A mediation in progress pauses the reminders until it ends.",
        groups=DUNNING_READERS,
    )
    relance_pause_until = fields.Date(
        "Paused until",
        compute="_compute_relance_settlement_state",
        store=True,
        help="An open promise to pay pauses the reminders until its date plus the grace "
        "days; a payment the customer declared, for the policy's days.",
        groups=DUNNING_READERS,
    )
    relance_payment_plan_id = fields.Many2one(
        "relance.payment.plan",
        "Payment plan",
        compute="_compute_relance_settlement_state",
        store=True,
        index="btree_not_null",
        groups=DUNNING_READERS,
    )
    relance_payment_plan_ids = fields.Many2many(
        "relance.payment.plan",
        "relance_payment_plan_move_rel",
        "move_id",
        "plan_id",
        "Payment plans",
        copy=False,
        readonly=True,
        groups=DUNNING_READERS,
    )
    relance_declaration_ids = fields.Many2many(
        "relance.payment.declaration",
        "relance_payment_declaration_move_rel",
        "move_id",
        "declaration_id",
        "Payments declared",
        copy=False,
        readonly=True,
        groups=DUNNING_READERS,
    )
    relance_dispute_ids = fields.Many2many(
        "relance.dispute",
        "relance_dispute_move_rel",
        "move_id",
        "dispute_id",
        "Disputes",
        copy=False,
        readonly=True,
        groups=DUNNING_READERS,
    )
    relance_mediation_ids = fields.Many2many(
        "relance.mediation",
        "relance_mediation_move_rel",
        "move_id",
        "mediation_id",
        "Mediations",
        copy=False,
        readonly=True,
        groups=DUNNING_READERS,
    )
    relance_promise_ids = fields.Many2many(
        "relance.promise",
        "relance_promise_move_rel",
        "move_id",
        "promise_id",
        "Promises to pay",
        copy=False,
        readonly=True,
        groups=DUNNING_READERS,
    )

    @api.depends(
        "relance_dispute_ids.state",
        "relance_dispute_ids.reason",
        "relance_dispute_ids.description",
        "relance_payment_plan_ids.state",
        "relance_promise_ids.state",
        "relance_promise_ids.pause_until",
        "relance_declaration_ids.state",
        "relance_declaration_ids.pause_until",
        "relance_mediation_ids.state",
    )
    def _compute_relance_settlement_state(self):
        """What the invoice's settlements say, never written by hand: in dispute while a
        dispute is open, in mediation while one is in progress, under the running payment
        plan, paused until the latest date an open promise or a payment declared (unless it
        was not found) gives."""
        for move in self:
            disputes = move.relance_dispute_ids.filtered(lambda d: d.state == "open")
            move.relance_dispute = bool(disputes)
            move.relance_dispute_reason = "; ".join(disputes._reason_labels().values()) or False
            move.relance_mediation = any(m.state == "open" for m in move.relance_mediation_ids)
            move.relance_payment_plan_id = move.relance_payment_plan_ids.filtered(
                lambda p: p.state == "running"
            )[:1]
            promises = move.relance_promise_ids.filtered(lambda p: p.state == "open")
            # a declared payment found pauses the rest until its date too; not one not found
            declarations = move.relance_declaration_ids.filtered(lambda d: d.state != "expired")
            pauses = [*promises.mapped("pause_until"), *declarations.mapped("pause_until")]
            move.relance_pause_until = max(filter(None, pauses), default=False)

    def action_relance_new_payment_plan(self):
        plan = self.env["relance.payment.plan"]._request_for(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "relance.payment.plan",
            "res_id": plan.id,
            "views": [(False, "form")],
        }
