from collections import defaultdict

from odoo import api, fields, models


class RelanceHistoryLine(models.Model):
    """An invoice concerned by a dunning action. The unique index makes each
    (invoice, level, channel) happen once, whatever runs overlap."""

    _name = "relance.history.line"
    _inherit = ["relance.bulk.mixin"]
    _description = "Dunning action invoice"
    _order = "history_id desc, id"

    history_id = fields.Many2one("relance.history", required=True, ondelete="cascade", index=True)
    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, ondelete="cascade", index=True
    )
    level_id = fields.Many2one(
        "relance.level",
        compute="_compute_level_id",
        store=True,
        readonly=False,
        index=True,
        help="The invoice's own level: an action at a higher level covers the lower levels "
        "of the customer's other invoices.",
    )
    channel = fields.Selection(related="history_id.channel", store=True)
    # the action's state, not a copy: executing an action does not rewrite its lines
    state = fields.Selection(related="history_id.state")
    cancelled = fields.Boolean(
        readonly=True, copy=False, help="Its action was cancelled: it no longer counts."
    )
    date = fields.Date(related="history_id.date", store=True)
    partner_id = fields.Many2one(related="history_id.partner_id")
    company_id = fields.Many2one(related="history_id.company_id", store=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        "Amount due then", currency_field="currency_id", help="Remaining amount at the action date."
    )

    @api.depends("history_id.level_id")
    def _compute_level_id(self):
        for line in self:
            line.level_id = line.history_id.level_id

    _once_per_level_channel = models.UniqueIndex(
        "(move_id, level_id, channel) WHERE cancelled IS NOT TRUE",
        "This invoice already had this action at this level.",
    )

    @api.model
    def _set_levels(self, levels, **values):
        """``{invoice: (level, date)}``: each invoice now stands at that level from that
        date (a light write per level and date, see ``account.move._relance_light_write``)."""
        by_level_date = defaultdict(list)
        for move, level_date in levels.items():
            by_level_date[level_date].append(move.id)
        # none of these fields is tracked: no snapshot of the invoices' tracked fields
        moves = self.env["account.move"].with_context(tracking_disable=True)
        escalation = moves._fields["relance_escalate_date"]
        for (level, date), move_ids in by_level_date.items():
            batch = moves.browse(move_ids)
            with self.env.protecting([escalation], batch._relance_escalation_kept(date)):
                batch._relance_light_write(
                    {"relance_level_id": level.id, "relance_last_date": date, **values}
                )

    @api.model
    def _restore_levels(self, moves):
        """Puts these invoices back at the highest level an action still to do or done
        reached, from its date (none: not reminded), after an action failed late (a mail
        bounced, an SMS refused): an invoice counts as reminded only at a level some channel
        delivered."""
        best = {}
        for line in self.search_fetch(
            [("move_id", "in", moves.ids), ("state", "in", ("todo", "done"))],
            ["move_id", "level_id", "date"],
        ):
            key = (line.level_id.sequence, line.level_id.offset_days, line.date)
            if line.move_id not in best or key > best[line.move_id][0]:
                best[line.move_id] = (key, line)
        no_level = self.env["relance.level"]
        self._set_levels(
            {
                move: (best[move][1].level_id, best[move][1].date)
                if move in best
                else (no_level, False)
                for move in moves
            }
        )
