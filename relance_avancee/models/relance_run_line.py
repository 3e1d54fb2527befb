import logging
from collections import defaultdict

from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

LINE_STATES = [
    ("proposed", "Proposed"),
    ("excluded", "Excluded"),
    ("skipped", "Skipped"),
    ("done", "Done"),
    ("failed", "Failed"),
]


class RelanceRunLine(models.Model):
    """One customer at one level in a run: the communication that lists all its invoices."""

    _name = "relance.run.line"
    _description = "Dunning proposal line"
    _order = "run_id desc, amount desc, id"
    _check_company_auto = True

    run_id = fields.Many2one("relance.run", required=True, ondelete="cascade", index=True)
    date = fields.Date(related="run_id.date", store=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True)
    user_id = fields.Many2one("res.users", "Credit controller")
    level_id = fields.Many2one("relance.level", index=True)
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    channel_ids = fields.Many2many(related="level_id.channel_ids")
    move_ids = fields.Many2many(
        "account.move", "relance_run_line_move_rel", "line_id", "move_id", "Invoices"
    )
    move_count = fields.Integer("Number of invoices", compute="_compute_move_count")
    amount = fields.Monetary(currency_field="currency_id", help="Amount due, company currency.")
    state = fields.Selection(LINE_STATES, default="proposed", required=True, index=True)
    reason = fields.Char()
    history_ids = fields.One2many("relance.history", "run_line_id", "Actions")

    @api.depends("move_ids")
    def _compute_move_count(self):
        for line in self:
            line.move_count = len(line.move_ids)

    def action_exclude(self):
        self.filtered(lambda line: line.state == "proposed").write(
            {"state": "excluded", "reason": _("Excluded by %s", self.env.user.name)}
        )

    def action_include(self):
        self.filtered(lambda line: line.state == "excluded").write(
            {"state": "proposed", "reason": False}
        )

    def action_hold_customer(self):
        """Holds every proposed line of these customers in the same runs back."""
        lines = self.search(
            [
                ("run_id", "in", self.run_id.ids),
                ("partner_id", "in", self.partner_id.ids),
                ("state", "=", "proposed"),
            ]
        )
        lines.write(
            {"state": "excluded", "reason": _("Customer held back by %s", self.env.user.name)}
        )

    def action_execute(self):
        self._execute(include_manual=True)
        self.run_id._update_state()

    # ------------------------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------------------------

    def _execute(self, include_manual=False):
        """Executes proposed lines: one action per channel of the level, with all the line's
        invoices. Safe when two runs overlap: the invoices are locked (SKIP LOCKED: another
        run is on them), re-checked after the lock, and the history's unique index has the
        last word."""
        lines = self.filtered(lambda line: line.state == "proposed")
        if not include_manual:
            lines = lines.filtered(lambda line: not line.level_id.manual)
        if not lines:
            return
        locked = lines._lock_invoices()
        moves = self.env["account.move"].browse(locked)
        moves.invalidate_recordset()
        histories = self.env["relance.history"]
        done_moves = defaultdict(lambda: self.env["account.move"])
        for line in lines:
            movable = line.move_ids.filtered(lambda m, line=line: m.id in locked)
            if len(movable) < len(line.move_ids):
                continue  # another run holds these invoices: leave the line proposed
            current = movable.filtered(lambda m, line=line: m._relance_still_due_for(line.level_id))
            if not current:
                line.write(
                    {"state": "skipped", "reason": _("Already reminded, paid or paused meanwhile.")}
                )
                continue
            histories |= line._create_histories(current)
            done_moves[(line.level_id, line.date)] |= current
            line.state = "done"
        for (level, date), level_moves in done_moves.items():
            level_moves.write(
                {
                    "relance_level_id": level.id,
                    "relance_last_date": date,
                    "relance_skip_reason": False,
                }
            )
            if "handover" in level.channel_ids.mapped("code"):
                level_moves.write({"relance_handed_over": True})
        histories._execute()
        lines.filtered(
            lambda line: (
                line.state == "done"
                and line.history_ids
                and all(h.state == "failed" for h in line.history_ids)
            )
        ).write({"state": "failed", "reason": _("Every channel failed, see the actions.")})

    def _lock_invoices(self):
        move_ids = tuple(self.move_ids.ids)
        if not move_ids:
            return set()
        self.env["account.move"].flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
                move_ids,
            )
        )
        return {row[0] for row in rows}

    def _create_histories(self, moves):
        """Creates the actions of this line, minus those the unique index says exist."""
        self.ensure_one()
        existing = self.env["relance.history.line"].search_fetch(
            [
                ("move_id", "in", moves.ids),
                ("level_id", "=", self.level_id.id),
                ("state", "!=", "cancelled"),
            ],
            ["channel", "move_id"],
        )
        taken = {(hl.channel, hl.move_id.id) for hl in existing}
        contact = self.partner_id.relance_contact_id or self.partner_id
        vals_list = []
        for channel in self.level_id.channel_ids:
            channel_moves = moves.filtered(lambda m, c=channel: (c.code, m.id) not in taken)
            if not channel_moves:
                continue
            vals_list.append(
                {
                    "date": self.date,
                    "company_id": self.company_id.id,
                    "partner_id": self.partner_id.id,
                    "contact_id": contact.id,
                    "level_id": self.level_id.id,
                    "channel": channel.code,
                    "run_id": self.run_id.id,
                    "run_line_id": self.id,
                    "user_id": (self.user_id or self.env.user).id,
                    "amount_due": sum(channel_moves.mapped("amount_residual_signed")),
                    "line_ids": [
                        fields.Command.create(
                            {"move_id": m.id, "amount_residual": m.amount_residual}
                        )
                        for m in channel_moves
                    ],
                }
            )
        try:
            with self.env.cr.savepoint():
                return self.env["relance.history"].create(vals_list)
        except UniqueViolation as error:  # another run won the race for these invoices
            _logger.info("Dunning line %s already executed by another run: %s", self.id, error)
            self.write({"state": "skipped", "reason": _("Executed by another run.")})
            return self.env["relance.history"]
