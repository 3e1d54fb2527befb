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
    _order = "run_id desc, priority desc, amount desc, id"
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
    priority = fields.Integer(
        help="The worst payers first (from the customer's payment behaviour), then the "
        "largest amounts."
    )
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
        self.env["account.move"].browse(locked).invalidate_recordset()
        current_by_line = {}
        for line in lines:
            if not set(line.move_ids.ids) <= locked:
                continue  # another run holds these invoices: leave the line proposed
            level = line.level_id
            current = line.move_ids.filtered(lambda m, lv=level: m._relance_still_due_for(lv))
            if current:
                current_by_line[line] = current
        started = lines.browse([line.id for line in current_by_line])
        (lines.filtered(lambda line: set(line.move_ids.ids) <= locked) - started).write(
            {"state": "skipped", "reason": _("Already reminded, paid or paused meanwhile.")}
        )
        histories = started._create_histories(current_by_line)
        started = started.filtered(lambda line: line.state == "proposed")
        started.state = "done"
        started._set_invoices_level(current_by_line)
        histories.with_context(tracking_disable=True)._execute()
        started.filtered(
            lambda line: line.history_ids and all(h.state == "failed" for h in line.history_ids)
        ).write({"state": "failed", "reason": _("Every channel failed, see the actions.")})

    def _set_invoices_level(self, current_by_line):
        """The invoices now stand at the line's level (a light write: see
        ``account.move._relance_light_write``)."""
        by_level_date = defaultdict(lambda: self.env["account.move"])
        for line in self:
            by_level_date[(line.level_id, line.date)] |= current_by_line[line]
        for (level, date), moves in by_level_date.items():
            vals = {
                "relance_level_id": level.id,
                "relance_last_date": date,
                "relance_skip_reason": False,
                "relance_escalate_date": False,
            }
            if "handover" in level.channel_ids.mapped("code"):
                vals["relance_handed_over"] = True
            moves._relance_light_write(vals)

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

    def _create_histories(self, current_by_line):
        """Creates the actions of these lines (``{line: invoices still due}``), minus those
        the unique index says exist, in one batch; when another run wins the race for some
        invoices meanwhile, line by line so that only the lines concerned are skipped."""
        all_moves = self.env["account.move"].union(*current_by_line.values())
        existing = self.env["relance.history.line"].search_fetch(
            [
                ("move_id", "in", all_moves.ids),
                ("level_id", "in", self.level_id.ids),
                ("state", "!=", "cancelled"),
            ],
            ["channel", "move_id", "level_id"],
        )
        taken = {(hl.level_id.id, hl.channel, hl.move_id.id) for hl in existing}
        vals_by_line = {line: line._history_values(current_by_line[line], taken) for line in self}
        history_model = self.env["relance.history"].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
        )
        try:
            with self.env.cr.savepoint():
                return history_model.create([v for vals in vals_by_line.values() for v in vals])
        except UniqueViolation:
            _logger.info("Dunning lines %s raced with another run: line by line", self.ids)
        histories = history_model.browse()
        for line, vals_list in vals_by_line.items():
            try:
                with self.env.cr.savepoint():
                    histories |= history_model.create(vals_list)
            except UniqueViolation:  # another run won the race for these invoices
                line.write({"state": "skipped", "reason": _("Executed by another run.")})
        return histories

    def _history_values(self, moves, taken):
        """Values of this line's actions: one per channel of its level, for the invoices
        that have not had it yet."""
        self.ensure_one()
        contact = self.partner_id.relance_contact_id or self.partner_id
        vals_list = []
        for channel in self.level_id.channel_ids:
            channel_moves = moves.filtered(
                lambda m, c=channel: (self.level_id.id, c.code, m.id) not in taken
            )
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
        return vals_list
