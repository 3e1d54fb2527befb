from odoo import fields
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
        self.assertEqual(history.mail_id.recipient_ids, late)
        self.assertFalse(other_invoice.relance_level_id)
        other_line = run.line_ids.filtered(lambda line: line.partner_id == other)
        self.assertEqual(other_line.state, "excluded")
