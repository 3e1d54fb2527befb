from odoo import api, fields, models

PROMISE_STATES = [("open", "Open"), ("kept", "Kept"), ("broken", "Broken")]


class RelancePromise(models.Model):
    """A promise to pay (from a call or by hand): the reminders of its invoices wait until
    the promised date plus the grace days; kept when the amount is paid, broken otherwise,
    which brings the next level forward."""

    _name = "relance.promise"
    _description = "Promise to pay"
    _inherit = ["relance.settlement.mixin", "mail.thread"]
    _order = "state, date, id"
    _check_company_auto = True

    move_ids = fields.Many2many(
        "account.move",
        "relance_promise_move_rel",
        "promise_id",
        "move_id",
        "Invoices",
        required=True,
        check_company=True,
    )
    date = fields.Date("Promised date", required=True, tracking=True)
    amount = fields.Monetary(required=True, currency_field="currency_id", tracking=True)
    amount_due = fields.Monetary("Due when promised", currency_field="currency_id", readonly=True)
    note = fields.Text()
    user_id = fields.Many2one("res.users", "Recorded by", default=lambda self: self.env.user)
    state = fields.Selection(
        PROMISE_STATES, required=True, default="open", tracking=True, index=True
    )
    pause_until = fields.Date(compute="_compute_pause_until")
    broken_date = fields.Date(
        "Broken on",
        readonly=True,
        help="Not paid by then: the reminders escalate to the next level.",
    )

    @api.depends("date", "company_id.relance_promise_grace_days")
    def _compute_pause_until(self):
        for promise in self:
            promise.pause_until = promise.date and fields.Date.add(
                promise.date, days=promise.company_id.relance_promise_grace_days
            )

    @api.depends("partner_id", "date", "amount")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "Promise %(customer)s: %(amount)s on %(date)s",
                customer=promise.partner_id.name or "",
                amount=promise.currency_id.format(promise.amount),
                date=promise.date,
            )

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        for promise in promises:
            promise.amount_due = sum(promise.move_ids.mapped("amount_residual_signed"))
            promise.partner_id._message_log(
                body=self.env._(
                    "Promise to pay %(amount)s by %(date)s on %(invoices)s: reminders paused.",
                    amount=promise.currency_id.format(promise.amount),
                    date=promise.date,
                    invoices=", ".join(promise.move_ids.mapped("name")),
                )
            )
        return promises

    @api.model
    def _cron_check(self, date):
        """Daily: open promises whose amount is paid are kept; those past their date plus
        grace and not paid are broken, and their invoices escalate to the next level."""
        for promise in self.search([("state", "=", "open")]):
            currency = promise.currency_id
            paid = promise.amount_due - sum(promise.move_ids.mapped("amount_residual_signed"))
            if currency.compare_amounts(paid, promise.amount) >= 0:
                promise._settle("kept", date)
            elif promise.pause_until < date:
                promise._settle("broken", date)

    def _settle(self, state, date):
        self.ensure_one()
        self.write({"state": state, "broken_date": date if state == "broken" else False})
        if state == "broken":
            self.partner_id._message_log(
                body=self.env._(
                    "Broken promise: %(amount)s promised by %(date)s was not paid. The "
                    "reminders resume at the next level.",
                    amount=self.currency_id.format(self.amount),
                    date=self.date,
                )
            )

    @api.model
    def _promise_for(self, moves, date, amount, note=""):
        return self.create(self._values_for(moves, date=date, amount=amount, note=note))
