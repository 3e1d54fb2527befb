import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import tagged

from odoo.addons.base.models.ir_qweb import IrQweb

from .common import RelanceCommon

TODAY = date(2026, 5, 20)


@tagged("post_install", "-at_install")
class TestCustomerMessage(RelanceCommon):
    """What one customer receives: amounts in each invoice's currency, one message for its
    invoices at several levels, the copies, and its replies back in the invoices' chatter.
    The company is in euros, the customer owes a USD and a CHF invoice."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        eur = cls._enable_currency("EUR")
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, relance_no_pdf=True))
        cls.usd = cls.setup_other_currency("USD", rates=[("2020-01-01", 1.25)])
        cls.chf = cls.setup_other_currency("CHF", rates=[("2020-01-01", 0.8)])
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Transports Alpins SA",
                "is_company": True,
                "email": "compta@alpins.example",
                "street": "3 quai du Mont-Blanc",
                "city": "Genève",
                "country_id": cls.env.ref("base.ch").id,
            }
        )
        cls.levels = cls.env["relance.level"]
        cls.email = cls.env.ref("relance_avancee.channel_email")
        cls.template = cls.env.ref("relance_avancee.mail_template_b2b_reminder")

    def _invoice(self, amount, due, currency):
        with freeze_time(due - timedelta(days=30)):
            return self._relance_invoice(self.customer, amount, due, currency_id=currency.id)

    def _level(self, name, channel="email", **values):
        return self.policy_b2b.level_ids.filtered(lambda lv: lv.name == name) or self.env[
            "relance.level"
        ].create(
            {
                "policy_id": self.policy_b2b.id,
                "name": name,
                "channel_ids": [
                    Command.set(self.env.ref(f"relance_avancee.channel_{channel}").ids)
                ],
                **values,
            }
        )

    def _action(self, channel, moves, level, at=None):
        history = self._relance_action(
            self.customer, level, channel, moves, TODAY, user_id=self.accountant.id
        )
        with freeze_time(at or TODAY):
            history._execute()
        return history

    def _html(self, history):
        return self._text(
            self.env["ir.actions.report"]._render_qweb_html(
                "relance_avancee.report_relance_letter", history.ids
            )[0]
        )

    @staticmethod
    def _text(html):
        """The text a reader sees (the monetary widget wraps the figures in a span)."""
        html = html.decode() if isinstance(html, bytes) else str(html)
        return re.sub(r"<[^>]+>", "", html)

    # ------------------------------------------------------------------------------------
    # 1. Foreign currency
    # ------------------------------------------------------------------------------------

    def test_foreign_currency_amounts_in_every_document(self):
        usd = self._invoice(1000.0, TODAY - timedelta(days=60), self.usd)
        chf = self._invoice(400.0, TODAY - timedelta(days=45), self.chf)
        moves = usd | chf
        self.assertEqual(usd.amount_residual_signed, 800.0, "company currency: 1,000 USD")
        reminder = self._level("First reminder")
        mail = self._action("email", moves, reminder).mail_id
        body = self._text(mail.body_html)
        usd_1000, chf_400 = self.usd.format(1000.0), self.chf.format(400.0)
        self.assertIn(usd_1000, body)
        self.assertIn(chf_400, body)
        self.assertIn("Total due (USD)", body)
        self.assertIn("Total due (CHF)", body)
        self.assertNotIn("€", body, "no amount under the company's currency")

        letter = self._html(self._action("letter", moves, self._level("Reminder letter")))
        self.assertIn(usd_1000, letter)
        self.assertIn(chf_400, letter)
        self.assertNotIn("€", letter)
        self.assertNotIn("800.00", letter, "the USD invoice is not claimed in euros")

        notice_level = self._level("Formal notice (mise en demeure)")
        notice = self._action("notice", moves, notice_level)
        html = self._html(notice)
        legal = moves._relance_legal_amounts(TODAY)
        # the law's amounts, computed in euros, are claimed in each invoice's currency
        self.assertEqual(legal[usd.id]["indemnity"], 40.0)
        self.assertIn(self.usd.format(50.0), html, "40 EUR indemnity at 1.25 USD")
        self.assertIn(self.chf.format(32.0), html, "40 EUR indemnity at 0.8 CHF")
        usd_interest = self.usd.round(legal[usd.id]["interest"] * 1.25)
        self.assertIn(self.usd.format(usd_interest), html)
        self.assertIn("Total claimed (USD)", html)
        self.assertIn(self.usd.format(1000.0 + usd_interest + 50.0), html)
        self.assertNotIn("€", html)

        self.assertEqual(notice._amounts_text(), f"{chf_400} + {usd_1000}")
        sms_level = self._level("SMS", channel="sms")
        sms_template = self.env.ref("relance_avancee.sms_template_b2c_reminder")
        sms_level.sms_template_id = sms_template
        self.customer.phone = "+33 6 12 34 56 78"
        sms = self._action("sms", moves, sms_level)
        sms_body = self.env["sms.sms"].search([("partner_id", "=", self.customer.id)]).body
        self.assertIn(usd_1000, sms_body, sms.reason)
        self.assertIn(chf_400, sms_body)

    # ------------------------------------------------------------------------------------
    # 2. One communication per customer and run
    # ------------------------------------------------------------------------------------

    def test_one_mail_for_invoices_at_three_levels(self):
        policy = self.env["relance.policy"].create(
            {"name": "Three emails", "policy_type": "b2b", "company_id": self.company.id}
        )
        levels = self.env["relance.level"].create(
            [
                {
                    "policy_id": policy.id,
                    "sequence": seq,
                    "name": name,
                    "offset_days": offset,
                    "channel_ids": [Command.set(self.email.ids)],
                    "mail_template_id": self.template.id,
                }
                for seq, name, offset in ((1, "L1", 5), (2, "L2", 10), (3, "L3", 20))
            ]
        )
        self.customer.relance_policy_id = policy
        first = self._invoice(100.0, TODAY - timedelta(days=6), self.company.currency_id)
        second = self._invoice(200.0, TODAY - timedelta(days=12), self.company.currency_id)
        third = self._invoice(300.0, TODAY - timedelta(days=25), self.company.currency_id)
        second._relance_light_write(
            {"relance_level_id": levels[0].id, "relance_last_date": TODAY - timedelta(days=7)}
        )
        third._relance_light_write(
            {"relance_level_id": levels[1].id, "relance_last_date": TODAY - timedelta(days=7)}
        )
        moves = first | second | third
        self.assertEqual(moves.relance_next_level_id, levels)
        with freeze_time(TODAY):
            run = self.env["relance.engine"]._prepare_run(TODAY, self.company)
        line = run.line_ids.filtered(lambda ln: ln.partner_id == self.customer)
        self.assertEqual(len(line), 1, "one line per customer, whatever the levels")
        self.assertEqual(line.level_id, levels[2], "at the highest level due")
        self.assertEqual(line.move_ids, moves)
        with freeze_time(TODAY):
            line.action_execute()
        history = line.history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual(len(history.mail_id), 1)
        body = self._text(history.mail_id.body_html)
        for move in moves:
            self.assertIn(move.name, body)
        self.assertIn("Stage", body)
        # each invoice recorded, and now standing, at its own level
        self.assertEqual(
            {hl.move_id: hl.level_id for hl in history.line_ids},
            {first: levels[0], second: levels[1], third: levels[2]},
        )
        self.assertEqual([m.relance_level_id for m in moves], list(levels))

    def test_invoice_notes_stored_as_odoo_logs_them(self):
        """The notes on the invoices are inserted in one query: each row is the one
        ``_message_log_batch`` writes for the same body (every column but the ids and
        the timestamps), and each invoice's chatter shows its own."""
        moves = self._invoice(100.0, TODAY - timedelta(days=20), self.company.currency_id)
        moves |= self._invoice(250.0, TODAY - timedelta(days=15), self.company.currency_id)
        history = self._action("email", moves, self._level("First reminder"))
        notes = {move: move.message_ids[0] for move in moves}
        for note in notes.values():
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
            self.assertIn("Reminder sent by email: First reminder", note.body)
            self.assertIn(history.mail_id.subject, note.body)
        move = moves[0]
        logged = move._message_log_batch(bodies={move.id: notes[move].body})
        self.env.flush_all()
        skipped = {"id", "message_id", "date", "create_date", "write_date"}
        self.env.cr.execute(
            "SELECT * FROM mail_message WHERE id IN %s", (tuple((notes[move] | logged).ids),)
        )
        columns = [c.name for c in self.env.cr.description]
        rows = {row[0]: dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()}
        ours, odoo = rows[notes[move].id], rows[logged.id]
        self.assertEqual(
            {k: v for k, v in ours.items() if k not in skipped},
            {k: v for k, v in odoo.items() if k not in skipped},
        )
        self.assertEqual(move.message_ids[:2], logged | notes[move])

    def test_reminder_mails_stored_as_odoo_creates_them(self):
        """The reminders' mails and their messages are inserted in bulk: each row is the
        one ``mail.mail.create`` writes for the same values (every column but the ids,
        the timestamps and the Message-Id), copies and attachments included."""
        move = self._invoice(100.0, TODAY - timedelta(days=20), self.company.currency_id)
        history = self._relance_action(
            self.customer, self._level("First reminder"), "email", move, TODAY
        )
        history.scheduled_at = datetime(2026, 5, 20, 6, 0)
        pdf = self.env["ir.attachment"].create(
            {"name": "INV.pdf", "raw": b"%PDF-1.4", "res_model": "account.move", "res_id": move.id}
        )
        controller = self.env["res.partner"].create(
            {"name": "Contrôle crédit", "email": "credit@example.com"}
        )
        vals = self.env["relance.executor.email"]._mail_values(
            history,
            {"subject": "Relance", "body_html": "<p>Bonjour</p>", "reply_to": False},
            {move.id: pdf.id},
            self.env.ref("mail.mt_note").id,
            {history.id: (["Service comptable <factures@alpins.example>"], controller)},
        )
        ours = self.env["mail.mail"]._relance_create_mails([dict(vals)])
        odoo = self.env["mail.mail"].sudo().create([dict(vals)])
        self.env.flush_all()

        def rows(table, ids, skipped):
            self.env.cr.execute(f"SELECT * FROM {table} WHERE id IN %s ORDER BY id", (ids,))
            columns = [c.name for c in self.env.cr.description]
            return [
                {k: v for k, v in zip(columns, row, strict=True) if k not in skipped}
                for row in self.env.cr.fetchall()
            ]

        timestamps = {"id", "create_date", "write_date"}
        ours_mail, odoo_mail = rows(
            "mail_mail", (ours.id, odoo.id), {*timestamps, "mail_message_id"}
        )
        self.assertEqual(ours_mail, odoo_mail)
        self.assertEqual(ours_mail["scheduled_date"], datetime(2026, 5, 20, 6, 0))
        ours_message, odoo_message = rows(
            "mail_message",
            (ours.mail_message_id.id, odoo.mail_message_id.id),
            {*timestamps, "message_id", "date"},
        )
        self.assertEqual(ours_message, odoo_message)
        self.assertEqual(ours_message["email_from"], self.company.email_formatted)
        self.assertNotEqual(ours.message_id, odoo.message_id)
        self.assertEqual(ours.recipient_ids, controller)
        self.assertEqual(ours.attachment_ids, pdf)
        self.assertEqual(ours.email_cc, "Service comptable <factures@alpins.example>")
        self.assertIn(ours.mail_message_id, self.customer.message_ids)
        # and the dunning contact's notification of each, read
        notification_model = self.env["mail.notification"]

        def notification(mail):
            return {
                "mail_message_id": mail.mail_message_id.id,
                "mail_mail_id": mail.id,
                "res_partner_id": self.customer.id,
                "notification_type": "email",
                "notification_status": "ready",
            }

        ours_notification = notification_model._relance_create_read([notification(ours)])
        odoo_notification = notification_model.sudo().create(
            [{**notification(odoo), "is_read": True}]
        )
        self.env.flush_all()
        ours_row, odoo_row = rows(
            "mail_notification",
            (ours_notification.id, odoo_notification.id),
            {"id", "mail_message_id", "mail_mail_id", "read_date"},
        )
        self.assertEqual(ours_row, odoo_row)
        self.assertTrue(ours_notification.read_date)
        self.assertEqual(ours.mail_message_id.notification_ids, ours_notification)

    def test_formal_notice_leaves_invoices_not_yet_due_out(self):
        notice = self._level("Formal notice (mise en demeure)")
        late = self._invoice(900.0, TODAY - timedelta(days=41), self.company.currency_id)
        soon = self._invoice(150.0, TODAY + timedelta(days=3), self.company.currency_id)
        letter = self._level("Reminder letter")
        late._relance_light_write(
            {"relance_level_id": letter.id, "relance_last_date": TODAY - timedelta(days=20)}
        )
        self.assertEqual(late.with_context(relance_date=TODAY).relance_next_level_id, notice)
        self.assertTrue(soon.with_context(relance_date=TODAY).relance_next_level_id.offset_days < 0)
        with freeze_time(TODAY):
            run = self.env["relance.engine"]._prepare_run(TODAY, self.company)
        lines = run.line_ids.filtered(lambda ln: ln.partner_id == self.customer)
        proposed = lines.filtered(lambda ln: ln.state == "proposed")
        self.assertEqual(proposed.level_id, notice)
        self.assertEqual(proposed.move_ids, late)
        held = lines.filtered(lambda ln: ln.state == "skipped")
        self.assertEqual(held.move_ids, soon)
        self.assertIn("Not yet due", held.reason)

    # ------------------------------------------------------------------------------------
    # 3. Copies and replies
    # ------------------------------------------------------------------------------------

    def test_copies_and_replies(self):
        accounting = self.env["res.partner"].create(
            {
                "name": "Service comptable",
                "parent_id": self.customer.id,
                "email": "factures@alpins.example",
                "relance_reminder_copy": True,
            }
        )
        self.env["res.partner"].create(
            {"name": "Direction", "parent_id": self.customer.id, "email": "dg@alpins.example"}
        )
        salesperson = self._relance_user("relance_sales", "base.group_user")
        salesperson.email = "vendeur@atelier.example"
        self.accountant.email = "recouvrement@atelier.example"
        self.policy_b2b.write({"copy_salesperson": "cc", "copy_controller": "bcc"})
        invoice = self._invoice(500.0, TODAY - timedelta(days=10), self.company.currency_id)
        invoice.invoice_user_id = salesperson
        history = self._action("email", invoice, self._level("First reminder"))
        mail = history.mail_id
        self.assertEqual(mail.email_to, self.customer.email_formatted)
        self.assertIn(accounting.email, mail.email_cc)
        self.assertIn(salesperson.email, mail.email_cc)
        self.assertNotIn("dg@alpins.example", mail.email_cc)
        self.assertNotIn(self.accountant.email, mail.email_cc or "")
        self.assertEqual(mail.recipient_ids, self.accountant.partner_id, "controller in BCC")
        outgoing = mail._prepare_outgoing_list()
        self.assertEqual(
            [(e["email_to"], e["email_cc"]) for e in outgoing],
            [
                (
                    [self.customer.email_formatted],
                    [accounting.email_formatted, salesperson.partner_id.email_formatted],
                ),
                ([self.accountant.partner_id.email_formatted], []),
            ],
        )

        # the customer answers: the reply reaches the invoice's chatter and its controller
        self.customer.relance_user_id = self.accountant
        reply = (
            f"From: Transports Alpins <{self.customer.email}>\r\n"
            f"To: {mail.reply_to or 'catchall@example.com'}\r\n"
            "Subject: Re: reminder\r\n"
            "Message-ID: <reply-1@alpins.example>\r\n"
            f"In-Reply-To: {mail.message_id}\r\n"
            f"References: {mail.message_id}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
            "We paid it yesterday by transfer.\r\n"
        )
        self.env["mail.thread"].message_process(False, reply)
        note = invoice.message_ids.filtered(lambda m: "We paid it yesterday" in str(m.body))
        self.assertEqual(len(note), 1)
        self.assertIn(self.accountant.partner_id, note.partner_ids)

    # ------------------------------------------------------------------------------------
    # 9. No harassment: sending window, contact cap, the level's script, preferred channel
    # ------------------------------------------------------------------------------------

    def test_sms_at_night_waits_for_the_sending_window(self):
        self.company.partner_id.tz = "Europe/Paris"
        policy = self.policy_b2c
        policy.write({"send_days": "mon_sat", "send_hour_from": 9.0, "send_hour_to": 19.0})
        self.customer.write({"relance_policy_type": "b2c", "phone": "+33 6 12 34 56 78"})
        invoice = self._invoice(80.0, TODAY - timedelta(days=12), self.company.currency_id)
        level = policy.level_ids.filtered(lambda lv: lv.sms_template_id)[:1]
        email_level = policy.level_ids.filtered(lambda lv: lv.mail_template_id)[:1]
        # Wednesday 20 May 2026, 23:00 in Paris (21:00 UTC): nothing goes out
        night = "2026-05-20 21:00:00"
        sms = self._action("sms", invoice, level, at=night)
        mail = self._action("email", invoice, email_level, at=night).mail_id
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(sms.state, "todo")
        self.assertEqual(str(sms.scheduled_at), "2026-05-21 07:00:00", "9:00 in Paris")
        self.assertIn("Out of the sending window", sms.reason)
        self.assertEqual(str(mail.scheduled_date), "2026-05-21 07:00:00")
        with freeze_time("2026-05-21 06:59:00"):
            self.env["relance.history"]._cron_send_scheduled_sms()
        self.assertEqual(sms.state, "todo")
        with freeze_time("2026-05-21 07:05:00"):
            self.env["relance.history"]._cron_send_scheduled_sms()
        self.assertEqual(sms.state, "done")
        self.assertTrue(self.env["sms.sms"].search([("partner_id", "=", self.customer.id)]))
        # Saturday evening: Monday morning (no SMS on Sundays)
        self.assertEqual(
            str(policy._next_sending_time(datetime(2026, 5, 23, 18, 0))), "2026-05-25 07:00:00"
        )

    def test_contact_cap_holds_the_next_action_back(self):
        self.policy_b2b.write({"contact_cap_count": 1, "contact_cap_days": 3})
        reminded = self._invoice(700.0, TODAY - timedelta(days=30), self.company.currency_id)
        self._action("email", reminded, self._level("First reminder"))
        late = self._invoice(300.0, TODAY - timedelta(days=8), self.company.currency_id)
        proposal = self.env["relance.engine"]._compute_proposal(
            TODAY + timedelta(days=2), self.company
        )
        lines = [vals for vals in proposal if vals["partner_id"] == self.customer.id]
        self.assertEqual({vals["state"] for vals in lines}, {"skipped"})
        self.assertTrue(all("Held back" in vals["reason"] for vals in lines))
        self.assertIn(str(TODAY + timedelta(days=3)), lines[0]["reason"])
        proposal = self.env["relance.engine"]._compute_proposal(
            TODAY + timedelta(days=3), self.company
        )
        proposed = [
            vals
            for vals in proposal
            if vals["partner_id"] == self.customer.id and vals["state"] == "proposed"
        ]
        self.assertEqual(len(proposed), 1)
        self.assertIn(late.id, proposed[0]["move_ids"][0][2])

    def test_preferred_channel_and_level_script(self):
        self.customer.write({"relance_channel_preference": "call", "phone": "04 72 10 20 30"})
        self.customer.country_id = self.env.ref("base.fr")
        level = self._level("First reminder")
        level.note = "<p>Ask for Mrs Favre, who approves the payments.</p>"
        invoice = self._invoice(500.0, TODAY - timedelta(days=10), self.company.currency_id)
        with freeze_time(TODAY):
            run = self.env["relance.engine"]._prepare_run(TODAY, self.company)
            line = run.line_ids.filtered(lambda ln: ln.partner_id == self.customer)
            line.action_execute()
        self.assertEqual(line.history_ids.mapped("channel"), ["call"], "call instead of email")
        self.assertIn(invoice, line.history_ids.move_ids)
        note = str(line.history_ids.activity_id.note)
        self.assertIn("Ask for Mrs Favre", note)
        self.assertNotIn("accounts payable department", note)

    def test_mail_body_compiled_once_for_all_batches(self):
        """The jobs of a run render the same mail bodies: the first batch compiles a body,
        the next ones (each in a transaction of its own) reuse it, and each mail is still
        its own customer's."""
        self.env.registry.clear_cache("templates")
        level = self._level("First reminder")
        other = self.customer.copy({"name": "Vins du Lavaux SA", "email": "compta@lavaux.example"})
        compiled = []
        generate = IrQweb._generate_code_uncached

        def counting(qweb, template):
            if isinstance(template, etree._Element):
                compiled.append(template)
            return generate(qweb, template)

        histories, counts = [], []
        with patch.object(IrQweb, "_generate_code_uncached", counting):
            for partner, amount in ((self.customer, 100.0), (other, 250.0)):
                self.env.cr.cache.clear()  # what a new job's transaction starts with
                with freeze_time(TODAY - timedelta(days=40)):
                    move = self._relance_invoice(partner, amount, TODAY - timedelta(days=10))
                history = self._relance_action(partner, level, "email", move, TODAY)
                with freeze_time(TODAY):
                    history._execute()
                histories.append((history, move))
                counts.append(len(compiled))
        self.assertGreater(counts[0], 0, "the first batch compiles the body")
        self.assertEqual(counts[1], counts[0], "the second reuses it")
        (first, first_move), (second, second_move) = histories
        self.assertIn(first_move.name, self._text(first.mail_id.body_html))
        self.assertIn(second_move.name, self._text(second.mail_id.body_html))
        self.assertNotIn(first_move.name, self._text(second.mail_id.body_html))
