from odoo import fields, models


class RelanceHandover(models.TransientModel):
    """Hand over to legal recovery ("transmettre au contentieux"): the customer's automatic
    reminders stop and the file a bailiff (commissaire de justice) or a collection agency
    needs is put together in one ZIP attached to the handover action: invoice PDFs, the
    history of the reminders, the call notes, the letters and formal notices with their
    registered-letter proof."""

    _name = "relance.handover"
    _description = "Hand a customer over to legal recovery"

    partner_id = fields.Many2one("res.partner", "Customer", required=True)
    agency_id = fields.Many2one(
        "res.partner", "Agency or lawyer", required=True, help="Who takes the file over."
    )
    note = fields.Text()

    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            partner = self.env["res.partner"].browse(context["active_id"])
            values["partner_id"] = partner.commercial_partner_id.id
        return values

    def action_confirm(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        moves = self.env["account.move"].search(
            [
                *self.env["account.move"]._relance_open_invoice_domain(self.env.companies),
                ("commercial_partner_id", "=", partner.id),
            ]
        )
        bundle = self.env["relance.executor.handover"]._hand_over(
            partner, self.agency_id, moves, self.note
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{bundle.id}?download=true",
            "target": "new",
            "close": True,  # the download opens, the dialog closes
        }
