from odoo import api, fields, models


class RelanceRecovery(models.Model):
    """What a collection agency or a commissaire de justice recovered on a file handed
    over to it (the handover action, relance_executor_handover.py), and its fee: from the
    agency's rates on what the file has recovered so far, so that its fixed fee and its
    minimum are charged once per file; editable to the agency's own statement. Recorded
    only: the money itself is registered in accounting as any payment."""

    _name = "relance.recovery"
    _description = "Recovery by a collection agency"
    _order = "date desc, id desc"
    _check_company_auto = True

    handover_id = fields.Many2one(
        "relance.history",
        "Handover file",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('channel', '=', 'handover'), ('state', '=', 'done')]",
    )
    company_id = fields.Many2one(
        related="handover_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        related="handover_id.partner_id", store=True, index=True, precompute=True, string="Customer"
    )
    agency_id = fields.Many2one(
        "res.partner",
        "Agency or bailiff",
        compute="_compute_from_handover",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "relance_recovery_move_rel",
        "recovery_id",
        "move_id",
        "Invoices",
        compute="_compute_from_handover",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    amount = fields.Monetary("Amount recovered", required=True, currency_field="currency_id")
    fee = fields.Monetary(
        "Agency fee",
        currency_field="currency_id",
        compute="_compute_fee",
        store=True,
        readonly=False,
        help="From the agency's rates on what the file recovered so far; editable.",
    )
    net_amount = fields.Monetary(
        "Net recovered", currency_field="currency_id", compute="_compute_net_amount", store=True
    )
    note = fields.Char()

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "The amount recovered must be positive."
    )

    @api.depends("handover_id")
    def _compute_from_handover(self):
        for recovery in self:
            handover = recovery.handover_id
            recovery.agency_id = (
                handover.handover_partner_id or handover.partner_id.relance_handover_partner_id
            )
            recovery.move_ids = handover.line_ids.move_id

    @api.depends("handover_id", "agency_id", "date", "amount")
    def _compute_fee(self):
        # the agency's rates are read when the recovery is recorded: a later change of its
        # rates leaves the fees recorded as they are
        earlier = self._earlier_recovered()
        for recovery in self:
            before = earlier[recovery]
            agency = recovery.agency_id
            fee = agency._relance_agency_fee(before + recovery.amount) - agency._relance_agency_fee(
                before
            )
            recovery.fee = recovery.currency_id.round(fee) if recovery.currency_id else fee

    @api.depends("amount", "fee")
    def _compute_net_amount(self):
        for recovery in self:
            recovery.net_amount = recovery.amount - recovery.fee

    @api.depends("partner_id", "agency_id", "amount")
    def _compute_display_name(self):
        for recovery in self:
            recovery.display_name = self.env._(
                "%(customer)s: %(amount)s by %(agency)s",
                customer=recovery.partner_id.name or "",
                amount=recovery.currency_id.format(recovery.amount or 0.0),
                agency=recovery.agency_id.name or "",
            )

    def _earlier_recovered(self):
        """{recovery: what its file recovered before it (by date, then as recorded)}, in
        one query."""
        saved = self.search_fetch(
            [("handover_id", "in", self.handover_id._origin.ids)],
            ["handover_id", "date", "amount"],
        )
        result = {}
        for recovery in self:
            own = recovery._origin.id or float("inf")
            key = (recovery.date or fields.Date.context_today(self), own)
            result[recovery] = sum(
                other.amount
                for other in saved
                if other.handover_id == recovery.handover_id._origin
                and other.id != own
                and (other.date, other.id) < key
            )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        recoveries = super().create(vals_list)
        for recovery in recoveries:
            recovery.partner_id._message_log(
                body=self.env._(
                    "%(agency)s recovered %(amount)s (fee %(fee)s).",
                    agency=recovery.agency_id.name,
                    amount=recovery.currency_id.format(recovery.amount),
                    fee=recovery.currency_id.format(recovery.fee),
                )
            )
        return recoveries
