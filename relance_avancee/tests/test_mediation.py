from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelanceCommon

DUE = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestMediation(RelanceCommon):
    """A mediation — an outcome of a call, or a level of its own — pauses the reminders of
    its invoices until it ends, as a dispute does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        (cls.policy_b2b | cls.policy_b2c).mode = "auto"
        cls.company.relance_consumer_mediator_name = "CM2C"

    def _invoice(self, partner, amount):
        with freeze_time(DUE - timedelta(days=30)):
            return self._relance_invoice(partner, amount, DUE)

    def _call(self, invoice):
        return self.env["relance.history"].search(
            [("line_ids.move_id", "=", invoice.id), ("channel", "=", "call")]
        )

    def _log_mediation(self, call, day, **values):
        with freeze_time(day):
            wizard = (
                self.env["relance.call.log"]
                .with_user(self.accountant)
                .with_context(default_history_id=call.id)
                .create({"outcome": "mediation", "note": "Referred to the mediator", **values})
            )
            wizard.action_confirm()
        return wizard

    def test_mediation_from_a_call_pauses_until_it_ends(self):
        invoice = self._invoice(self.customer_b2b, 900.0)
        self._relance_cron(DUE + timedelta(days=7))
        self._relance_cron(DUE + timedelta(days=15))
        self.assertEqual(invoice.relance_level_id.name, "Phone call")
        call = self._call(invoice)
        wizard = self._log_mediation(call, DUE + timedelta(days=16))
        self.assertEqual(wizard.mediator_type, "business", "between businesses")
        mediation = invoice.relance_mediation_ids
        self.assertEqual(mediation.state, "open")
        self.assertEqual(mediation.history_id, call)
        self.assertEqual(mediation.note, "Referred to the mediator")
        self.assertEqual((call.state, call.call_outcome), ("done", "mediation"))
        self.assertTrue(invoice.relance_mediation)
        self.assertEqual(
            invoice.with_context(relance_date=DUE + timedelta(days=20)).relance_state, "paused"
        )
        for offset in (18, 25, 30):
            self._relance_cron(DUE + timedelta(days=offset))
        self.assertEqual(invoice.relance_level_id.name, "Phone call", "paused: no reminder")
        with freeze_time(DUE + timedelta(days=31)):
            mediation.with_user(self.accountant).action_failed()
        self.assertEqual(
            (mediation.state, mediation.date_closed), ("failed", DUE + timedelta(days=31))
        )
        self.assertFalse(invoice.relance_mediation)
        # the reminders resume where they were: the level after the call
        self._relance_cron(DUE + timedelta(days=32))
        self.assertEqual(invoice.relance_level_id.name, "Second reminder")

    def test_consumer_mediator_of_the_company(self):
        self.customer_b2c.phone = "06 12 34 56 78"
        invoice = self._invoice(self.customer_b2c, 300.0)
        level = self.policy_b2c.level_ids.filtered(lambda lv: lv.offset_days == 15)
        call = self._relance_action(
            self.customer_b2c, level, "call", invoice, DUE + timedelta(days=15)
        )
        self._log_mediation(call, DUE + timedelta(days=16))
        mediation = invoice.relance_mediation_ids
        self.assertEqual((mediation.mediator_type, mediation.mediator), ("consumer", "CM2C"))
        self.assertIn("CM2C", mediation.display_name)

    def test_mediation_level(self):
        channel = self.env.ref("relance_avancee.channel_mediation")
        level = self.env["relance.level"].create(
            {
                "name": "Mediation",
                "policy_id": self.policy_b2b.id,
                "sequence": 65,
                "offset_days": 50,
                "channel_ids": [(6, 0, channel.ids)],
            }
        )
        self.assertTrue(level.manual, "a person decides")
        invoice = self._invoice(self.customer_b2b, 1200.0)
        action = self._relance_action(
            self.customer_b2b, level, "mediation", invoice, DUE + timedelta(days=50)
        )
        action._execute()
        action._execute()
        mediation = self.env["relance.mediation"].search([("history_id", "=", action.id)])
        self.assertEqual(len(mediation), 1, "executed twice, opened once")
        self.assertEqual((mediation.mediator_type, mediation.move_ids), ("business", invoice))
        self.assertEqual(action.state, "todo")
        self.assertIn("refer the file to the mediator", action.reason)
        self.assertTrue(invoice.relance_mediation)
        mediation.action_agreement()
        self.assertEqual(mediation.state, "agreement")
        self.assertFalse(invoice.relance_mediation)
