from odoo import api, fields, models

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact
from odoo.addons.relance_avancee.models.ir_actions_report import RenderError

from .relance_run import ACTIVE_JOB_STATES, CHANNEL

PDF_JOB_SIZE = 50  # customers whose invoice PDFs one job renders


class RelanceRunLine(models.Model):
    _inherit = "relance.run.line"

    job_uuid = fields.Char("Job", copy=False, readonly=True, index="btree_not_null")
    job_state = fields.Selection(
        lambda self: self.env["queue.job"]._fields["state"].selection,
        "Job state",
        compute="_compute_job_state",
    )
    job_failure = fields.Char("Job failure", compute="_compute_job_state")

    @api.depends("job_uuid")
    def _compute_job_state(self):
        jobs = {job.uuid: job for job in self._relance_jobs()}
        for line in self:
            job = jobs.get(line.job_uuid)
            line.job_state = job.state if job else False
            line.job_failure = (
                (job.exc_message or job.exc_name) if job and job.state == "failed" else False
            )

    def _relance_jobs(self):
        """The execution jobs of these lines (as superuser: accountants do not read the
        job queue itself)."""
        uuids = [uuid for uuid in set(self.mapped("job_uuid")) if uuid]
        return (
            self.env["queue.job"].sudo().search([("uuid", "in", uuids)])
            if uuids
            else (self.env["queue.job"].sudo())
        )

    def _with_active_job(self):
        active = self._relance_jobs().filtered(lambda j: j.state in ACTIVE_JOB_STATES)
        return self.filtered(lambda line: line.job_uuid in set(active.mapped("uuid")))

    def _relance_delayable_execution(self, include_manual, without_pdf):
        """``(graph, execute)``: the job executing these lines, after the jobs rendering
        their invoices' missing PDFs (``without_pdf``: the ids of the invoices of all the
        lines being enqueued that have none) when there are some: the mails then wait for
        their attachments without a transaction held open meanwhile. Rendering is the
        longest work: its jobs take ``PDF_JOB_SIZE`` customers at most, so that the
        workers share it evenly even when the run has few execution jobs."""
        description = self.env._(
            "%(run)s: %(count)s customers", run=self.run_id[:1].name, count=len(self)
        )
        execute = self.delayable(
            channel=CHANNEL, identity_key=identity_exact, description=description
        )._relance_job_execute(include_manual=include_manual)
        renders = [
            chunk.delayable(
                channel=CHANNEL,
                description=self.env._("%(run)s: invoice PDFs", run=self.run_id[:1].name),
            )._relance_job_store_pdfs()
            for chunk in (
                self[start : start + PDF_JOB_SIZE] for start in range(0, len(self), PDF_JOB_SIZE)
            )
            if not without_pdf.isdisjoint(chunk.move_ids.ids)
        ]
        if not renders:
            return execute, execute
        # a chain, whose end is the execution: the run's closing job waits for it
        return chain(group(*renders), execute), execute

    def _invoices_without_pdf(self):
        """The invoices of these lines whose level mails them and that have no stored PDF
        (one query on the attachments, not the invoices' computed PDF field)."""
        if self.env.context.get("relance_no_pdf"):
            return self.env["account.move"]
        mailed = self.filtered(
            lambda line: line.level_id.attach_invoices
            and "email" in line.level_id.channel_ids.mapped("code")
        )
        moves = mailed.move_ids
        return moves - moves.browse(moves._relance_stored_pdfs())

    def _relance_job_store_pdfs(self):
        """Job: renders and stores the missing invoice PDFs of these lines; retried while
        wkhtmltopdf fails (the execution waits for it)."""
        moves = self._invoices_without_pdf()
        stored = self.env["relance.executor"]._store_invoice_pdfs(moves)
        missing = moves - moves.browse(stored.mapped("res_id"))
        if missing:
            raise RetryableJobError(
                self.env._(
                    "Invoice PDFs not rendered: %(names)s", names=", ".join(missing.mapped("name"))
                )
            )
        return self.env._("%(count)s invoice PDFs stored.", count=len(stored))

    def _relance_job_execute(self, include_manual=False):
        """Job: executes these lines, each customer apart when one fails (see
        ``relance.run.line._execute``); a wkhtmltopdf failure retries the job.

        As superuser, still in the name of the user who validated the run (the actions,
        mails and notes are theirs): the job only carries out what that user validated,
        their rights were checked then, and the queue is not theirs to write to; checking
        them again on each record read or written made a job a quarter slower."""
        try:
            self.sudo().with_context(relance_retry_render_errors=True)._execute(
                include_manual=include_manual
            )
        except RenderError as error:
            raise RetryableJobError(str(error)) from error
        done = self.filtered(lambda line: line.state == "done")
        return self.env._("%(done)s of %(count)s customers done.", done=len(done), count=len(self))

    def _job_prepare_context_before_enqueue_keys(self):
        # the switch that leaves the invoices' PDFs out travels with the job
        return (*super()._job_prepare_context_before_enqueue_keys(), "relance_no_pdf")
