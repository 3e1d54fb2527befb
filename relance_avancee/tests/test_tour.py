import io

import openpyxl

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install", "relance_tour")
class TestRelanceTours(RelanceCommon, HttpCase):
    def test_invoice_list_tour(self):
        policy = self.env["relance.policy"].create({"name": "Tour B2B", "policy_type": "b2b"})
        self.env["relance.level"].create(
            {
                "policy_id": policy.id,
                "name": "First reminder",
                "offset_days": 7,
                "channel_ids": [self.env.ref("relance_avancee.channel_email").id],
            }
        )
        today = fields.Date.today()
        late = self.env["res.partner"].create({"name": "Tour Customer SARL", "is_company": True})
        fresh = self.env["res.partner"].create({"name": "Tour Fresh SAS", "is_company": True})
        overdue = self._relance_invoice(late, 1200.0, fields.Date.add(today, days=-20))
        not_due = self._relance_invoice(fresh, 800.0, fields.Date.add(today, days=20))
        self.assertEqual(overdue.relance_state, "to_remind")
        self.assertEqual(not_due.relance_state, "not_due")
        self.start_tour("/odoo", "relance_invoice_list_tour", login=self.accountant.login)

    def test_validate_run_tour(self):
        today = fields.Date.today()
        late = self.env["res.partner"].create(
            {"name": "Tour Late SARL", "is_company": True, "email": "late@tour.example"}
        )
        other = self.env["res.partner"].create(
            {"name": "Tour Other SAS", "is_company": True, "email": "other@tour.example"}
        )
        invoice = self._relance_invoice(late, 1200.0, fields.Date.add(today, days=-8))
        other_invoice = self._relance_invoice(other, 900.0, fields.Date.add(today, days=-8))
        run = self.env["relance.engine"]._prepare_run(today, self.company)
        self.assertEqual(
            set(run.line_ids.filtered(lambda line: line.state == "proposed").partner_id.ids),
            {late.id, other.id},
        )
        self.start_tour("/odoo", "relance_validate_run_tour", login=self.accountant.login)
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        history = invoice.relance_history_line_ids.history_id
        self.assertEqual(history.state, "done")
        self.assertEqual(history.mail_id.email_to, late.email_formatted)
        self.assertFalse(other_invoice.relance_level_id)
        other_line = run.line_ids.filtered(lambda line: line.partner_id == other)
        self.assertEqual(other_line.state, "excluded")

    def _call_action(self, name, amount):
        """A customer of the accountant with an invoice 15 days late and its call planned."""
        customer = self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "phone": "04 72 10 20 30",
                "country_id": self.env.ref("base.fr").id,
                "relance_user_id": self.accountant.id,
            }
        )
        due = fields.Date.add(fields.Date.today(), days=-15)
        invoice = self._relance_invoice(customer, amount, due)
        level = self.policy_b2b.level_ids.filtered(
            lambda lv: "call" in lv.channel_ids.mapped("code")
        )[:1]
        history = self._relance_action(customer, level, "call", invoice, fields.Date.today())
        history._execute()
        self.assertTrue(history.activity_id)
        return history, invoice

    def test_log_call_tour(self):
        history, invoice = self._call_action("Tour Call SARL", 1200.0)
        self.start_tour(
            f"/odoo/action-relance_avancee.relance_history_action/{history.id}",
            "relance_log_call_tour",
            login=self.accountant.login,
        )
        self.assertEqual(history.state, "done")
        promise = invoice.relance_promise_ids
        self.assertEqual(promise.amount, 1200.0)
        self.assertEqual(promise.date, fields.Date.add(fields.Date.today(), days=7))
        self.assertEqual(invoice.relance_state, "paused")

    def test_activity_log_call_tour(self):
        history, invoice = self._call_action("Tour Activity SARL", 800.0)
        activity = history.activity_id
        self.start_tour(
            f"/odoo/res.partner/{history.partner_id.id}",
            "relance_activity_log_call_tour",
            login=self.accountant.login,
        )
        self.assertEqual(history.state, "done")
        self.assertEqual(history.call_outcome, "promise")
        self.assertEqual(invoice.relance_promise_ids.amount, 800.0)
        self.assertFalse(activity.exists() and activity.active)

    def test_dashboard_tour(self):
        # invoiced on the first day of the dashboard's default period and overdue: the DSO
        # has sales and receivables whatever the day of the month
        period_start = fields.Date.to_date(
            self.env["relance.dashboard"].default_get(["date_from"])["date_from"]
        )
        customer = self.env["res.partner"].create({"name": "Tour Dashboard SA", "is_company": True})
        self._relance_invoice(
            customer, 1500.0, fields.Date.add(period_start, days=20), invoice_date=period_start
        )
        self.start_tour("/odoo", "relance_dashboard_tour", login=self.manager.login)
        export = self.env["ir.attachment"].search(
            [("res_model", "=", "relance.xlsx.export")], order="id desc", limit=1
        )
        self.assertTrue(export.name.startswith("Aged balance"))
        sheet = openpyxl.load_workbook(io.BytesIO(export.raw)).active
        self.assertIn("Tour Dashboard SA", [row[0] for row in sheet.iter_rows(values_only=True)])

    def test_print_letters_tour(self):
        today = fields.Date.today()
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Letter SARL",
                "is_company": True,
                "street": "1 rue du Port",
                "city": "Marseille",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        invoice = self._relance_invoice(customer, 640.0, fields.Date.add(today, days=-26))
        level = self.policy_b2b.level_ids.filtered(
            lambda lv: "letter" in lv.channel_ids.mapped("code")
        )[:1]
        run = self.env["relance.run"].create({"date": today, "company_id": self.company.id})
        line = self.env["relance.run.line"].create(
            {
                "run_id": run.id,
                "partner_id": customer.id,
                "level_id": level.id,
                "move_ids": [Command.set(invoice.ids)],
                "state": "done",
            }
        )
        letter = self._relance_action(
            customer, level, "letter", invoice, line.date, run_id=run.id, run_line_id=line.id
        )
        letter._execute()
        self.assertTrue(letter.attachment_id)
        self.start_tour(
            f"/odoo/action-relance_avancee.relance_run_action/{run.id}",
            "relance_print_letters_tour",
            login=self.accountant.login,
        )
        printed = self.env["ir.attachment"].search(
            [("res_model", "=", "relance.run"), ("res_id", "=", run.id)]
        )
        self.assertEqual(printed.raw, letter.attachment_id.raw)
        self.assertEqual(len(line.history_ids), 1, "printing creates no second action")

    def test_preview_mail_tour(self):
        today = fields.Date.today()
        customer = self.env["res.partner"].create(
            {"name": "Tour Preview SARL", "is_company": True, "email": "preview@tour.example"}
        )
        invoice = self._relance_invoice(customer, 1450.0, fields.Date.add(today, days=-8))
        run = self.env["relance.engine"]._prepare_run(today, self.company)
        line = run.line_ids.filtered(lambda ln: ln.partner_id == customer)
        self.assertEqual(line.state, "proposed")
        self.assertIn("email", line.level_id.channel_ids.mapped("code"))
        self.start_tour(
            f"/odoo/action-relance_avancee.relance_run_action/{run.id}",
            "relance_preview_mail_tour",
            login=self.accountant.login,
        )
        history = line.history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual(history.state, "done")
        message = history.message_id
        self.assertEqual((message.model, message.res_id), ("res.partner", customer.id))
        self.assertIn("as agreed on the phone, we expect your transfer on Friday", message.body)
        self.assertIn(invoice.name, message.body)
        self.assertIn("reminder of overdue invoices", message.subject)
        self.assertEqual(message.partner_ids, customer)
        self.assertEqual(history.mail_id.mail_message_id, message)
        self.assertTrue(message.attachment_ids)
        self.assertEqual(line.state, "done")
        self.assertEqual(invoice.relance_level_id, line.level_id)
