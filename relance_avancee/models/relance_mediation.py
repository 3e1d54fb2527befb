from odoo import api, fields, models

from .account_move import PAID_STATES

MEDIATOR_TYPES = [
    ("business", "Business mediator (Médiateur des entreprises)"),
    ("credit", "Credit mediation (Banque de France)"),
    ("consumer", "Consumer mediator"),
    ("other", "Other mediator or conciliator"),
]
MEDIATION_STATES = [
    ("open", "In progress"),
    ("agreement", "Agreement reached"),
    ("failed", "Failed"),
]


class RelanceMediation(models.Model):
    """A mediation over some invoices of a customer: the reminders of its invoices are
    paused while it is in progress, and resume at their level when it ends. Between
    businesses, the Médiateur des entreprises (payment delays, disputes) or, for a customer
    in financial difficulty, the Médiation du crédit of the Banque de France; with a
    consumer, the company's consumer mediator (Code de la consommation L612-1), which the
    consumer refers to."""

    _name = "relance.mediation"
    _description = "Mediation of unpaid invoices"
    _inherit = ["relance.settlement.mixin", "mail.thread"]
    _order = "state, date_open desc, id desc"
    _check_company_auto = True

    move_ids = fields.Many2many(
        "account.move",
        "relance_mediation_move_rel",
        "mediation_id",
        "move_id",
        "Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    mediator_type = fields.Selection(
        MEDIATOR_TYPES, "Mediator", required=True, default="business", tracking=True
    )
    mediator = fields.Char(
        "Mediator's name",
        compute="_compute_mediator",
        store=True,
        readonly=False,
        help="A consumer mediation: the company's consumer mediator (Settings).",
    )
    history_id = fields.Many2one(
        "relance.history", "Recorded from", readonly=True, index="btree_not_null"
    )
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True
    )
    date_open = fields.Date("Started on", required=True, default=fields.Date.context_today)
    date_closed = fields.Date("Ended on", readonly=True)
    state = fields.Selection(
        MEDIATION_STATES, required=True, default="open", tracking=True, index=True
    )
    note = fields.Text()

    @api.depends("mediator_type", "company_id")
    def _compute_mediator(self):
        for mediation in self:
            mediation.mediator = (
                mediation.company_id.sudo().relance_consumer_mediator_name
                if mediation.mediator_type == "consumer"
                else False
            )

    @api.depends("partner_id", "mediator_type")
    def _compute_display_name(self):
        types = dict(self._fields["mediator_type"]._description_selection(self.env))
        for mediation in self:
            mediation.display_name = self.env._(
                "Mediation %(customer)s: %(mediator)s",
                customer=mediation.partner_id.name or "",
                mediator=mediation.mediator or types.get(mediation.mediator_type, ""),
            )

    @api.model_create_multi
    def create(self, vals_list):
        mediations = super().create(vals_list)
        for mediation in mediations:
            mediation.partner_id._message_log(
                body=self.env._(
                    "%(mediation)s on %(invoices)s: reminders paused while it is in progress.",
                    mediation=mediation.display_name,
                    invoices=", ".join(mediation.move_ids.mapped("name")),
                )
            )
        return mediations

    def action_agreement(self):
        self._close("agreement")

    def action_failed(self):
        self._close("failed")

    def _close_paid(self):
        """The open mediations whose invoices are all paid end: there is nothing left to
        mediate."""
        self.filtered(
            lambda m: m.state == "open"
            and all(move.payment_state in PAID_STATES for move in m.move_ids)
        )._close("agreement")

    def _close(self, state):
        """The mediation ends: the reminders of its invoices resume at their level."""
        self.filtered(lambda m: m.state == "open").write(
            {"state": state, "date_closed": fields.Date.context_today(self)}
        )

    @api.model
    def _default_type(self, partner):
        """The mediator of a customer: the consumer mediator for a consumer, the
        Médiateur des entreprises between businesses."""
        return (
            "consumer" if partner.commercial_partner_id.relance_policy_type == "b2c" else "business"
        )

    @api.model
    def _open_for(self, moves, mediator_type=None, note="", **values):
        """A mediation over these invoices (their customer's default mediator)."""
        partner = moves.commercial_partner_id[:1]
        return self.create(
            self._values_for(
                moves,
                mediator_type=mediator_type or self._default_type(partner),
                note=note,
                **values,
            )
        )
