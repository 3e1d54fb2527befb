from odoo import fields, models

from .relance_access import DUNNING_READERS


class RelanceAgencyMixin(models.AbstractModel):
    """A collection agency or a commissaire de justice (bailiff) as a partner: its fees on
    the files handed over to it, and the recoveries (``relance.recovery``) of a customer
    or by an agency. ``res.partner`` inherits this mixin."""

    _name = "relance.agency.mixin"
    _description = "Collection agency fees"

    relance_is_agency = fields.Boolean(
        "Collection agency or bailiff",
        help="Takes handed-over files: its fees estimate what a handover costs.",
        groups=DUNNING_READERS,
    )
    relance_agency_fee_rate = fields.Float(
        "Fee on recovered amounts (%)", digits=(5, 2), groups=DUNNING_READERS
    )
    relance_agency_fixed_fee = fields.Float(
        "Fixed fee per file", digits="Account", groups=DUNNING_READERS
    )
    relance_agency_min_fee = fields.Float(
        "Minimum fee per file",
        digits="Account",
        help="What a file costs at least once something is recovered.",
        groups=DUNNING_READERS,
    )
    relance_recovery_count = fields.Integer(
        "Recoveries", compute="_compute_relance_recovery_count", groups=DUNNING_READERS
    )

    def _compute_relance_recovery_count(self):
        recovery = self.env["relance.recovery"]
        by_customer = dict(
            recovery._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        by_agency = dict(
            recovery._read_group([("agency_id", "in", self.ids)], ["agency_id"], ["__count"])
        )
        for partner in self:
            partner.relance_recovery_count = by_customer.get(
                partner.commercial_partner_id, 0
            ) + by_agency.get(partner, 0)

    def _relance_agency_fee(self, amount):
        """This agency's fee on a file with ``amount`` recovered: its percentage plus its
        fixed fee, at least its minimum; nothing while nothing is recovered (nor without
        an agency)."""
        if not self or amount <= 0:
            return 0.0
        self.ensure_one()
        fee = self.relance_agency_fixed_fee + amount * self.relance_agency_fee_rate / 100.0
        return max(fee, self.relance_agency_min_fee)

    def action_relance_recoveries(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recoveries"),
            "res_model": "relance.recovery",
            "views": [(False, "list"), (False, "form")],
            "domain": [
                "|",
                ("partner_id", "=", self.commercial_partner_id.id),
                ("agency_id", "=", self.id),
            ],
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }
