from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.relance_avancee.tests.common import RelanceCommon

from ..models import relance_run_line
from ..models.relance_run import JOB_SIZE_PARAM

DUE = date(2026, 3, 2)
DAY = DUE + timedelta(days=8)


@tagged("post_install", "-at_install")
class TestQueueJob(RelanceCommon):
    """Runs executed by queue_job's jobs: the same result as the synchronous execution,
    a job per group of customers, nothing enqueued twice, failures shown and retried."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.env["ir.config_parameter"].set_param(JOB_SIZE_PARAM, 2)
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Client {n} SAS", "is_company": True, "email": f"c{n}@example.com"}
                for n in range(5)
            ]
            + [{"name": "Sans Mail SARL", "is_company": True}]
        )
        with freeze_time(DUE - timedelta(days=30)):
            cls.invoices = [
                cls._relance_invoice(c, 100.0 * (i + 1), DUE) for i, c in enumerate(cls.customers)
            ]

    def setUp(self):
        super().setUp()
        # jobs committed before the test (another test's, a crash test's) are not its own
        self.jobs_before = self.env["queue.job"].sudo().search([]).ids

    def _jobs(self, domain=()):
        return self.env["queue.job"].sudo().search([*domain, ("id", "not in", self.jobs_before)])

    def _run(self):
        with freeze_time(DAY):
            return self.env["relance.engine"]._prepare_run(DAY, self.company)

    def _received(self, run):
        """What the customers received and what was recorded, per customer."""
        self.env.flush_all()
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
        )
        return {
            line.partner_id.name: (
                line.state,
                sorted((h.channel, h.state) for h in line.history_ids),
                len(mails.filtered(lambda m, p=line.partner_id: m.res_id == p.id)),
                sorted(line.move_ids.mapped("relance_level_id.name")),
            )
            for line in run.line_ids
        }

    def _run_stored_jobs(self):
        """Runs the stored jobs as queue_job's runner does (its own controller code, in
        this test's transaction), dependencies in order; returns the jobs run."""
        done = self.env["queue.job"].sudo()
        while pending := self._jobs([("state", "=", "pending")]):
            for record in pending:
                job = Job.load(self.env, record.uuid)
                job.set_started()
                job.store()
                RunJobController._try_perform_job(self.env, job)
                RunJobController._enqueue_dependent_jobs(self.env, job)
                done |= record
        self.env.invalidate_all()
        return done

    def test_jobs_give_the_synchronous_result(self):
        self.policy_b2b.mode = "validate"
        run = self._run()
        self.assertEqual(len(run.line_ids), 6)
        savepoint = self.env.cr.savepoint()
        with freeze_time(DAY):
            run.with_context(relance_synchronous=True).action_validate()
        expected = self._received(run)
        savepoint.close(rollback=True)
        self.env.invalidate_all()
        self.assertEqual(run.state, "draft")

        with trap_jobs() as trap, freeze_time(DAY):
            run.with_user(self.accountant).action_validate()
            # validation returns at once: three jobs of two customers, nothing executed
            jobs = {
                name: [j for j in trap.enqueued_jobs if j.method_name == name]
                for name in ("_relance_job_execute", "_relance_job_finish")
            }
            executions = jobs["_relance_job_execute"]
            self.assertEqual([len(job.recordset) for job in executions], [2, 2, 2])
            self.assertEqual(
                sum((job.recordset for job in executions), run.line_ids[:0]), run.line_ids
            )
            self.assertEqual([job.recordset for job in jobs["_relance_job_finish"]], [run])
            self.assertEqual(run.state, "validated")
            self.assertEqual(set(run.line_ids.mapped("state")), {"proposed"})
            self.assertEqual(run.progress, 0.0)
            trap.perform_enqueued_jobs()
        self.assertEqual(self._received(run), expected)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100.0)
        # the failed email of the customer without address fell back to a letter
        self.assertIn(("email", "failed"), expected["Sans Mail SARL"][1])
        self.assertEqual(expected["Client 0 SAS"][:3], ("done", [("email", "done")], 1))
        # the accountant is told
        self.assertIn("executed", run.message_ids[:1].body)
        self.assertEqual(run.message_ids[:1].partner_ids, self.accountant.partner_id)

    def test_stored_jobs_run_once_and_a_failure_is_shown_and_retried(self):
        self.policy_b2b.mode = "validate"
        run = self._run()
        with freeze_time(DAY):
            run.action_validate()
            # validating again, or the cron, enqueues nothing more: every line has its job
            run.line_ids.run_id._execute_lines(run.line_ids, include_manual=True)
        jobs = self._jobs([("model_name", "=", "relance.run.line")])
        self.assertEqual(len(jobs), 3)
        self.env.invalidate_all()
        self.assertEqual(set(run.line_ids.mapped("job_uuid")), set(jobs.mapped("uuid")))
        self.assertEqual(run.job_active_count, 3)
        # one job fails for good (as the runner records it)
        failing = Job.load(self.env, jobs[0].uuid)
        failing.set_failed(exc_name="RenderError", exc_message="Wkhtmltopdf failed")
        failing.store()
        with freeze_time(DAY):
            ran = self._run_stored_jobs()
        self.assertEqual(len(ran), 2)  # the closing job waits for the failed one
        failed_lines = run.line_ids.filtered(lambda line: line.job_uuid == jobs[0].uuid)
        self.assertEqual(len(failed_lines), 2)
        self.assertEqual(set(failed_lines.mapped("state")), {"proposed"})
        self.assertEqual(set(failed_lines.mapped("job_failure")), {"Wkhtmltopdf failed"})
        self.assertEqual(run.job_failed_count, 1)
        self.assertEqual(run.state, "validated")
        # retried from the run: executed, the run closed
        run.action_relance_retry_jobs()
        self.env.invalidate_all()
        with freeze_time(DAY):
            self._run_stored_jobs()
        self.assertEqual(set(failed_lines.mapped("state")), {"done"})
        self.assertFalse(run.job_failed_count)
        self.assertEqual(run.state, "done")
        # each customer reminded once
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(mails), 5)
        self.assertEqual(len(set(mails.mapped("res_id"))), 5)

    def test_the_cron_enqueues_the_automatic_lines_once(self):
        self.policy_b2b.mode = "auto"
        with freeze_time(DAY):
            self.env["relance.run"]._cron_run_dunning()
            self.env["relance.run"]._cron_run_dunning()
        run = self.invoices[0].relance_run_line_ids.run_id
        self.assertEqual(len(run.line_ids), 6)
        jobs = self._jobs([("model_name", "=", "relance.run.line")])
        self.assertEqual(len(jobs), 3)
        # no accountant is asked to validate what the jobs execute
        self.assertFalse(run.activity_ids)
        with freeze_time(DAY):
            self._run_stored_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(
            sorted(self.invoices[0].relance_history_line_ids.mapped("channel")), ["email"]
        )

    def test_overlapping_validations_and_the_cron_remind_once(self):
        """Two validations that did not see each other's jobs (two transactions at the
        same time) and the daily cron: up to three sets of jobs for the same customers;
        each customer is reminded once, each action recorded once."""
        self.policy_b2b.mode = "auto"
        run = self._run()
        with freeze_time(DAY):
            run._execute_lines(run.line_ids, include_manual=True)
            run.line_ids.job_uuid = False  # the second validation did not see these jobs
            run._execute_lines(run.line_ids)
            run.line_ids.job_uuid = False
            self.env["relance.run"]._cron_run_dunning()
        jobs = self._jobs([("model_name", "=", "relance.run.line")])
        self.assertEqual(len(jobs), 6)  # the cron's set is the second's (same identity)
        with freeze_time(DAY):
            self._run_stored_jobs()
        self.assertEqual(run.state, "done")
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
        )
        self.assertEqual(sorted(mails.mapped("res_id")), sorted(self.customers[:5].ids))
        history_lines = run.line_ids.move_ids.relance_history_line_ids
        keys = [(hl.move_id, hl.level_id, hl.channel) for hl in history_lines]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(len(run.line_ids.history_ids.filtered(lambda h: h.channel == "email")), 6)

    def test_the_closing_job_waits_for_the_executions_after_their_pdfs(self):
        """Invoices without a stored PDF: each execution job waits for the job rendering
        its PDFs, and the closing job for every execution (not for the PDF jobs only)."""
        self.policy_b2b.mode = "validate"
        run = self._run().with_context(relance_no_pdf=False)
        with freeze_time(DAY):
            run.action_validate()
        jobs = self._jobs()
        by_method = {
            name: jobs.filtered(lambda j, n=name: j.method_name == n)
            for name in ("_relance_job_execute", "_relance_job_store_pdfs", "_relance_job_finish")
        }
        executions, pdfs, finish = by_method.values()
        self.assertEqual((len(executions), len(pdfs), len(finish)), (3, 3, 1))
        self.assertEqual(set(finish.dependencies["depends_on"]), set(executions.mapped("uuid")))
        for execution in executions:
            (pdf_uuid,) = execution.dependencies["depends_on"]
            self.assertIn(pdf_uuid, pdfs.mapped("uuid"))

    def test_pdf_jobs_of_fewer_customers_than_the_execution(self):
        """Rendering, the longest work, in jobs of ``PDF_JOB_SIZE`` customers at most
        (here 1, the execution jobs have 2): each execution waits for the PDF jobs of
        its customers, and sends every mail with its PDFs."""
        self.policy_b2b.mode = "validate"
        run = self._run().with_context(relance_no_pdf=False)
        with patch.object(relance_run_line, "PDF_JOB_SIZE", 1), freeze_time(DAY):
            run.action_validate()
        jobs = self._jobs()
        executions = jobs.filtered(lambda j: j.method_name == "_relance_job_execute")
        pdfs = jobs.filtered(lambda j: j.method_name == "_relance_job_store_pdfs")
        self.assertEqual((len(executions), len(pdfs)), (3, 6))
        for execution in executions:
            self.assertEqual(len(execution.dependencies["depends_on"]), 2)
            self.assertLessEqual(
                set(execution.dependencies["depends_on"]), set(pdfs.mapped("uuid"))
            )
        with freeze_time(DAY):
            self._run_stored_jobs()
        self.assertEqual(run.state, "done")
        self.assertTrue(all(move.invoice_pdf_report_id for move in run.line_ids.move_ids))
