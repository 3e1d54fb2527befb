from odoo import api, fields, models


class RelanceHandover(models.TransientModel):
    """Hand over to legal recovery ("transmettre au contentieux"): the customer's automatic
    reminders stop and the file a bailiff (commissaire de justice) or a collection agency
    needs is put together in one ZIP attached to the handover action: invoice PDFs, the
    order for payment file, the history of the reminders, the call notes, the letters and
    formal notices with their registered-letter proof. Before confirming, what the file
    claims, whether the simplified recovery of small claims is open, and what the agency's
    fees would take from it."""

    _name = "relance.handover"
    _description = "Hand a customer over to legal recovery"

    partner_id = fields.Many2one("res.partner", "Customer", required=True)
    agency_id = fields.Many2one(
        "res.partner", "Agency or lawyer", required=True, help="Who takes the file over."
    )
    note = fields.Text()
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    costs = fields.Monetary(
        "Costs claimed",
        currency_field="currency_id",
        help="Claimed besides the invoices in the order for payment file: registered "
        "letters, fees already paid for this claim.",
    )
    claim_amount = fields.Monetary(
        "Amount claimed",
        currency_field="currency_id",
        compute="_compute_estimate",
        help="What the unpaid invoices come to today (interest and recovery indemnity "
        "included), with the costs claimed.",
    )
    simplified_procedure = fields.Boolean(
        "Simplified recovery possible",
        compute="_compute_estimate",
        help="A business claim of at most 5,000 EUR: a commissaire de justice may recover "
        "it without going to court, if the debtor agrees (CPCE L125-1).",
    )
    estimated_fee = fields.Monetary(
        "Estimated fees",
        currency_field="currency_id",
        compute="_compute_estimate",
        help="The agency's fees if it recovers the whole claim (its rates on its contact).",
    )
    net_expected = fields.Monetary(
        "Net expected", currency_field="currency_id", compute="_compute_estimate"
    )

    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            partner = self.env["res.partner"].browse(context["active_id"])
            values["partner_id"] = partner.commercial_partner_id.id
        return values

    @api.depends("partner_id", "agency_id", "costs")
    def _compute_estimate(self):
        today = fields.Date.context_today(self)
        legal = self.env["relance.legal"]
        moves = self._open_invoices()
        amounts = legal._amounts(moves, today)
        for wizard in self:
            partner = wizard.partner_id.commercial_partner_id
            mine = moves.filtered(lambda m, p=partner: m.commercial_partner_id == p)
            claim = sum(amounts[move.id]["total"] for move in mine if move.id in amounts)
            claim += wizard.costs
            wizard.claim_amount = claim
            wizard.simplified_procedure = bool(
                partner and legal._simplified_procedure(partner, mine, today)[0]
            )
            wizard.estimated_fee = wizard.agency_id._relance_agency_fee(claim)
            wizard.net_expected = claim - wizard.estimated_fee

    def _open_invoices(self):
        """The open invoices of these wizards' customers, in the user's companies."""
        return self.env["account.move"].search(
            [
                *self.env["account.move"]._relance_open_invoice_domain(self.env.companies),
                ("commercial_partner_id", "in", self.partner_id.commercial_partner_id.ids),
            ]
        )

    def action_confirm(self):
        self.ensure_one()
        bundle = self.env["relance.executor.handover"]._hand_over(
            self.partner_id.commercial_partner_id,
            self.agency_id,
            self._open_invoices(),
            self.note,
            self.costs,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{bundle.id}?download=true",
            "target": "new",
            "close": True,  # the download opens, the dialog closes
        }
