import logging

from psycopg2 import OperationalError
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .ir_actions_report import RenderError
from .relance_channel import LETTER_CHANNELS

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
    _inherit = ["relance.bulk.mixin"]
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
    unallocated_amount = fields.Monetary(
        "Received, not allocated",
        currency_field="currency_id",
        readonly=True,
        help="When the line was proposed: the bank statement lines, payments and credit "
        "notes of the customer not yet reconciled, in company currency.",
    )
    unallocated_warning = fields.Char("Not allocated", readonly=True)
    legal_warning = fields.Char("Interest warning", compute="_compute_legal_warning")
    history_ids = fields.One2many("relance.history", "run_line_id", "Actions")
    preview_email_ok = fields.Boolean("Email to preview", compute="_compute_buttons_ok")
    print_letter_ok = fields.Boolean("Letter to print", compute="_compute_buttons_ok")
    acknowledge_ok = fields.Boolean("Formal notice sent", compute="_compute_buttons_ok")

    @api.depends("move_ids")
    def _compute_move_count(self):
        for line in self:
            line.move_count = len(line.move_ids)

    @api.depends("state", "level_id.channel_ids.code")
    def _compute_buttons_ok(self):
        """A proposed line with an email can be previewed; its letter is printed once the
        line is done, or from a proposed line without email (printing it executes it)."""
        for line in self:
            codes = set(line.level_id.channel_ids.mapped("code"))
            line.preview_email_ok = line.state == "proposed" and "email" in codes
            line.print_letter_ok = bool(codes & set(LETTER_CHANNELS)) and (
                line.state == "done" or (line.state == "proposed" and "email" not in codes)
            )
            line.acknowledge_ok = line.state == "done" and "notice" in codes

    @api.depends("move_ids", "date")
    def _compute_legal_warning(self):
        """An invoice whose interest cannot be computed (a rate missing) at the line's date."""
        for date, lines in self.grouped("date").items():
            amounts = self.env["relance.legal"]._amounts(lines.move_ids, date) if date else {}
            for line in lines:
                warnings = {amounts.get(m.id, {}).get("warning") for m in line.move_ids}
                line.legal_warning = "; ".join(sorted(filter(None, warnings))) or False

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(self.env["relance.unallocated"]._line_values(vals_list))

    @api.model
    def _create_proposed(self, vals_list):
        """``create(vals_list)`` for the thousands of lines of a proposal (amounts in
        their run's company currency, invoices as ``[Command.set(ids)]``), in bulk
        (``relance.bulk.mixin``), with their stored related fields: at 20,000 customers
        ``create`` took half of the preparation of the run (6 s)."""
        vals_list = self.env["relance.unallocated"]._line_values(vals_list)
        runs = self.env["relance.run"].browse({vals["run_id"] for vals in vals_list})
        levels = self.env["relance.level"].browse(
            {vals["level_id"] for vals in vals_list if vals.get("level_id")}
        )
        policy_ids = {level.id: level.policy_id.id for level in levels}
        rows, currencies = [], []
        for vals in vals_list:
            run = runs.browse(vals["run_id"])
            rows.append(
                {
                    **vals,
                    "date": run.date,
                    "company_id": run.company_id.id,
                    "policy_id": policy_ids.get(vals.get("level_id")),
                }
            )
            currencies.append(run.company_id.currency_id)
        return self._relance_bulk_create(rows, currencies)

    def write(self, vals):
        if vals.get("state") in ("excluded", "skipped"):
            self._cancel_previews()
        return super().write(vals)

    def action_exclude(self):
        self.filtered(lambda line: line.state == "proposed").write(
            {"state": "excluded", "reason": self.env._("Excluded by %s", self.env.user.name)}
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
            {
                "state": "excluded",
                "reason": self.env._("Customer held back by %s", self.env.user.name),
            }
        )

    def action_execute(self):
        self._execute(include_manual=True)
        self.run_id._update_state()

    def action_preview_email(self):
        """Opens Odoo's composer with the mail that executing this line would send (see
        ``mail.compose.message._relance_preview_line``)."""
        self.ensure_one()
        return self.env["mail.compose.message"]._relance_preview_line(self)

    def action_print_letter(self):
        """Downloads the letters of this line (see ``relance.executor.letter``)."""
        self.ensure_one()
        return self.env["relance.executor.letter"]._print_line(self)

    def action_acknowledge_receipt(self):
        """Enters the acknowledgments of receipt of these lines' formal notices."""
        return self.history_ids.action_acknowledge_receipt()

    # ------------------------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------------------------

    def _execute(self, include_manual=False):
        """Executes proposed lines: one action per channel of the level, with all the line's
        invoices. Safe when two runs overlap: the invoices are locked (SKIP LOCKED: another
        run is on them), re-checked after the lock, and the history's unique index has the
        last word. All the lines together first; when that fails, each in its own savepoint:
        one customer's bad data (a template error, a letter not printed) fails its line, with
        the reason, and no other; the next run proposes its invoices again. A database
        conflict is no customer's fault: it propagates (``_errors_to_retry``)."""
        lines = self.filtered(lambda line: line.state == "proposed")
        if not include_manual:
            lines = lines.filtered(lambda line: not line.level_id.manual)
        if not lines:
            return
        retried = lines._errors_to_retry()
        try:
            with self.env.cr.savepoint():
                lines._execute_together()
            return
        except retried:
            raise
        except Exception as error:  # any error of a channel: isolated below
            if len(lines) == 1:
                lines._record_failure(error)
                return
            _logger.info("Dunning lines %s failed together (%s): line by line", lines.ids, error)
        for line in lines:
            try:
                with self.env.cr.savepoint():
                    line._execute_together()
            except retried:
                raise
            except Exception as error:
                line._record_failure(error)

    def _errors_to_retry(self):
        """The errors for which the whole batch is retried rather than a customer failed: a
        database conflict; in a background job (``relance_retry_render_errors`` in the
        context), a wkhtmltopdf failure too."""
        if self.env.context.get("relance_retry_render_errors"):
            return (OperationalError, RenderError)
        return (OperationalError,)

    def _execute_together(self):
        held, current_by_line = self._lock_current_invoices()
        held._cancel_previews()
        started = self.browse([line.id for line in current_by_line])
        # the levels before the actions are created (creating them moves the positions)
        levels = {
            move: move.relance_next_level_id for moves in current_by_line.values() for move in moves
        }
        histories = started._create_histories(current_by_line)
        started = started.filtered(lambda line: line.state == "proposed")
        started._finish_execution(current_by_line, histories, levels)

    def _record_failure(self, error):
        """This line could not be executed (rolled back): failed, with the reason; its
        invoices stay where they were, to be proposed by the next run."""
        _logger.warning("Dunning line %s (%s) failed: %s", self.id, self.partner_id.name, error)
        message = error.args[0] if isinstance(error, UserError) and error.args else str(error)
        self.write(
            {
                "state": "failed",
                "reason": self.env._("Not executed: %(error)s", error=message)[:500],
            }
        )

    def _lock_current_invoices(self):
        """Locks the invoices of these lines and returns ``(held, {line: invoices still
        due})``: ``held`` the lines whose invoices are all locked (another run holds the
        others: they stay proposed); those of them with nothing still due are skipped."""
        locked = self._lock_invoices()
        self.env["account.move"].browse(locked).invalidate_recordset()
        held = self.filtered(lambda line: set(line.move_ids.ids) <= locked)
        current_by_line = {}
        for date, lines in held.grouped("date").items():
            # the invoices' positions at the run's date, for all the lines in one query
            moves = lines.move_ids.with_context(relance_date=date)
            moves.mapped("relance_next_level_id")
            # what the actions' values read, for all the invoices in one query; and the
            # stored fields the actions recompute: known, those that keep their value are
            # not written again (each write of an invoice rewrites its row and indexes)
            moves.fetch(
                [
                    "company_id",
                    "currency_id",
                    "amount_residual",
                    "amount_residual_signed",
                    "relance_handed_over",
                    "relance_escalate_date",
                    "relance_last_date",
                ]
            )
            for line in lines:
                current = moves.browse(line.move_ids.ids).filtered(line._covers)
                if current:
                    current_by_line[line] = current
        (held - held.browse([line.id for line in current_by_line])).write(
            {
                "state": "skipped",
                "reason": self.env._("Already reminded, paid or paused meanwhile."),
            }
        )
        return held, current_by_line

    def _finish_execution(self, current_by_line, histories, levels):
        """These lines are done: their invoices at their levels (``levels``: {invoice:
        level}), their actions ``histories`` executed by their channels."""
        self.state = "done"
        self._set_invoices_level(current_by_line, levels)
        histories.with_context(tracking_disable=True)._execute()
        self.filtered(
            lambda line: line.history_ids and all(h.state == "failed" for h in line.history_ids)
        ).write({"state": "failed", "reason": self.env._("Every channel failed, see the actions.")})

    def _cancel_previews(self):
        """The actions that a preview of these proposed lines created and that were never
        sent (the composer was closed): cancelled, never deleted, so that they block no
        later execution (a proposed line has no other action)."""
        self.filtered(lambda line: line.state == "proposed").history_ids.action_cancel()

    # ------------------------------------------------------------------------------------
    # Preview: the email action sent from Odoo's composer
    # ------------------------------------------------------------------------------------

    def _covers(self, move):
        """After locking: is this invoice still to remind (its position at the run's date:
        open, not paused nor handed over, its next date reached) for its own level, one this
        line's communication covers (its level or a lower one of the same policy)?"""
        self.ensure_one()
        level = move.relance_next_level_id
        return (
            move.relance_state == "to_remind"
            and level.policy_id == self.level_id.policy_id
            and (level.sequence, level.offset_days)
            <= (self.level_id.sequence, self.level_id.offset_days)
        )

    def _set_invoices_level(self, current_by_line, levels):
        """Each invoice now stands at its own level, the lower ones covered by the line's
        communication."""
        self.env["relance.history.line"]._set_levels(
            {move: (levels[move], line.date) for line in self for move in current_by_line[line]},
            relance_skip_reason=False,
        )

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
        if not current_by_line:
            return self.env["relance.history"]
        first, *others = current_by_line.values()
        all_moves = first.union(*others)  # at the run's date, as the lines' invoices
        existing = self.env["relance.history.line"].search_fetch(
            [
                ("move_id", "in", all_moves.ids),
                ("level_id", "in", all_moves.relance_next_level_id.ids),
                ("cancelled", "=", False),
            ],
            ["channel", "move_id", "level_id"],
        )
        taken = {(hl.level_id.id, hl.channel, hl.move_id.id) for hl in existing}
        channels = self.env["relance.channel"].search([]).grouped("code")
        vals_by_line = {
            line: line._history_values(current_by_line[line], taken, channels) for line in self
        }
        history_model = self.env["relance.history"].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
        )
        try:
            with self.env.cr.savepoint():
                return history_model._create_with_lines(
                    [v for vals in vals_by_line.values() for v in vals]
                )
        except UniqueViolation:
            _logger.info("Dunning lines %s raced with another run: line by line", self.ids)
        histories = history_model.browse()
        for line, vals_list in vals_by_line.items():
            try:
                with self.env.cr.savepoint():
                    histories |= history_model._create_with_lines(vals_list)
            except UniqueViolation:  # another run won the race for these invoices
                line.write({"state": "skipped", "reason": self.env._("Executed by another run.")})
        return histories

    def _history_values(self, moves, taken, channels):
        """Values of this line's actions: one per channel of its level, for the invoices
        that have not had it yet, each recorded at its own level (``channels``: every
        channel by its code)."""
        self.ensure_one()
        history_model = self.env["relance.history"]
        vals_list = []
        for channel in self.partner_id._relance_channels(self.level_id, channels):
            channel_moves = moves.filtered(
                lambda m, c=channel: (m.relance_next_level_id.id, c.code, m.id) not in taken
            )
            if not channel_moves:
                continue
            vals_list.append(
                history_model._action_values(
                    self.partner_id,
                    self.level_id,
                    channel,
                    channel_moves,
                    levels={m: m.relance_next_level_id for m in channel_moves},
                    date=self.date,
                    contact_id=(self.partner_id.relance_contact_id or self.partner_id).id,
                    run_id=self.run_id.id,
                    run_line_id=self.id,
                    user_id=(self.user_id or self.env.user).id,
                )
            )
        return vals_list
