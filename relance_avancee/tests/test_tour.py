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
