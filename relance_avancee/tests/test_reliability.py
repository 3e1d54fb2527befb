from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelanceCommon

DUE = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestReliability(RelanceCommon):
    """One customer's bad data fails that customer's line only; nothing stays stuck."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.policy_b2b.mode = "auto"
        first = cls.policy_b2b.level_ids.filtered(lambda lv: lv.name == "First reminder")
        # a template that needs the customer's reference: a customer without one cannot
        # be rendered (bad data of one customer, not of the run)
        first.mail_template_id = first.mail_template_id.copy(
            {"subject": "Reminder {{ object.partner_id.ref.upper() }}"}
        )
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Client {name} SAS",
                    "is_company": True,
                    "email": f"{name}@example.com",
                    "ref": ref,
                }
                for name, ref in (("alpha", "a1"), ("bravo", False), ("charlie", "c3"))
            ]
        )
        with freeze_time(DUE - timedelta(days=30)):
            cls.invoices = [
                cls._relance_invoice(customer, 1000.0, DUE) for customer in cls.customers
            ]

    def _cron(self, day):
        with freeze_time(day):
            self.env["relance.run"]._cron_run_dunning()
            self.env.flush_all()

    def _mail_subjects(self, partner):
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        return mails.mapped("subject")

    def test_a_customer_whose_mail_cannot_be_rendered_fails_alone(self):
        alpha, bravo, charlie = self.customers
        self._cron(DUE + timedelta(days=8))
        lines = {inv.partner_id: inv.relance_run_line_ids for inv in self.invoices}
        self.assertEqual(lines[alpha].state, "done")
        self.assertEqual(lines[charlie].state, "done")
        self.assertEqual(self._mail_subjects(alpha), ["Reminder A1"])
        self.assertEqual(self._mail_subjects(charlie), ["Reminder C3"])
        failed = lines[bravo]
        self.assertEqual(failed.state, "failed")
        self.assertIn("Not executed", failed.reason)
        self.assertFalse(self._mail_subjects(bravo))
        # nothing of the failed customer was kept: no action, its invoice still due
        bravo_invoice = self.invoices[1]
        self.assertFalse(failed.history_ids)
        self.assertFalse(bravo_invoice.relance_level_id)
        # its data corrected, the next run reminds it, once
        bravo.ref = "b2"
        self._cron(DUE + timedelta(days=9))
        self.assertEqual(bravo_invoice.relance_level_id.name, "First reminder")
        self.assertEqual(self._mail_subjects(bravo), ["Reminder B2"])
        self.assertEqual(self._mail_subjects(alpha), ["Reminder A1"])

    def test_automatic_lines_left_proposed_are_executed_by_the_next_cron(self):
        """The cron's time budget ended before the automatic lines of a day were executed
        (the run prepared, its lines proposed): the next day's cron executes them, at their
        run's date, and proposes the invoices no second time."""
        day = DUE + timedelta(days=8)
        with freeze_time(day):
            run = self.env["relance.engine"]._prepare_run(day, self.company)
        self.assertEqual(set(run.line_ids.mapped("state")), {"proposed"})
        self._cron(day + timedelta(days=1))
        alpha_invoice = self.invoices[0]
        # the old run's line, no new one
        self.assertEqual(alpha_invoice.relance_run_line_ids.run_id, run)
        self.assertEqual(alpha_invoice.relance_level_id.name, "First reminder")
        self.assertEqual(alpha_invoice.relance_last_date, day)
        self.assertEqual(self._mail_subjects(self.customers[0]), ["Reminder A1"])
        self.assertEqual(run.state, "done")
