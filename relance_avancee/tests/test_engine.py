from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RelanceCommon

DUE = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestEngine(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The invoices' PDFs are rendered by wkhtmltopdf in one test only (test_pdfs_attached).
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        (cls.policy_b2b | cls.policy_b2c).mode = "auto"

    def _invoice(self, partner, amount, due=DUE, **kwargs):
        with freeze_time(due - timedelta(days=30)):
            return self._relance_invoice(partner, amount, due, **kwargs)

    def _cron(self, day):
        with freeze_time(day):
            self.env["relance.run"]._cron_run_dunning()
            self.env.flush_all()

    def _log_calls(self, invoice, outcome="reached"):
        """The credit controller logs the calls planned for the invoice."""
        calls = invoice.relance_history_line_ids.history_id.filtered(
            lambda h: h.channel == "call" and h.state == "todo"
        )
        for call in calls:
            self.env["relance.call.log"].create(
                {"history_id": call.id, "outcome": outcome}
            ).action_confirm()

    def _ladder(self, invoice, first_day, last_day, log_calls=True):
        """Runs the cron every day (the calls planned are logged as answered the next day);
        returns [(days from due date, level name)] of the changes."""
        steps, level = [], invoice.relance_level_id
        day = first_day
        while day <= last_day:
            if log_calls:
                with freeze_time(day):
                    self._log_calls(invoice)
            self._cron(day)
            if invoice.relance_level_id != level:
                level = invoice.relance_level_id
                steps.append(((day - invoice.invoice_date_due).days, level.name))
            day += timedelta(days=1)
        return steps

    def _mails(self, partner):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def test_b2b_ladder_over_60_days(self):
        self.customer_b2b.write(
            {
                "phone": "04 72 10 20 30",
                "street": "12 rue de la République",
                "city": "Lyon",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        invoice = self._invoice(self.customer_b2b, 1500.0)
        at_issue = invoice.with_context(relance_date=DUE - timedelta(days=30))
        self.assertEqual(at_issue.relance_state, "not_due")
        steps = self._ladder(invoice, DUE - timedelta(days=6), DUE + timedelta(days=60))
        self.assertEqual(
            steps,
            [
                (-5, "Pre-reminder"),
                (7, "First reminder"),
                (15, "Phone call"),
                (18, "Second reminder"),
                (25, "Reminder letter"),
                (40, "Formal notice (mise en demeure)"),
            ],
        )
        # the handover is a manual decision: proposed from J+55, never executed by the cron
        handover = self.env["relance.run.line"].search(
            [("move_ids", "in", invoice.ids), ("level_id.name", "=", "Legal / collection handover")]
        )
        self.assertEqual(handover.state, "proposed")
        self.assertEqual(handover.date, DUE + timedelta(days=55))
        self.assertFalse(invoice.relance_handed_over)
        history = invoice.relance_history_line_ids.history_id
        self.assertEqual(
            sorted(history.mapped("channel")),
            ["call", "email", "email", "email", "letter", "notice"],
        )
        emails = history.filtered(lambda h: h.channel == "email")
        self.assertEqual(set(emails.mapped("state")), {"done"})
        self.assertEqual(len(self._mails(self.customer_b2b)), 3)
        call = history.filtered(lambda h: h.channel == "call")
        self.assertEqual(call.state, "done")
        self.assertEqual(call.call_outcome, "reached")
        self.assertEqual(set((history - emails - call).mapped("state")), {"todo"})
        second = emails.filtered(lambda h: h.level_id.name == "Second reminder")
        self.assertIn("Following our recent telephone call", second.mail_id.body_html)
        self.assertTrue(history.filtered(lambda h: h.channel == "notice").attachment_id)
        # the handover runs the wizard's code, with its rights: a dunning manager hands the
        # file over to the level's agency
        handover.level_id.handover_partner_id = self.env["res.partner"].create(
            {"name": "Cabinet Huissier Durand", "is_company": True}
        )
        handover.with_user(self.manager).action_execute()
        self.assertTrue(invoice.relance_handed_over)
        self.assertEqual(invoice.relance_state, "handed_over")
        self.assertEqual(
            self.customer_b2b.relance_handover_partner_id.name, "Cabinet Huissier Durand"
        )
        self.assertEqual(handover.history_ids.state, "done")
        self.assertEqual(handover.history_ids.attachment_id.mimetype, "application/zip")

    def test_level_after_a_call_waits_for_its_outcome(self):
        """The second reminder follows the call: it waits until the call is logged, and
        says nothing of a call that did not take place."""
        self.customer_b2b.phone = "04 72 10 20 30"
        self.customer_b2b.country_id = self.env.ref("base.fr")
        invoice = self._invoice(self.customer_b2b, 900.0)
        steps = self._ladder(
            invoice, DUE + timedelta(days=7), DUE + timedelta(days=22), log_calls=False
        )
        self.assertEqual(steps, [(7, "First reminder"), (15, "Phone call")])
        self.assertIn("Waiting for the outcome of the call", invoice.relance_skip_reason)
        # no answer after every try: the next level goes out, without a word of a call
        call = invoice.relance_history_line_ids.history_id.filtered(lambda h: h.channel == "call")
        for _try in range(call.level_id.call_max_tries):
            with freeze_time(DUE + timedelta(days=23)):
                self._log_calls(invoice, outcome="no_answer")
        self.assertEqual(call.state, "done")
        self._cron(DUE + timedelta(days=23))
        self.assertEqual(invoice.relance_level_id.name, "Second reminder")
        second = invoice.relance_history_line_ids.history_id.filtered(
            lambda h: h.level_id.name == "Second reminder"
        )
        self.assertNotIn("telephone call", second.mail_id.body_html)
        self.assertIn("Despite our previous reminder", second.mail_id.body_html)

    def test_b2c_ladder(self):
        invoice = self._invoice(self.customer_b2c, 240.0)
        steps = self._ladder(invoice, DUE - timedelta(days=4), DUE + timedelta(days=50))
        self.assertEqual([offset for offset, _name in steps], [-3, 3, 10, 15, 30, 45], steps)
        self.assertEqual(steps[3][1], "Phone call, instalment offer")
        pre = invoice.relance_history_line_ids.filtered(lambda h: h.level_id.offset_days == -3)
        self.assertEqual(sorted(pre.mapped("channel")), ["email", "sms"])
        mail = self._mails(self.customer_b2c).sorted("id")[0]
        self.assertIn("the invoice below is due", mail.body_html)
        self.assertIn(invoice.name, mail.body_html)

    def test_b2c_mail_speaks_of_several_invoices(self):
        invoices = self._invoice(self.customer_b2c, 80.0) | self._invoice(self.customer_b2c, 90.0)
        self._cron(DUE + timedelta(days=3))
        mail = self._mails(self.customer_b2c)
        self.assertEqual(len(mail), 1)
        self.assertIn("the invoices below have passed their due date", mail.body_html)
        for invoice in invoices:
            self.assertIn(invoice.name, mail.body_html)

    def test_one_mail_lists_all_invoices_of_the_customer(self):
        invoices = (
            self._invoice(self.customer_b2b, 100.0)
            | self._invoice(self.customer_b2b, 200.0, due=DUE - timedelta(days=3))
            | self._invoice(self.customer_b2b, 300.0, due=DUE - timedelta(days=5))
        )
        invoices.is_manually_modified = False
        self.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "bank_bic": "AGRIFRPP",
                "partner_id": self.company.partner_id.id,
            }
        )
        self._cron(DUE + timedelta(days=12))
        mails = self._mails(self.customer_b2b)
        self.assertEqual(len(mails), 1)
        for invoice in invoices:
            self.assertIn(invoice.name, mails.body_html)
            self.assertEqual(invoice.relance_level_id.name, "First reminder")
            # the portal link of each invoice carries its access token
            self.assertTrue(invoice.access_token)
            self.assertIn(f"access_token={invoice.access_token}", mails.body_html)
            # the dunning level is not an edit of the invoice by hand
            self.assertFalse(invoice.is_manually_modified)
        self.assertIn("Dupont Industries SAS", mails.body_html)
        self.assertIn(
            "IBAN <strong>FR7630006000011234567890189</strong>, BIC <strong>AGRIFRPP</strong>",
            mails.body_html,
        )
        self.assertEqual(mails.email_to, self.customer_b2b.email_formatted)
        self.assertFalse(mails.recipient_ids, "no copy asked by the policy")
        history = invoices.relance_history_line_ids.history_id
        self.assertEqual(len(history), 1)
        self.assertEqual(history.amount_due, 600.0)
        self.assertEqual(history.message_id, mails.mail_message_id)
        for invoice in invoices:
            self.assertIn("Reminder sent by email", invoice.message_ids[0].body)

    def test_minimum_amount_grace_and_credit_notes(self):
        small = self.env["res.partner"].create(
            {"name": "Petit SARL", "is_company": True, "email": "p@x.fr"}
        )
        small_invoice = self._invoice(small, 30.0)
        covered = self.env["res.partner"].create(
            {"name": "Avoir SA", "is_company": True, "email": "a@x.fr"}
        )
        covered_invoice = self._invoice(covered, 500.0)
        refund = self._invoice(covered, 500.0, move_type="out_refund")
        self.assertEqual(refund.relance_state, False)
        self._cron(DUE + timedelta(days=8))
        self.assertFalse(small_invoice.relance_level_id)
        self.assertIn("below the policy minimum", small_invoice.relance_skip_reason)
        self.assertFalse(covered_invoice.relance_level_id)
        self.assertIn("Credit notes", covered_invoice.relance_skip_reason)
        line = self.env["relance.run.line"].search([("partner_id", "=", small.id)])
        self.assertEqual(line.state, "skipped")
        # grace: 10 days, the J+7 reminder waits until then
        self.policy_b2b.grace_days = 10
        late = self._invoice(self.customer_b2b, 900.0)
        self._cron(DUE + timedelta(days=9))
        self.assertFalse(late.relance_level_id)
        self.assertIn("grace period", late.relance_skip_reason)
        self._cron(DUE + timedelta(days=10))
        self.assertEqual(late.relance_level_id.name, "First reminder")
        self.assertFalse(late.relance_skip_reason)

    def test_dispute_and_exclusion(self):
        disputed = self._invoice(self.customer_b2b, 800.0)
        disputed.write({"relance_dispute": True, "relance_dispute_reason": "Goods damaged"})
        self.assertEqual(disputed.relance_state, "paused")
        excluded = self.env["res.partner"].create(
            {
                "name": "Client Ami SA",
                "is_company": True,
                "relance_excluded": True,
                "relance_exclusion_reason": "Group company",
            }
        )
        excluded_invoice = self._invoice(excluded, 800.0)
        self._cron(DUE + timedelta(days=8))
        self.assertFalse(disputed.relance_level_id)
        self.assertFalse(disputed.relance_run_line_ids)
        self.assertFalse(excluded_invoice.relance_level_id)
        self.assertIn("Group company", excluded_invoice.relance_skip_reason)
        # the dispute is settled: dunning resumes
        disputed.relance_dispute = False
        self._cron(DUE + timedelta(days=9))
        self.assertEqual(disputed.relance_level_id.name, "First reminder")

    def test_paid_midway_and_partial_payment(self):
        paid = self._invoice(self.customer_b2b, 1000.0)
        partial = self._invoice(self.customer_b2c, 1000.0)
        self._cron(DUE + timedelta(days=8))
        self.assertEqual(paid.relance_level_id.name, "First reminder")
        self.assertEqual(partial.relance_level_id.name, "Friendly reminder")
        with freeze_time(DUE + timedelta(days=9)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            ).create({})._create_payments()
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=partial.ids
            ).create({"amount": 400.0})._create_payments()
        self.assertEqual(paid.relance_state, "closed")
        self.assertEqual(partial.payment_state, "partial")
        self.assertEqual(partial.relance_level_id.name, "Friendly reminder")
        self._cron(DUE + timedelta(days=20))
        self.assertEqual(paid.relance_level_id.name, "First reminder")
        self.assertEqual(partial.relance_level_id.name, "SMS reminder")
        sms_history = partial.relance_history_line_ids.filtered(lambda h: h.channel == "sms")
        self.assertEqual(sms_history.amount_residual, 600.0)

    def test_a_late_instalment_is_reminded(self):
        """Payment terms in two instalments (30 and 60 days): the invoice's due date is the
        last one, but the first instalment late is reminded, from its own due date."""
        terms = self.env["account.payment.term"].create(
            {
                "name": "50 % at 30 days, 50 % at 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )
        invoice_date = DUE - timedelta(days=30)
        with freeze_time(invoice_date):
            invoice = self._create_invoice(
                partner_id=self.customer_b2b,
                invoice_date=invoice_date,
                invoice_payment_term_id=terms,
                invoice_line_ids=[self._prepare_invoice_line(price_unit=1000.0, tax_ids=[])],
            )
            invoice.action_post()
        self.assertEqual(invoice.invoice_date_due, DUE + timedelta(days=30))
        day = DUE + timedelta(days=8)
        at_day = invoice.with_context(relance_date=day)
        self.assertEqual(at_day.relance_due_date, DUE)
        self.assertEqual(at_day.relance_days_overdue, 8)
        self._cron(day)
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        # the first instalment paid, the second is the one the reminders follow
        self._pay(invoice, 500.0, day + timedelta(days=1))
        at_next = invoice.with_context(relance_date=day + timedelta(days=2))
        self.assertEqual(at_next.relance_due_date, DUE + timedelta(days=30))
        self.assertEqual(at_next.relance_state, "waiting")

    def test_cron_twice_the_same_day_creates_nothing_new(self):
        self._invoice(self.customer_b2b, 1000.0)
        self._invoice(self.customer_b2c, 1000.0)
        day = DUE + timedelta(days=8)
        self._cron(day)
        counts = [
            self.env[m].search_count([])
            for m in ("relance.history", "relance.run.line", "mail.mail", "relance.run")
        ]
        self._cron(day)
        self.assertEqual(
            counts,
            [
                self.env[m].search_count([])
                for m in ("relance.history", "relance.run.line", "mail.mail", "relance.run")
            ],
        )
        self.assertGreater(counts[0], 0)

    def test_proposal_lines_inserted_as_create_makes_them(self):
        """A run's lines are inserted in bulk (``_create_proposed``): the same lines as
        ``create`` makes from the same values, stored related fields included, and what
        reads them (the run's counts, the invoices' proposals) sees them."""
        self._invoice(self.customer_b2b, 1000.0)
        self._invoice(self.customer_b2b, 250.0, due=DUE + timedelta(days=2))
        self._invoice(self.customer_b2c, 300.0)
        day = DUE + timedelta(days=8)
        with freeze_time(day):
            proposal = self.env["relance.engine"]._compute_proposal(day, self.company)
        runs = self.env["relance.run"].create(
            [
                {"date": day, "company_id": self.company.id},
                {"date": day + timedelta(days=1), "company_id": self.company.id},
            ]
        )

        def values(run):
            return [
                {**{k: v for k, v in vals.items() if k != "company_id"}, "run_id": run.id}
                for vals in proposal
            ]

        lines = self.env["relance.run.line"]
        inserted = lines._create_proposed(values(runs[0]))
        created = lines.create(values(runs[1]))
        self.assertEqual(len(inserted), 2)
        self.assertEqual(inserted.mapped("date"), [runs[0].date] * 2)
        fnames = [
            name
            for name, field in lines._fields.items()
            if field.store and name not in ("id", "run_id", "date", "create_date", "write_date")
        ]
        self.assertEqual(
            [{k: v for k, v in r.items() if k != "id"} for r in inserted.read(fnames)],
            [{k: v for k, v in r.items() if k != "id"} for r in created.read(fnames)],
        )
        self.assertEqual(inserted.policy_id, self.policy_b2b | self.policy_b2c)
        self.assertEqual(runs[0].proposed_count, 2)
        self.assertEqual(runs[0].amount_total, runs[1].amount_total)
        self.assertEqual(inserted.move_ids.relance_run_line_ids, inserted | created)

    def test_action_lines_inserted_as_create_makes_them(self):
        """A run's actions get their invoice lines in bulk (``_create_with_lines``): the
        lines ``create`` makes, amounts rounded in each invoice's currency, seen at once
        by the action and the invoices."""
        foreign = "CHF" if self.company.currency_id.name != "CHF" else "GBP"
        currency = self.setup_other_currency(foreign, rates=[("2026-01-01", 2.0)])
        moves = self._invoice(self.customer_b2b, 1000.0)
        moves |= self._invoice(self.customer_b2b, 333.33, currency_id=currency.id)
        level = self.policy_b2b.level_ids.sorted("sequence")[1]
        history_model = self.env["relance.history"]

        def values(channel):
            channel = self.env.ref(f"relance_avancee.channel_{channel}")
            return history_model._action_values(
                self.customer_b2b, level, channel, moves, date=DUE + timedelta(days=20)
            )

        bulk = history_model._create_with_lines([values("email")])
        orm = history_model.create([values("letter")])
        fnames = ["move_id", "level_id", "state", "date", "company_id", "amount_residual"]

        def rows(history):
            return [
                {k: v for k, v in row.items() if k != "id"} for row in history.line_ids.read(fnames)
            ]

        self.assertEqual(rows(bulk), rows(orm))
        # the actions' own rows: those create writes (but the channel and the timestamps)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT * FROM relance_history WHERE id IN %s ORDER BY id", (tuple((bulk | orm).ids),)
        )
        columns = [c.name for c in self.env.cr.description]
        skipped = {"id", "channel_id", "channel", "create_date", "write_date"}
        bulk_row, orm_row = (
            {k: v for k, v in zip(columns, row, strict=True) if k not in skipped}
            for row in self.env.cr.fetchall()
        )
        self.assertEqual(bulk_row, orm_row)
        self.assertEqual(bulk_row["amount_due"], orm.amount_due)
        self.assertEqual(bulk.line_ids.mapped("amount_residual"), [1000.0, 333.33])
        self.assertEqual(bulk.line_ids.mapped("channel"), ["email", "email"])
        self.assertEqual(bulk.line_ids.move_id, moves)
        self.assertEqual(moves.relance_history_line_ids, bulk.line_ids | orm.line_ids)
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            history_model._create_with_lines([values("email")])

    def test_validate_mode_prepares_and_notifies(self):
        self.policy_b2b.mode = "validate"
        self.customer_b2b.relance_user_id = self.accountant
        invoice = self._invoice(self.customer_b2b, 1000.0)
        self._cron(DUE + timedelta(days=8))
        self.assertFalse(invoice.relance_level_id)
        run = invoice.relance_run_line_ids.run_id
        self.assertEqual(run.state, "draft")
        self.assertEqual(run.activity_ids.user_id, self.accountant)
        line = invoice.relance_run_line_ids
        self.assertEqual((line.state, line.user_id), ("proposed", self.accountant))
        # an accountant holds another customer back and validates
        other_customer = self.env["res.partner"].create(
            {"name": "Autre SAS", "is_company": True, "email": "o@x.fr"}
        )
        other = self._invoice(other_customer, 700.0)
        with freeze_time(DUE + timedelta(days=8)):
            run.action_refresh()
        other_line = other.relance_run_line_ids
        self.assertEqual(other_line.run_id, run)
        other_line.with_user(self.accountant).action_hold_customer()
        with freeze_time(DUE + timedelta(days=8)):
            run.with_user(self.accountant).action_validate()
        self.assertEqual(run.state, "done")
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        self.assertFalse(other.relance_level_id)
        self.assertEqual(other_line.state, "excluded")
        self.assertFalse(run.activity_ids)

    def test_missing_email_fails_and_proposes_a_letter(self):
        no_mail = self.env["res.partner"].create({"name": "Sans Mail SARL", "is_company": True})
        invoice = self._invoice(no_mail, 1000.0)
        self._cron(DUE + timedelta(days=8))
        history = invoice.relance_history_line_ids.history_id
        failed = history.filtered(lambda h: h.state == "failed")
        self.assertEqual(failed.channel, "email")
        self.assertIn("no valid email", failed.reason)
        letter = history - failed
        self.assertEqual((letter.channel, letter.state), ("letter", "todo"))
        self.assertEqual(invoice.relance_level_id.name, "First reminder")
        self.assertFalse(self._mails(no_mail))

    def test_foreign_currency_amounts_in_company_currency(self):
        foreign = "CHF" if self.company.currency_id.name != "CHF" else "GBP"
        currency = self.setup_other_currency(foreign, rates=[("2026-01-01", 2.0)])
        invoice = self._invoice(self.customer_b2b, 1000.0, currency_id=currency.id)
        self._cron(DUE + timedelta(days=8))
        line = invoice.relance_run_line_ids
        self.assertEqual(line.amount, 500.0)
        self.assertEqual(invoice.relance_level_id.name, "First reminder")

    def test_pdfs_attached(self):
        invoices = self._invoice(self.customer_b2b, 100.0) | self._invoice(self.customer_b2b, 200.0)
        with freeze_time(DUE + timedelta(days=8)):
            self.env["relance.run"].with_context(relance_no_pdf=False)._cron_run_dunning()
        mail = self._mails(self.customer_b2b)
        self.assertEqual(len(mail.attachment_ids), 2)
        self.assertEqual(mail.attachment_ids, invoices.invoice_pdf_report_id)
        self.assertTrue(all(a.raw for a in mail.attachment_ids))

    def test_company_isolation(self):
        self.company_data_2 = self.setup_other_company()
        other_company = self.company_data_2["company"]
        self.env["relance.policy"]._ensure_default_policies(other_company)
        mine = self._invoice(self.customer_b2b, 1000.0)
        with freeze_time(DUE - timedelta(days=30)):
            theirs = self._relance_invoice(
                self.customer_b2b,
                1000.0,
                DUE,
                company_id=other_company.id,
                journal_id=self.company_data_2["default_journal_sale"].id,
            )
        self.assertEqual(theirs.relance_policy_id.company_id, other_company)
        with freeze_time(DUE + timedelta(days=8)):
            run = self.env["relance.engine"]._prepare_run(DUE + timedelta(days=8), self.company)
            run.line_ids._execute()
        self.assertEqual(mine.relance_level_id.name, "First reminder")
        self.assertFalse(theirs.relance_level_id)
        self.assertNotIn(theirs, run.line_ids.move_ids)

    def test_access_rights(self):
        invoice = self._invoice(self.customer_b2b, 1000.0)
        self._cron(DUE + timedelta(days=8))
        history = invoice.relance_history_line_ids.history_id
        # a basic user neither reads nor changes the history (test_field_access.py)
        with self.assertRaises(AccessError):
            history.with_user(self.basic_user).check_access("read")
        with self.assertRaises(AccessError):
            history.with_user(self.basic_user).write({"state": "cancelled"})
        with self.assertRaises(AccessError):
            self.env["relance.run"].with_user(self.basic_user).create(
                {"company_id": self.company.id}
            )
        # an accountant validates runs but nobody deletes history
        run = (
            self.env["relance.run"]
            .with_user(self.accountant)
            .create({"company_id": self.company.id})
        )
        self.assertEqual(run.state, "draft")
        with self.assertRaises(AccessError):
            history.with_user(self.accountant).unlink()
        with self.assertRaises(UserError):
            history.unlink()
        self.assertTrue(history.exists())
