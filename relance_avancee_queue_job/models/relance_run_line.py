from odoo import api, fields, models
from odoo.tools import SQL

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

    def _relance_link_jobs(self, uuids):
        """Each line of ``uuids`` ({line id: job uuid}) is executed by that job: one
        UPDATE for all the lines of a run (a write per job took a second at 200 jobs)."""
        self.flush_model(["job_uuid"])
        self.env.execute_query(
            SQL(
                """UPDATE %(table)s SET job_uuid = job.uuid, write_uid = %(uid)s,
                          write_date = %(now)s
                     FROM unnest(%(ids)s::int[], %(uuids)s::varchar[]) AS job(line_id, uuid)
                    WHERE %(table)s.id = job.line_id""",
                table=SQL.identifier(self._table),
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=list(uuids),
                uuids=list(uuids.values()),
            )
        )
        lines = self.browse(uuids)
        lines.invalidate_recordset(["job_uuid", "write_uid", "write_date"])
        lines.modified(["job_uuid"])

    def _with_active_job(self):
        active = self._relance_jobs().filtered(lambda j: j.state in ACTIVE_JOB_STATES)
        return self.filtered(lambda line: line.job_uuid in set(active.mapped("uuid")))

    def _relance_delayable_execution(self, include_manual, without_pdf):
        """``(graph, execute)``: the job executing these lines, after the jobs rendering
        their invoices' missing PDFs (``without_pdf``: the ids of the lines being enqueued
        that have invoices without one, see ``_missing_invoice_pdfs``) when there are
        some: the mails then wait for their attachments without a transaction held open
        meanwhile. Rendering is the longest work: its jobs take ``PDF_JOB_SIZE`` customers
        at most, so that the workers share it evenly even when the run has few execution
        jobs."""
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
            if not without_pdf.isdisjoint(chunk.ids)
        ]
        if not renders:
            return execute, execute
        # a chain, whose end is the execution: the run's closing job waits for it
        return chain(group(*renders), execute), execute

    def _missing_invoice_pdfs(self):
        """{line id: invoice ids} of these lines' invoices that their level mails with
        their PDF and that have no stored PDF, in one query: a run of 20,000 customers
        has 100,000 invoices, which reading through the ORM made the validation wait
        seconds."""
        if self.env.context.get("relance_no_pdf") or not self:
            return {}
        levels = self.level_id.filtered(
            lambda level: level.attach_invoices and "email" in level.channel_ids.mapped("code")
        )
        if not levels:
            return {}
        move_ids = self._fields["move_ids"]
        self.flush_model(["move_ids", "level_id"])
        self.env["ir.attachment"].flush_model(["res_model", "res_field", "res_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT rel.%(line)s, rel.%(move)s
                     FROM %(relation)s rel
                     JOIN %(lines)s line ON line.id = rel.%(line)s
                    WHERE rel.%(line)s = ANY(%(line_ids)s)
                      AND line.level_id = ANY(%(level_ids)s)
                      AND NOT EXISTS (
                            SELECT FROM ir_attachment attachment
                             WHERE attachment.res_model = 'account.move'
                               AND attachment.res_field = 'invoice_pdf_report_file'
                               AND attachment.res_id = rel.%(move)s)""",
                line=SQL.identifier(move_ids.column1),
                move=SQL.identifier(move_ids.column2),
                relation=SQL.identifier(move_ids.relation),
                lines=SQL.identifier(self._table),
                line_ids=self.ids,
                level_ids=levels.ids,
            )
        )
        missing = {}
        for line_id, move_id in rows:
            missing.setdefault(line_id, []).append(move_id)
        return missing

    def _relance_job_store_pdfs(self):
        """Job: renders and stores the missing invoice PDFs of these lines; retried while
        wkhtmltopdf fails (the execution waits for it)."""
        moves = self.env["account.move"].browse(
            sorted({move_id for ids in self._missing_invoice_pdfs().values() for move_id in ids})
        )
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
