from odoo import api, fields, models

from odoo.addons.queue_job.delay import chain, group

CHANNEL = "root.relance"
JOB_SIZE_PARAM = "relance_avancee_queue_job.job_size"
DEFAULT_JOB_SIZE = 200  # customers per job
# the jobs still to run or running, in queue_job's states
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class RelanceRun(models.Model):
    """A run's lines executed by background jobs of queue_job: a job per group of
    customers (``relance_avancee_queue_job.job_size``), each after the job rendering its
    invoices' PDFs, all in parallel, then a last job that closes the runs and tells the
    accountant who validated."""

    _inherit = "relance.run"

    job_active_count = fields.Integer("Jobs running", compute="_compute_job_counts")
    job_failed_count = fields.Integer("Jobs failed", compute="_compute_job_counts")

    @api.depends("line_ids.job_uuid")
    def _compute_job_counts(self):
        jobs = self.line_ids._relance_jobs()
        for run in self:
            run_uuids = set(run.line_ids.mapped("job_uuid"))
            run_jobs = jobs.filtered(lambda j, u=run_uuids: j.uuid in u)
            run.job_active_count = len(run_jobs.filtered(lambda j: j.state in ACTIVE_JOB_STATES))
            run.job_failed_count = len(run_jobs.filtered(lambda j: j.state == "failed"))

    def _execute_lines(self, lines, include_manual=False):
        """Enqueues the execution of these lines instead of executing them now (with
        ``relance_synchronous`` in the context: now, as without queue_job). A line that
        already has a job to run is left to it."""
        if self.env.context.get("relance_synchronous"):
            return super()._execute_lines(lines, include_manual)
        # the lines' jobs are technical links: the accountant's rights were checked on
        # the runs (checking them again on each of 20,000 lines took a second)
        lines = lines.sudo().filtered(lambda line: line.state == "proposed")
        lines -= lines._with_active_job()
        if not lines:
            return self._update_state()
        size = int(self.env["ir.config_parameter"].sudo().get_param(JOB_SIZE_PARAM, 0)) or (
            DEFAULT_JOB_SIZE
        )
        batches = [
            run_lines[start : start + size]
            for run_lines in lines.browse(sorted(lines.ids)).grouped("run_id").values()
            for start in range(0, len(run_lines), size)
        ]
        without_pdf = set(lines._missing_invoice_pdfs())
        executions = [
            batch._relance_delayable_execution(include_manual, without_pdf) for batch in batches
        ]
        finish = lines.run_id.delayable(
            channel=CHANNEL, description=self.env._("Dunning runs: close and notify")
        )._relance_job_finish()
        chain(group(*(graph for graph, _execute in executions)), finish).delay()
        lines._relance_link_jobs(
            {
                line_id: execute._generated_job.uuid
                for batch, (_graph, execute) in zip(batches, executions, strict=True)
                for line_id in batch.ids
            }
        )

    def _relance_job_finish(self):
        """The last job of an execution: the runs with nothing left to execute are done,
        and the accountant who validated each is told."""
        self._update_state()
        for run in self.filtered(lambda r: r.state == "done" and r.validated_by_id):
            message = self.env._(
                "%(run)s executed: %(done)s done, %(failed)s failed, %(skipped)s skipped.",
                run=run.name,
                done=run.done_count,
                failed=run.failed_count,
                skipped=run.skipped_count,
            )
            run.message_post(body=message, partner_ids=run.validated_by_id.partner_id.ids)
            run.validated_by_id._bus_send(
                "simple_notification",
                {"type": "success" if not run.failed_count else "warning", "message": message},
            )

    def action_relance_retry_jobs(self):
        """Runs the failed jobs of these runs again."""
        self.line_ids._relance_jobs().filtered(lambda j: j.state == "failed").requeue()
        return True
