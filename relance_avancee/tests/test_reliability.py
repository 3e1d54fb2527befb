from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
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

    def _fail_mail(self, history, reason):
        """What Odoo's mail queue does after the SMTP server refused the mail."""
        history.mail_id._postprocess_sent_message(
            success_pids=self.env["res.partner"],
            success_emails=[],
            failure_reason=reason,
            failure_type="mail_smtp",
        )

    def test_a_mail_refused_after_it_was_queued_fails_its_action(self):
        """Done meant queued: the SMTP error of the mail queue now fails the action, its
        fallback (a letter) is proposed, and the invoice stays reminded by the letter."""
        self.customers[0].write({"street": "3 rue de la Paix", "city": "Lyon", "zip": "69002"})
        self._cron(DUE + timedelta(days=8))
        alpha_invoice = self.invoices[0]
        email = alpha_invoice.relance_history_line_ids.history_id
        self.assertEqual((email.channel, email.state), ("email", "done"))
        self._fail_mail(email, "550 5.1.1 mailbox unavailable")
        self.assertEqual(email.state, "failed")
        self.assertIn("550 5.1.1 mailbox unavailable", email.reason)
        letter = alpha_invoice.relance_history_line_ids.history_id - email
        self.assertEqual((letter.channel, letter.state), ("letter", "todo"))
        self.assertEqual(alpha_invoice.relance_level_id.name, "First reminder")

    def test_an_invoice_no_channel_reached_is_not_reminded(self):
        self.env.ref("relance_avancee.channel_email").fallback_channel_id = False
        day = DUE + timedelta(days=8)
        self._cron(day)
        alpha_invoice = self.invoices[0]
        email = alpha_invoice.relance_history_line_ids.history_id
        self.assertEqual(alpha_invoice.relance_level_id.name, "First reminder")
        self._fail_mail(email, "550 5.1.1 mailbox unavailable")
        self.assertEqual(email.state, "failed")
        self.assertFalse(alpha_invoice.relance_level_id)
        self.assertFalse(alpha_invoice.relance_last_date)
        self.assertEqual(email.run_line_id.state, "failed")
        # still due: the next run proposes it again
        with freeze_time(day + timedelta(days=1)):
            due = alpha_invoice.with_context(relance_date=day + timedelta(days=1))
            self.assertEqual(due.relance_state, "to_remind")

    def test_a_refused_sms_falls_back_to_an_email(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Jean Mobile",
                "email": "jean@example.com",
                "phone": "06 12 34 56 78",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        level = self.policy_b2c.level_ids.filtered(lambda lv: lv.name == "SMS reminder")
        with freeze_time(DUE - timedelta(days=30)):
            invoice = self._relance_invoice(customer, 80.0, DUE)
        with freeze_time(DUE + timedelta(days=5)):
            sms_action = self._relance_action(customer, level, "sms", invoice, DUE)
            sms_action._execute()
        self.assertEqual(sms_action.state, "done", sms_action.reason)
        sms = self.env["sms.sms"].search([("mail_message_id", "=", sms_action.message_id.id)])
        self.assertEqual(len(sms), 1)
        # the SMS provider refuses the number
        # (the provider's callback runs as superuser)
        sms.sms_tracker_id.sudo()._action_update_from_provider_error("wrong_number_format")
        self.assertEqual(sms_action.state, "failed")
        self.assertIn("Not delivered", sms_action.reason)
        # its fallback, an email, was proposed and executed (this SMS level has no email
        # template: the email fails in turn and proposes a letter)
        fallback = invoice.relance_history_line_ids.history_id - sms_action
        self.assertEqual(sorted(fallback.mapped("channel")), ["email", "letter"])
        self.assertEqual(invoice.relance_level_id, level)

    def test_a_run_of_300_customers_with_10_broken_completes_for_the_others(self):
        """290 customers reminded by email; 10 with broken data each get a clear reason:
        no postal address at a letter level, a template that cannot render their data, a
        landline at an SMS level, neither email nor phone."""
        b2b_first = self.policy_b2b.level_ids.filtered(lambda lv: lv.name == "First reminder")
        letter = self.policy_b2b.level_ids.filtered(lambda lv: lv.name == "Reminder letter")
        sms = self.policy_b2c.level_ids.filtered(lambda lv: lv.name == "SMS reminder")
        b2c_first = self.policy_b2c.level_ids.filtered(lambda lv: lv.name == "Friendly reminder")
        france = self.env.ref("base.fr").id
        groups = [
            # (count, level, values of the customers)
            (290, b2c_first, {"email": "ok{n}@example.com", "ref": "r{n}"}),
            (3, letter, {"is_company": True, "email": "nostreet{n}@example.com"}),
            (3, b2b_first, {"is_company": True, "email": "noref{n}@example.com"}),
            (2, sms, {"phone": "04 72 10 20 3{n}", "country_id": france}),
            (2, b2c_first, {}),
        ]
        partner_vals, levels = [], []
        for index, (count, level, values) in enumerate(groups):
            for n in range(count):
                vals = {k: v.format(n=n) if isinstance(v, str) else v for k, v in values.items()}
                partner_vals.append({"name": f"Client {index}-{n}", **vals})
                levels.append(level)
        partners = self.env["res.partner"].create(partner_vals)
        with freeze_time(DUE - timedelta(days=30)):
            moves = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": DUE - timedelta(days=30),
                        "invoice_date_due": DUE,
                        "invoice_line_ids": [
                            Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": []})
                        ],
                    }
                    for partner in partners
                ]
            )
            moves.action_post()
        day = DUE + timedelta(days=60)
        run = self.env["relance.run"].create({"date": day, "company_id": self.company.id})
        lines = self.env["relance.run.line"].create(
            [
                {
                    "run_id": run.id,
                    "partner_id": partner.id,
                    "level_id": level.id,
                    "move_ids": [Command.set(move.ids)],
                    "amount": 100.0,
                }
                for partner, level, move in zip(partners, levels, moves, strict=True)
            ]
        )
        # the invoices wait at the level before each line's, as a proposal finds them
        for level, group_moves in moves.grouped(lambda m: levels[moves.ids.index(m.id)]).items():
            previous = level.policy_id.level_ids.filtered(
                lambda lv, lvl=level: (lv.sequence, lv.offset_days)
                < (lvl.sequence, lvl.offset_days)
            ).sorted(lambda lv: (lv.sequence, lv.offset_days))[-1:]
            group_moves._relance_light_write(
                {"relance_level_id": previous.id, "relance_last_date": DUE}
            )
        with freeze_time(day):
            run._execute_lines(lines, include_manual=True)
        self.assertEqual(run.state, "done")
        good, broken = lines[:290], lines[290:]
        self.assertEqual(set(good.mapped("state")), {"done"})
        mails = self.env["mail.mail"].search([("model", "=", "res.partner")])
        self.assertEqual(
            set(mails.mapped("res_id")) & set(good.partner_id.ids), set(good.partner_id.ids)
        )
        for line in broken:
            reasons = [
                line.reason,
                *line.history_ids.filtered(lambda h: h.state == "failed").mapped("reason"),
            ]
            self.assertTrue(any(reasons), f"{line.partner_id.name}: no reason")
        no_street, no_ref, landline, nothing = broken[:3], broken[3:6], broken[6:8], broken[8:]
        for line in no_street:
            self.assertIn("No postal address", line.history_ids.reason)
        for line in no_ref:
            self.assertEqual(line.state, "failed")
            self.assertIn("Not executed", line.reason)
        for line in landline:
            self.assertIn("not a mobile", " ".join(line.history_ids.mapped("reason")))
        for line in nothing:
            self.assertIn("no valid email", " ".join(line.history_ids.mapped("reason")))
