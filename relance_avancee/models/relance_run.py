import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

EXECUTE_BATCH = 200  # customers per committed batch in the cron


class RelanceRun(models.Model):
    """The dunning proposal of one company for one day, then its execution."""

    _name = "relance.run"
    _description = "Dunning run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("validated", "Validated"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many("relance.run.line", "run_id", "Proposal")
    history_ids = fields.One2many("relance.history", "run_id", "Actions")
    proposed_count = fields.Integer(compute="_compute_counts")
    done_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer("Failed", compute="_compute_counts")
    progress = fields.Float(
        compute="_compute_counts", help="Share of the customers executed (done, skipped, failed)."
    )
    amount_total = fields.Monetary(compute="_compute_counts", currency_field="currency_id")
    validated_by_id = fields.Many2one("res.users", readonly=True)

    @api.depends("date", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = (
                self.env._("Dunning %(date)s", date=run.date)
                if run.date
                else self.env._("New dunning run")
            )

    @api.depends("line_ids.state", "line_ids.amount")
    def _compute_counts(self):
        groups = self.env["relance.run.line"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count", "amount:sum"]
        )
        stats = {}
        for run, state, count, amount in groups:
            stats.setdefault(run, {})[state] = (count, amount)
        for run in self:
            by_state = stats.get(run, {})
            run.proposed_count = by_state.get("proposed", (0, 0))[0]
            run.done_count = by_state.get("done", (0, 0))[0]
            run.skipped_count = sum(by_state.get(s, (0, 0))[0] for s in ("skipped", "excluded"))
            run.failed_count = by_state.get("failed", (0, 0))[0]
            total = sum(count for count, _amount in by_state.values())
            run.progress = 100.0 * (total - run.proposed_count) / total if total else 0.0
            run.amount_total = sum(by_state.get(s, (0, 0))[1] for s in ("proposed", "done"))

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------

    def action_validate(self):
        """An accountant approves the proposal: every proposed line is executed."""
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("Only a draft run can be validated."))
        self.write({"state": "validated", "validated_by_id": self.env.uid})
        self.activity_ids.action_feedback(feedback=self.env._("Run validated."))
        proposed = self.env["relance.run.line"].search_fetch(
            [("run_id", "in", self.ids), ("state", "=", "proposed")],
            ["state", "run_id", "level_id"],
            order="id",
        )
        self._execute_lines(proposed, include_manual=True)
        return True

    def action_print_letters(self):
        """One PDF with the letters and formal notices of the run (generated when
        missing); printing again gives the same letters and creates no action."""
        self.ensure_one()
        letters = self.line_ids.history_ids.filtered(
            lambda h: h.channel in ("letter", "notice") and h.state != "cancelled"
        )
        letters._execute()
        action = self.env["relance.executor.letter"]._download(letters)
        if not action:
            raise UserError(self.env._("This run has no letter to print."))
        return action

    def action_acknowledge_receipts(self):
        """Enters the acknowledgments of receipt of the run's formal notices, all at once."""
        self.ensure_one()
        return self.history_ids.action_acknowledge_receipt()

    def action_refresh(self):
        """Adds what became due since the run was prepared."""
        for run in self.filtered(lambda r: r.state == "draft"):
            self.env["relance.engine"]._prepare_run(run.date, run.company_id)
        return True

    def action_cancel(self):
        self.filtered(lambda r: r.state == "draft").line_ids.filtered(
            lambda line: line.state == "proposed"
        ).write({"state": "excluded", "reason": self.env._("Run cancelled.")})
        self.filtered(lambda r: r.state == "draft").write({"state": "cancelled"})

    def _update_state(self):
        for run in self:
            if run.state == "cancelled":
                continue
            if not run.line_ids.filtered(lambda line: line.state == "proposed"):
                run.state = "done"

    # ------------------------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------------------------

    @api.model
    def _cron_run_dunning(self):
        """Daily: prepare each company's run, execute the automatic lines (of every company,
        and those an earlier run left proposed), ask an accountant to validate the rest.
        Idempotent: a second call the same day adds only what became due meanwhile."""
        # The daily run works for every company, whatever the companies of the cron's user.
        engine = self.env["relance.engine"].sudo()
        today = fields.Date.context_today(self)
        companies = engine.env["res.company"].search([])
        # settlements first: a promise broken or a plan missed today escalates today
        engine.env["relance.promise"]._cron_check(today)
        engine.env["relance.payment.plan"]._cron_check(today)
        engine.env["relance.payment.declaration"]._cron_check(today)
        engine.env["relance.legal"]._prescription_alerts(today, companies)
        runs = engine.env["relance.run"]
        for company in companies:
            runs |= engine.with_company(company)._prepare_run(today, company)
        automatic = engine.env["relance.run.line"].search(
            [
                ("state", "=", "proposed"),
                ("run_id.state", "=", "draft"),
                ("date", "<=", today),
                ("policy_id.mode", "=", "auto"),
                ("level_id.manual", "=", False),
            ],
            order="company_id, id",
        )
        automatic.run_id._execute_lines(automatic)
        for run in runs.filtered(lambda r: r.state == "draft"):
            run._notify_controllers()

    def _execute_lines(self, lines, include_manual=False):
        """Executes these lines of these runs, now, then closes the runs that have nothing
        left to execute. ``relance_avancee_queue_job`` makes background jobs of them."""
        self._execute_in_batches(lines, include_manual)
        self._update_state()

    def _execute_in_batches(self, lines, include_manual=False):
        """Executes lines by batches of customers, each batch with its company; in a cron
        each batch is committed with the progress API, the remaining count over all the
        companies, so that a crash or the end of the time budget resumes where it stopped
        without redoing anything."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        remaining = lines
        while remaining:
            batch, remaining = remaining[:EXECUTE_BATCH], remaining[EXECUTE_BATCH:]
            for company, company_lines in batch.grouped("company_id").items():
                company_lines.with_company(company)._execute(include_manual=include_manual)
            if in_cron:
                time_left = self.env["ir.cron"]._commit_progress(
                    len(batch), remaining=len(remaining)
                )
                if time_left <= 0:
                    break

    def _lines_to_validate(self):
        """The proposed lines that wait for an accountant (not executed automatically)."""
        return self.line_ids.filtered(
            lambda line: (
                line.state == "proposed"
                and (line.level_id.policy_id.mode != "auto" or line.level_id.manual)
            )
        )

    def _notify_controllers(self):
        """One activity per credit controller with customers waiting for validation."""
        self.ensure_one()
        proposed = self._lines_to_validate()
        if not proposed:
            return
        users = proposed.mapped("user_id") or self.env.user
        already = self.activity_ids.mapped("user_id")
        for user in users - already:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=self.date,
                summary=self.env._("Dunning proposal to validate"),
                note=self.env._(
                    "Customers to review in %(run)s: %(count)s.", count=len(proposed), run=self.name
                ),
                user_id=user.id,
            )
