from datetime import timedelta

from markupsafe import Markup

from odoo import _, fields, models
from odoo.tools import is_html_empty

# call outcomes where the customer was spoken to
ANSWERED_OUTCOMES = ("reached", "promise", "dispute", "plan", "paid")


class RelanceHistory(models.Model):
    """Phone channel: a "Call" activity on the customer for its credit controller, due the
    next working day, with what to say; the outcome is logged with the "Log the call"
    wizard (wizards/relance_call_log.py), which plans the next step."""

    _inherit = "relance.history"

    call_reached = fields.Boolean(
        "After a call",
        compute="_compute_call_reached",
        help="The customer was reached on the phone about these invoices before this action: "
        "its message may refer to the call.",
    )

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

    def _execute_call(self):
        no_phone = self.filtered(lambda h: not h._call_partner().relance_phone_e164)
        by_warning = no_phone.grouped(lambda h: h._call_partner().relance_phone_warning)
        for warning, histories in by_warning.items():
            histories._fail_with_fallback(_("No call possible: %(warning)s", warning=warning))
        callable_ = self - no_phone
        if callable_:
            callable_._schedule_calls()

    def _call_partner(self):
        self.ensure_one()
        contact = self.contact_id
        return contact if contact.relance_phone_e164 else self.partner_id

    def _call_user(self):
        """The credit controller, else the salesperson, else the policy's default user."""
        self.ensure_one()
        partner = self.partner_id
        return (
            partner.relance_user_id
            or partner.user_id
            or self.level_id.policy_id.default_user_id
            or self.user_id
            or self.env.user
        )

    def _schedule_calls(self):
        activity_type = self.env.ref("mail.mail_activity_data_call")
        previous = self.search(
            [("partner_id", "in", self.partner_id.ids), ("id", "not in", self.ids)]
        ).grouped("partner_id")
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = [
            {
                "activity_type_id": activity_type.id,
                "res_model_id": model_id,
                "res_id": history.partner_id.id,
                "user_id": history._call_user().id,
                "date_deadline": history._call_deadline(),
                "summary": _("Dunning call: %(amount)s overdue", amount=history._amounts_text()),
                "note": history._call_note(previous.get(history.partner_id, self.browse())[:5]),
            }
            for history in self
        ]
        activities = self.env["mail.activity"].sudo().create(vals_list)
        for history, activity in zip(self, activities, strict=True):
            history.activity_id = activity
            history.call_tries = history.call_tries + 1
            history.reason = _("Call planned for %(date)s.", date=activity.date_deadline)

    def _call_deadline(self, after_days=1):
        """The next working day at least ``after_days`` after the action's date: the
        working days and public holidays of the company's calendar when there is one
        (module ``resource``), else Monday to Friday."""
        self.ensure_one()
        weekdays, holidays = {0, 1, 2, 3, 4}, []
        calendar = self.company_id._fields.get("resource_calendar_id") and (
            self.company_id.resource_calendar_id
        )
        if calendar:
            weekdays = {int(a.dayofweek) for a in calendar.attendance_ids} or weekdays
            holidays = [
                (leave.date_from.date(), leave.date_to.date())
                for leave in calendar.global_leave_ids
            ]
        day = fields.Date.add(self.date, days=after_days)
        for _attempt in range(31):
            if day.weekday() in weekdays and not any(a <= day <= b for a, b in holidays):
                break
            day += timedelta(days=1)
        return day

    def _call_note(self, previous):
        """What the controller needs on the phone: invoices, total, days late, previous
        actions and a short script in the tone of the policy."""
        self.ensure_one()
        partner = self._call_partner()
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % _(
                "%(invoice)s due %(due)s: %(amount)s, %(days)s days late",
                invoice=line.move_id.name,
                due=line.move_id.invoice_date_due,
                amount=line.move_id.currency_id.format(line.amount_residual),
                days=max((self.date - line.move_id.invoice_date_due).days, 0),
            )
            for line in self.line_ids
        )
        done = Markup("").join(
            Markup("<li>%s</li>") % f"{h.date}: {h.display_name}" for h in previous
        )
        if not is_html_empty(self.level_id.note):
            script = self.level_id.note  # the level's own call script
        elif self.level_id.policy_id.policy_type == "b2c":
            script = _(
                "Introduce yourself, check you speak to %(name)s, remind the amount kindly and "
                "ask whether there is a difficulty. Offer to pay in 3 instalments. Agree on a "
                "date and log the call.",
                name=partner.name,
            )
        else:
            script = _(
                "Ask for the accounts payable department. Give the invoice numbers and the "
                "amount, ask for the payment date and the reason for the delay (invoice "
                "received? approved? disputed?). Confirm the promise by email and log the call."
            )
        parts = [
            Markup("<p><b>%s</b> %s (%s)</p>")
            % (_("Call"), partner.relance_phone_national, partner.name),
            Markup("<ul>%s</ul>") % rows,
            Markup("<div><b>%s</b> %s</div>") % (_("Script:"), script),
        ]
        if self.level_id.policy_id.call_window:
            parts.append(
                Markup("<p>%s</p>")
                % _(
                    "Calling window (good practice): Monday to Friday, 10:00-13:00 and "
                    "14:00-20:00."
                )
            )
        if previous:
            parts.append(Markup("<p><b>%s</b></p><ul>%s</ul>") % (_("Previous actions:"), done))
        return Markup("").join(parts)
