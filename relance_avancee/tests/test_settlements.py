from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelanceCommon

DUE = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestSettlements(RelanceCommon):
    """Disputes, promises to pay and payment plans pause the reminders and resume them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        (cls.policy_b2b | cls.policy_b2c).mode = "auto"

    def _invoice(self, partner, amount):
        with freeze_time(DUE - timedelta(days=30)):
            return self._relance_invoice(partner, amount, DUE)

    def _state(self, invoice, day):
        invoice.invalidate_recordset()
        return invoice.with_context(relance_date=day).relance_state

    def test_dispute_pauses_and_resumes_at_the_same_level(self):
        invoice = self._invoice(self.customer_b2b, 900.0)
        self._relance_cron(DUE + timedelta(days=7))
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        with freeze_time(DUE + timedelta(days=8)):
            dispute = (
                self.env["relance.dispute"]
                .with_user(self.accountant)
                ._open_for(invoice, "not_delivered", "Half of the order never arrived")
            )
        self.assertTrue(invoice.relance_dispute)
        self.assertIn("never arrived", invoice.relance_dispute_reason)
        self.assertEqual(invoice.relance_state, "paused")
        for offset in (15, 20, 30):
            self._relance_cron(DUE + timedelta(days=offset))
        self.assertEqual(invoice.relance_level_id.name, "First reminder", "paused: no reminder")
        with freeze_time(DUE + timedelta(days=31)):
            dispute.with_user(self.accountant).action_reject()
        self.assertEqual(dispute.state, "rejected")
        self.assertEqual(dispute.age_days, 23)
        self.assertFalse(invoice.relance_dispute)
        # the reminders resume where they were: the next level after the first reminder
        self.assertEqual(invoice.relance_next_level_id.name, "Phone call")
        self._relance_cron(DUE + timedelta(days=32))
        self.assertEqual(invoice.relance_level_id.name, "Phone call")

    def test_dispute_pauses_only_its_invoices(self):
        disputed = self._invoice(self.customer_b2b, 900.0)
        other = self._invoice(self.customer_b2b, 800.0)
        self.env["relance.dispute"]._open_for(disputed, "amount")
        self._relance_cron(DUE + timedelta(days=7))
        self.assertFalse(disputed.relance_level_id)
        self.assertEqual(other.relance_level_id.name, "First reminder")

    def test_kept_promise(self):
        invoice = self._invoice(self.customer_b2b, 1000.0)
        self._relance_cron(DUE + timedelta(days=7))
        with freeze_time(DUE + timedelta(days=8)):
            promise = self.env["relance.promise"]._promise_for(
                invoice, DUE + timedelta(days=20), 1000.0, "On the 22nd"
            )
            self.assertEqual(invoice.relance_pause_until, DUE + timedelta(days=23))
            self.assertEqual(invoice.relance_state, "paused")
        self._relance_cron(DUE + timedelta(days=15))  # the phone call would be due: paused
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        self._pay(invoice, 1000.0, DUE + timedelta(days=18))
        self._relance_cron(DUE + timedelta(days=19))
        self.assertEqual(promise.state, "kept")
        self.assertEqual(invoice.relance_state, "closed")

    def test_broken_promise_escalates(self):
        invoice = self._invoice(self.customer_b2b, 1000.0)
        self._relance_cron(DUE + timedelta(days=7))
        promise = self.env["relance.promise"]._promise_for(
            invoice, DUE + timedelta(days=10), 1000.0
        )
        self._pay(invoice, 300.0, DUE + timedelta(days=9))  # partly paid: not kept
        self._relance_cron(DUE + timedelta(days=13))  # promised date + 3 grace days: still paused
        self.assertEqual(promise.state, "open")
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        self._relance_cron(DUE + timedelta(days=14))
        self.assertEqual(promise.state, "broken")
        # escalated the same day, one day before the phone call's usual date (J+15)
        self.assertEqual(invoice.relance_level_id.name, "Phone call")
        self.assertEqual(invoice.relance_last_date, DUE + timedelta(days=14))
        self.assertFalse(invoice.relance_escalate_date)
        notes = self.customer_b2b.message_ids.mapped("body")
        self.assertTrue(any("Broken promise" in str(body) for body in notes))

    def test_reminder_consumes_the_escalations_up_to_its_date_only(self):
        """A reminder consumes the escalations dated up to its own date: an invoice that
        has none keeps none, one escalated after it keeps its date, one escalated before
        moves on to its next escalation (the execution computes the date again only for
        the invoices whose date it can change)."""
        calm, later, earlier = (self._invoice(self.customer_b2b, a) for a in (100, 200, 300))
        self._relance_cron(DUE + timedelta(days=7))
        first = calm.relance_level_id
        history_model = self.env["relance.history"]
        # an action created with its escalation date (as a run creates actions)
        history_model._create_with_lines(
            [
                history_model._action_values(
                    self.customer_b2b,
                    first,
                    self.env.ref("relance_avancee.channel_call"),
                    later,
                    date=DUE + timedelta(days=8),
                    escalate_date=DUE + timedelta(days=20),
                )
            ]
        )
        call = self._relance_action(
            self.customer_b2b, first, "call", earlier, DUE + timedelta(days=8)
        )
        call.escalate_date = DUE + timedelta(days=10)
        promise = self.env["relance.promise"]._promise_for(earlier, DUE + timedelta(days=12), 300)
        promise.broken_date = DUE + timedelta(days=16)
        invoices = calm | later | earlier
        self.assertEqual(
            invoices.mapped("relance_escalate_date"),
            [False, DUE + timedelta(days=20), DUE + timedelta(days=10)],
        )
        phone = first.policy_id.level_ids.filtered(lambda lv: lv.name == "Phone call")
        self.env["relance.history.line"]._set_levels(
            {invoice: (phone, DUE + timedelta(days=14)) for invoice in invoices}
        )
        self.env.flush_all()
        invoices.invalidate_recordset()
        self.assertEqual(invoices.mapped("relance_last_date"), [DUE + timedelta(days=14)] * 3)
        self.assertEqual(
            invoices.mapped("relance_escalate_date"),
            [False, DUE + timedelta(days=20), DUE + timedelta(days=16)],
        )

    def test_payment_plan_matched_in_order_and_missed_instalment(self):
        invoices = self._invoice(self.customer_b2c, 200.0) | self._invoice(self.customer_b2c, 100.0)
        self._relance_cron(DUE + timedelta(days=3))
        with freeze_time(DUE + timedelta(days=4)):
            plan = self.env["relance.payment.plan"]._request_for(
                invoices, "3 payments agreed by phone"
            )
            self.assertEqual(plan.installment_ids.mapped("amount"), [100.0, 100.0, 100.0])
            self.assertEqual(
                plan.installment_ids.mapped("date"),
                [DUE + timedelta(days=4 + d) for d in (31, 61, 92)],
            )
            plan.action_confirm()
        self.assertEqual(plan.state, "running")
        self.assertTrue(all(m.relance_state == "paused" for m in invoices))
        # the confirmation went to the customer with the plan as PDF
        message = plan.message_ids.filtered(lambda m: self.customer_b2c in m.partner_ids)
        self.assertEqual(len(message), 1)
        self.assertIn("schedule", message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        # first instalment paid in time (150: the second one is half paid)
        self._pay(invoices[0], 150.0, DUE + timedelta(days=30))
        self._relance_cron(DUE + timedelta(days=40))
        self.assertEqual(plan.installment_ids.mapped("amount_paid"), [100.0, 50.0, 0.0])
        self.assertEqual(plan.installment_ids.mapped("state"), ["paid", "pending", "pending"])
        self.assertEqual(plan.state, "running")
        self.assertEqual(invoices[1].relance_level_id.name, "Friendly reminder")
        # the second instalment is missed: the plan breaks, the reminders resume
        self._relance_cron(DUE + timedelta(days=69))
        self.assertEqual(plan.state, "broken")
        self.assertFalse(invoices.relance_payment_plan_id)
        self.assertEqual(invoices[1].relance_level_id.name, "SMS reminder")

    def test_payment_plan_paid_in_full(self):
        invoice = self._invoice(self.customer_b2c, 300.0)
        plan = self.env["relance.payment.plan"]._request_for(invoice)
        plan.action_confirm()
        self._pay(invoice, 300.0, DUE + timedelta(days=20))
        self._relance_cron(DUE + timedelta(days=21))
        self.assertEqual(plan.state, "done")
        self.assertEqual(plan.amount_paid, 300.0)

    def test_pause_follows_the_settlements_themselves(self):
        """The pause is derived from the settlements: a dispute deleted releases its
        invoice, a promise moved moves the pause, a promise kept ends it."""
        invoice = self._invoice(self.customer_b2b, 900.0)
        dispute = self.env["relance.dispute"]._open_for(invoice, "amount")
        self.assertEqual(self._state(invoice, DUE + timedelta(days=10)), "paused")
        dispute.unlink()
        self.assertFalse(invoice.relance_dispute)
        self.assertEqual(self._state(invoice, DUE + timedelta(days=10)), "to_remind")
        grace = self.company.relance_promise_grace_days
        promise = self.env["relance.promise"]._promise_for(invoice, DUE + timedelta(days=20), 900)
        self.assertEqual(invoice.relance_pause_until, DUE + timedelta(days=20 + grace))
        promise.date = DUE + timedelta(days=40)
        self.assertEqual(invoice.relance_pause_until, DUE + timedelta(days=40 + grace))
        self.assertEqual(self._state(invoice, DUE + timedelta(days=30)), "paused")
        promise.state = "kept"
        self.assertFalse(invoice.relance_pause_until)
        self.assertEqual(self._state(invoice, DUE + timedelta(days=30)), "to_remind")

    def test_position_is_computed_at_the_date_asked(self):
        """Next level, its date and the state at any date, never stored: the pre-reminder
        before the due date, passed over once the due date is past; searches agree."""
        invoice = self._invoice(self.customer_b2b, 900.0)
        levels = self.policy_b2b.level_ids.sorted(lambda lv: (lv.sequence, lv.offset_days))
        pre, first = levels[0], levels[1]
        self.assertLess(pre.offset_days, 0)
        moves = self.env["account.move"]
        for day, level, state in (
            (DUE - timedelta(days=20), pre, "not_due"),
            (DUE + timedelta(days=pre.offset_days), pre, "to_remind"),
            (DUE + timedelta(days=1), first, "not_due"),
            (DUE + timedelta(days=first.offset_days), first, "to_remind"),
        ):
            at_day = invoice.with_context(relance_date=day)
            self.assertEqual((at_day.relance_next_level_id, at_day.relance_state), (level, state))
            found = moves.with_context(relance_date=day).search(
                [("id", "=", invoice.id), ("relance_state", "=", state)]
            )
            self.assertEqual(found, invoice, f"searched as {state} on {day}")
            found = moves.with_context(relance_date=day).search(
                [("id", "=", invoice.id), ("relance_next_level_id", "=", level.id)]
            )
            self.assertEqual(found, invoice)
