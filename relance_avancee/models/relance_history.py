import functools
from collections import defaultdict

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..report.relance_injunction import INJUNCTION_REPORT
from .account_move import DELAY_CAUSES
from .relance_channel import LETTER_CHANNELS

# call outcomes where the customer was spoken to
ANSWERED_OUTCOMES = ("reached", "promise", "dispute", "plan", "paid", "mediation")

CALL_OUTCOMES = [
    ("reached", "Reached, nothing agreed"),
    ("no_answer", "No answer"),
    ("wrong_number", "Wrong number"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("plan", "Payment plan requested"),
    ("paid", "Says it is already paid"),
    ("mediation", "Mediation"),
]

HISTORY_STATES = [
    ("todo", "To do"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]


class RelanceHistory(models.Model):
    """One dunning action: a channel used at a level for one customer and some invoices.

    The engine only ever adds to this table; records are never deleted."""

    _name = "relance.history"
    _description = "Dunning action"
    _inherit = ["mail.thread", "relance.bulk.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True)
    contact_id = fields.Many2one("res.partner", "Contact")
    level_id = fields.Many2one("relance.level", required=True, index=True, ondelete="restrict")
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    channel_id = fields.Many2one(
        "relance.channel", "Channel", required=True, index=True, ondelete="restrict"
    )
    channel = fields.Selection(related="channel_id.code", store=True, string="Channel code")
    state = fields.Selection(HISTORY_STATES, required=True, default="todo", tracking=True)
    reason = fields.Text(help="Why the action failed, was skipped or is left to do.")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    run_id = fields.Many2one("relance.run", index="btree_not_null", ondelete="set null")
    run_line_id = fields.Many2one("relance.run.line", index="btree_not_null", ondelete="set null")
    line_ids = fields.One2many("relance.history.line", "history_id", "Invoice lines")
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", search="_search_move_ids", string="Invoices"
    )
    amount_due = fields.Monetary("Amount reminded", currency_field="currency_id")
    mail_id = fields.Many2one("mail.mail", "Email", ondelete="set null")
    message_id = fields.Many2one("mail.message", "Message", ondelete="set null")
    activity_id = fields.Many2one("mail.activity", "Activity", ondelete="set null")
    attachment_id = fields.Many2one("ir.attachment", "Document", ondelete="set null")
    call_outcome = fields.Selection(CALL_OUTCOMES, readonly=True)
    call_tries = fields.Integer("Calls made", readonly=True)
    cause = fields.Selection(
        DELAY_CAUSES,
        "Cause of delay",
        readonly=True,
        help="The cause of the delay the customer gave during this call.",
    )
    registered_letter_number = fields.Char(
        "Registered letter number",
        tracking=True,
        help="Number of the registered letter with acknowledgment.",
    )
    acknowledgment_date = fields.Date(
        "Acknowledgment of receipt",
        tracking=True,
        help="The date on the acknowledgment of receipt: of the first presentation when the "
        "letter was not collected. The formal notice takes effect on it.",
    )
    sent_date = fields.Date(
        "Posted on",
        readonly=True,
        help="Letter or formal notice: the day it was marked as posted (done), else its "
        "action's date. A formal notice's presumed receipt counts from it.",
    )
    receipt_date = fields.Date(
        "Received on",
        compute="_compute_receipt_deadline",
        help="Formal notice: the acknowledgment of receipt, else presumed the company's "
        "delivery days after the sending.",
    )
    receipt_presumed = fields.Boolean("Receipt presumed", compute="_compute_receipt_deadline")
    deadline_date = fields.Date(
        "Deadline to pay",
        compute="_compute_receipt_deadline",
        help="The date the letter gives to pay: its days after the letter, after the receipt "
        "for a formal notice.",
    )
    escalate_date = fields.Date(
        "Escalates on",
        readonly=True,
        help="The calls went unanswered: the next level comes forward to this date.",
    )
    scheduled_at = fields.Datetime(
        "Scheduled for",
        readonly=True,
        help="Out of the policy's sending window, the email or SMS goes out at its next "
        "opening.",
    )
    call_reached = fields.Boolean(
        "After a call",
        compute="_compute_call_reached",
        help="The customer was reached on the phone about these invoices before this action: "
        "its message may refer to the call.",
    )
    unallocated_sentence = fields.Char(
        "Money not allocated", compute="_compute_unallocated_sentence"
    )
    invoice_table_html = fields.Html(
        compute="_compute_invoice_table_html", sanitize=False, string="Invoices table"
    )
    # the handover action (relance_executor_handover.py): who took the file over, the
    # costs its order for payment file claims, what the agency recovered
    handover_partner_id = fields.Many2one(
        "res.partner", "Handed over to", readonly=True, index="btree_not_null"
    )
    handover_costs = fields.Monetary("Costs claimed", currency_field="currency_id", readonly=True)
    recovery_ids = fields.One2many("relance.recovery", "handover_id", "Recoveries")

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for history in self:
            history.move_ids = history.line_ids.move_id

    def _search_move_ids(self, operator, value):
        return [("line_ids.move_id", operator, value)]

    def _compute_call_reached(self):
        """One query for all the actions: the calls logged as answered on their invoices."""
        first_call = dict(
            self.env["relance.history.line"]._read_group(
                [
                    ("move_id", "in", self.line_ids.move_id.ids),
                    ("channel", "=", "call"),
                    ("history_id.call_outcome", "in", ANSWERED_OUTCOMES),
                ],
                ["move_id"],
                ["date:min"],
            )
        )
        for history in self:
            history.call_reached = any(
                move in first_call and first_call[move] <= history.date
                for move in history.line_ids.move_id
            )

    @api.depends(
        "channel",
        "date",
        "sent_date",
        "acknowledgment_date",
        "level_id.notice_deadline_days",
        "company_id.relance_notice_delivery_days",
    )
    def _compute_receipt_deadline(self):
        receipts = self.env["relance.executor.notice"]._receipts(self)
        for history in self:
            receipt, presumed = receipts.get(history, (False, False))
            history.receipt_date = receipt
            history.receipt_presumed = presumed
            start = receipt if history.channel == "notice" else history.date
            history.deadline_date = (
                fields.Date.add(start, days=history.level_id.notice_deadline_days)
                if start and history.channel in LETTER_CHANNELS
                else False
            )

    def _call_partner(self):
        self.ensure_one()
        contact = self.contact_id
        return contact if contact.relance_phone_e164 else self.partner_id

    @api.depends("level_id", "partner_id", "channel_id")
    def _compute_display_name(self):
        for history in self:
            history.display_name = " — ".join(
                filter(
                    None,
                    [history.partner_id.name, history.level_id.name, history.channel_id.name],
                )
            )

    @api.depends("partner_id", "company_id")
    @api.depends_context("lang")
    def _compute_unallocated_sentence(self):
        sentences = self.env["relance.unallocated"]._sentences(self)
        for history in self:
            history.unallocated_sentence = sentences.get(history, False)

    def _bank_sentence(self):
        """How to pay this action's invoices by transfer (``res.company``)."""
        self.ensure_one()
        return self.company_id._relance_bank_transfer_sentence(self.line_ids.move_id)

    @api.depends("line_ids")
    def _compute_invoice_table_html(self):
        qweb = self.env["ir.qweb"]
        formatters = {}
        for history in self:
            lang = history.contact_id.lang or history.partner_id.lang or self.env.lang
            if lang not in formatters:
                formatters[lang] = self._formatters(lang)
            format_date_in, format_amount_in = formatters[lang]
            history = history.with_context(lang=lang)  # noqa: PLW2901
            history.invoice_table_html = qweb.with_context(lang=lang)._render(
                "relance_avancee.relance_invoice_table",
                {
                    "stages": history._covers_several_levels(),
                    "rows": history._invoice_table_rows(format_date_in, format_amount_in),
                    "totals": [
                        (currency.name, format_amount_in(amount, currency))
                        for currency, amount in history._totals_by_currency()
                    ],
                    "bank_sentence": history._bank_sentence(),
                    "unallocated_sentence": history.unallocated_sentence,
                },
            )

    def _formatters(self, lang):
        """``(format_date, format_amount)`` in ``lang`` (Odoo's), each value formatted
        once: the invoices of the actions rendered together share many dates and
        amounts (an invoice's total is its residual until it is partly paid)."""
        env = self.env

        @functools.cache
        def format_date_in(value):
            return format_date(env, value, lang_code=lang)

        @functools.cache
        def format_amount_in(amount, currency):
            return format_amount(env, amount, currency, lang)

        return format_date_in, format_amount_in

    def _invoice_table_rows(self, format_date_in, format_amount_in):
        """The rows of the mail's table of invoices, formatted by the given functions
        (``_formatters``)."""
        self.ensure_one()
        rows = []
        for line in self.line_ids:
            move = line.move_id
            rows.append(
                {
                    "name": move.name,
                    "url": move.get_base_url() + move.get_portal_url(),
                    "date": format_date_in(move.invoice_date),
                    "due": format_date_in(move.invoice_date_due),
                    "stage": line.level_id.name,
                    "total": format_amount_in(move.amount_total, move.currency_id),
                    "residual": format_amount_in(line.amount_residual, move.currency_id),
                    "late": max((self.date - move.invoice_date_due).days, 0),
                }
            )
        return rows

    # ------------------------------------------------------------------------------------
    # Amounts as the customer reads them: in each invoice's currency, totalled per currency
    # ------------------------------------------------------------------------------------

    def _totals_by_currency(self):
        """[(currency, amount still due)] of the action's invoices, one per currency."""
        self.ensure_one()
        totals = defaultdict(float)
        for line in self.line_ids:
            totals[line.move_id.currency_id] += line.amount_residual
        return sorted(totals.items(), key=lambda item: item[0].name)

    def _amounts_text(self):
        """The amounts due as one text: "1,200.00 $ + 300.00 CHF"."""
        return " + ".join(
            currency.format(amount) for currency, amount in self._totals_by_currency()
        )

    def _covers_several_levels(self):
        """Does this action cover invoices at different levels (one communication for
        the customer's invoices at their own stages)?"""
        self.ensure_one()
        return len(self.line_ids.level_id) > 1

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("The dunning history is never deleted; cancel the action instead.")
        )

    def write(self, vals):
        if "state" not in vals:
            return super().write(vals)
        was_cancelled = self.filtered(lambda h: h.state == "cancelled")
        moves = self.env["account.move"]
        if not self.filtered(lambda h: h.channel == "handover"):
            # only a handover changes its invoices' handed-over flag: not computed again
            moves = self.line_ids.move_id
        with self.env.protecting([moves._fields["relance_handed_over"]], moves):
            result = super().write(vals)
        # the invoice lines of a cancelled action no longer count (see their unique
        # index); the others are not rewritten when their action changes state
        cancelled = vals["state"] == "cancelled"
        changed = (self - was_cancelled if cancelled else was_cancelled).line_ids
        changed.write({"cancelled": cancelled})
        # at once: a line of a new action for the same invoice may be inserted next
        changed.flush_recordset(["cancelled"])
        return result

    def action_cancel(self):
        self.filtered(lambda h: h.state == "todo").write({"state": "cancelled"})

    def action_done(self):
        todo = self.filtered(lambda h: h.state == "todo")
        todo.write({"state": "done", "reason": False})
        today = fields.Date.context_today(self)
        for letter in todo.filtered(lambda h: h.channel in LETTER_CHANNELS and not h.sent_date):
            letter.sent_date = max(letter.date, today)

    @api.constrains("acknowledgment_date", "date", "sent_date")
    def _check_acknowledgment_date(self):
        today = fields.Date.context_today(self)
        for history in self.filtered("acknowledgment_date"):
            sent = history.sent_date or history.date
            if not sent <= history.acknowledgment_date <= today:
                raise ValidationError(
                    self.env._(
                        "%(notice)s: the receipt (%(received)s) must be between the sending "
                        "(%(sent)s) and today.",
                        notice=history.display_name,
                        received=format_date(self.env, history.acknowledgment_date),
                        sent=format_date(self.env, sent),
                    )
                )

    # ------------------------------------------------------------------------------------
    # Execution: each channel's executor (``relance.channel.executor_model``) takes all the
    # actions of its channel at once (see relance_executor*.py)
    # ------------------------------------------------------------------------------------

    def _execute(self):
        for channel, histories in self.grouped("channel_id").items():
            channel._executor()._execute(histories)

    @api.model
    def _action_values(self, partner, level, channel, moves, **values):
        """The values of one dunning action of ``channel`` at ``level`` for these invoices,
        each recorded at its own level (``levels``: {invoice: level}, default ``level``).
        Other fields (date, contact, run, state…) are given in ``values``."""
        levels = values.pop("levels", {})
        vals = {
            "company_id": (moves.company_id[:1] or level.company_id).id,
            "partner_id": partner.id,
            "contact_id": partner.id,
            "level_id": level.id,
            "channel_id": channel.id,
            "amount_due": sum(moves.mapped("amount_residual_signed")),
            **values,
        }
        # the stored related fields given too: the rows are inserted whole, not updated after
        vals.update(channel=channel.code, policy_id=level.policy_id.id)
        copied = {
            "channel": channel.code,
            "company_id": vals["company_id"],
            "cancelled": vals.get("state") == "cancelled",
            "date": vals.get("date") or fields.Date.context_today(self),
        }
        vals["line_ids"] = [
            Command.create(
                {
                    "move_id": move.id,
                    "level_id": levels.get(move, level).id,
                    "amount_residual": move.amount_residual,
                    **copied,
                }
            )
            for move in moves
        ]
        return vals

    @api.model
    def _create_with_lines(self, vals_list):
        """``create(vals_list)`` for the actions of a run, whose invoice lines are given as
        ``Command.create`` (``_action_values``): the actions and their lines in bulk
        (``relance.bulk.mixin``), amounts in the company's currency for the actions, in
        each invoice's for the lines. A run's actions log no creation message and have
        no follower (as ``create`` with ``tracking_disable``)."""
        lines_list = [vals.get("line_ids", []) for vals in vals_list]
        companies = self.env["res.company"].browse({vals["company_id"] for vals in vals_list})
        histories = self._relance_bulk_create(
            [{k: v for k, v in vals.items() if k != "line_ids"} for vals in vals_list],
            [companies.browse(vals["company_id"]).currency_id for vals in vals_list],
        )
        line_vals = [
            {**command[2], "history_id": history.id}
            for history, commands in zip(histories, lines_list, strict=True)
            for command in commands
        ]
        moves = self.env["account.move"].browse({vals["move_id"] for vals in line_vals})
        # what new lines change on their invoices, computed again only when it can change:
        # the escalation date (new actions have none), handed over (by a done handover)
        kept = []
        if not any(histories.mapped("escalate_date")):
            kept.append(moves._fields["relance_escalate_date"])
        if not histories.filtered(lambda h: h.channel == "handover" and h.state == "done"):
            kept.append(moves._fields["relance_handed_over"])
        with self.env.protecting(kept, moves):
            self.env["relance.history.line"]._relance_bulk_create(
                line_vals, [moves.browse(vals["move_id"]).currency_id for vals in line_vals]
            )
        return histories

    def _schedule_in_sending_window(self):
        """Emails and SMS out of the policy's sending window wait for its next opening:
        ``scheduled_at`` is set and the action says so."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        # actions dated in the past (a simulated run) are not held back by today's hour
        current = self.filtered(lambda h: h.date >= today)
        for policy, histories in current.grouped("policy_id").items():
            when = policy._next_sending_time(now)
            if when > now:
                local = pytz.utc.localize(when).astimezone(policy._sending_tz())
                histories.write(
                    {
                        "scheduled_at": when,
                        "reason": self.env._(
                            "Out of the sending window: goes out on %(when)s.",
                            when=local.strftime("%Y-%m-%d %H:%M"),
                        ),
                    }
                )

    @api.model
    def _cron_send_scheduled_sms(self):
        """Sends the SMS that waited for their sending window to open."""
        due = self.search(
            [
                ("channel", "=", "sms"),
                ("state", "=", "todo"),
                ("scheduled_at", "<=", fields.Datetime.now()),
            ]
        )
        due.write({"reason": False})
        due._execute()

    def _fail_with_fallback(self, reason):
        """Mark the actions failed and propose their channel's fallback instead, once per
        invoice and level whatever the number of channels that fell back to it."""
        self.write({"state": "failed", "reason": reason})
        # a fallback another channel of the same line already proposed
        proposed = {
            (h.run_line_id, h.channel_id)
            for h in self.search(
                [
                    ("run_line_id", "in", self.run_line_id.ids),
                    ("state", "!=", "cancelled"),
                    ("id", "not in", self.ids),
                ]
            )
        }
        fallbacks = []
        for history in self:
            fallback = history.channel_id.fallback_channel_id
            # a level that already uses the fallback channel does not get it twice
            if not fallback or fallback in history.level_id.channel_ids:
                continue
            key = (history.run_line_id or history, fallback)
            if key in proposed:
                continue
            proposed.add(key)
            fallbacks.append(history._fallback_values(fallback, reason))
        return self.create(fallbacks)

    def _fallback_values(self, channel, reason):
        self.ensure_one()
        moves = self.line_ids.move_id
        return self._action_values(
            self.partner_id,
            self.level_id,
            channel,
            moves,
            levels={line.move_id: line.level_id for line in self.line_ids},
            date=self.date,
            contact_id=self.contact_id.id,
            run_id=self.run_id.id,
            run_line_id=self.run_line_id.id,
            user_id=self.user_id.id,
            reason=self.env._(
                "Proposed instead of %(channel)s: %(reason)s",
                channel=self.channel_id.name,
                reason=reason,
            ),
        )

    # ------------------------------------------------------------------------------------
    # Letters and formal notices (relance_executor_letter.py renders them)
    # ------------------------------------------------------------------------------------

    def action_acknowledge_receipt(self):
        """Enters the acknowledgments of receipt of these formal notices."""
        return self.env["relance.acknowledgment"]._open_for(self)

    def action_print_letter(self):
        self._execute()
        return self.env["relance.executor.letter"]._download(self)

    def _early_discounts(self):
        """{invoice: {"date", "amount", "amount_to_pay"}} of this action's invoices that
        still grant their early-payment discount on the action's date: the last day to pay
        with it, the discount and what is left to pay when paid by then, both in the invoice
        currency. As in Odoo's payment registration, an invoice already partly paid no longer
        has the discount."""
        self.ensure_one()
        moves = self.line_ids.move_id.filtered(
            lambda m: (
                m.move_type in m._early_payment_discount_move_types()
                and m.invoice_payment_term_id.early_discount
                and m.payment_state == "not_paid"
            )
        )
        term_lines = moves.line_ids.filtered(
            lambda line: (
                line.display_type == "payment_term"
                and line.discount_date
                and line.discount_date >= self.date
            )
        )
        discounts = {}
        for move, lines in term_lines.grouped("move_id").items():
            total = abs(sum(lines.mapped("amount_currency")))
            to_pay = abs(sum(lines.mapped("discount_amount_currency")))
            if move.currency_id.compare_amounts(total, to_pay) <= 0:
                continue
            discounts[move] = {
                "date": min(lines.mapped("discount_date")),
                "amount": move.currency_id.round(total - to_pay),
                "amount_to_pay": to_pay,
            }
        return discounts

    # ------------------------------------------------------------------------------------
    # Handover: the order for payment file (report/relance_injunction.py)
    # ------------------------------------------------------------------------------------

    def action_print_injunction(self):
        self.ensure_one()
        executor = self.env["relance.executor.handover"]
        data = executor._injunction_data(
            self.partner_id, self.line_ids.move_id, self.date, self.handover_costs
        )
        report = self.env["ir.actions.report"]._get_report(INJUNCTION_REPORT)
        return report.report_action(self.partner_id, data=data)
