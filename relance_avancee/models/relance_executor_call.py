from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import is_html_empty


class RelanceExecutorCall(models.AbstractModel):
    """Phone channel: a "Call" activity on the customer for its credit controller, due the
    next working day, with what to say; the outcome is logged with the "Log the call"
    wizard (wizards/relance_call_log.py), which plans the next step."""

    _name = "relance.executor.call"
    _inherit = "relance.executor"
    _description = "Dunning call executor"

    def _execute(self, histories):
        no_phone = histories.filtered(lambda h: not h._call_partner().relance_phone_e164)
        by_warning = no_phone.grouped(lambda h: h._call_partner().relance_phone_warning)
        for warning, warned in by_warning.items():
            warned._fail_with_fallback(self.env._("No call possible: %(warning)s", warning=warning))
        if histories - no_phone:
            self._schedule_calls(histories - no_phone)

    def _call_user(self, history):
        """Who calls: the customer's credit controller."""
        return history.partner_id._relance_credit_controller(
            policy=history.level_id.policy_id,
            salesperson=history.line_ids.move_id.invoice_user_id[:1],
        )

    def _schedule_calls(self, histories):
        activity_type = self.env.ref("mail.mail_activity_data_call")
        previous = (
            self.env["relance.history"]
            .search(
                [("partner_id", "in", histories.partner_id.ids), ("id", "not in", histories.ids)]
            )
            .grouped("partner_id")
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = [
            {
                "activity_type_id": activity_type.id,
                "res_model_id": model_id,
                "res_id": history.partner_id.id,
                "user_id": self._call_user(history).id,
                "date_deadline": self._deadline(history),
                "summary": self.env._(
                    "Dunning call: %(amount)s overdue", amount=history._amounts_text()
                ),
                "note": self._note(history, previous.get(history.partner_id, history.browse())[:5]),
            }
            for history in histories
        ]
        activities = self.env["mail.activity"].sudo().create(vals_list)
        for history, activity in zip(histories, activities, strict=True):
            history.activity_id = activity
            history.call_tries = history.call_tries + 1
            history.reason = self.env._("Call planned for %(date)s.", date=activity.date_deadline)

    def _deadline(self, history, after_days=1):
        """The next working day at least ``after_days`` after the action's date: the
        working days and public holidays of the company's calendar when there is one
        (module ``resource``), else Monday to Friday."""
        weekdays, holidays = {0, 1, 2, 3, 4}, []
        company = history.company_id
        calendar = company._fields.get("resource_calendar_id") and company.resource_calendar_id
        if calendar:
            weekdays = {int(a.dayofweek) for a in calendar.attendance_ids} or weekdays
            holidays = [
                (leave.date_from.date(), leave.date_to.date())
                for leave in calendar.global_leave_ids
            ]
        day = fields.Date.add(history.date, days=after_days)
        for _attempt in range(31):
            if day.weekday() in weekdays and not any(a <= day <= b for a, b in holidays):
                break
            day += timedelta(days=1)
        return day

    def _note(self, history, previous):
        """What the controller needs on the phone: invoices, total, days late, previous
        actions and a short script in the tone of the policy."""
        partner = history._call_partner()
        rows = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(invoice)s due %(due)s: %(amount)s, %(days)s days late",
                invoice=line.move_id.name,
                due=line.move_id.invoice_date_due,
                amount=line.move_id.currency_id.format(line.amount_residual),
                days=max((history.date - line.move_id.invoice_date_due).days, 0),
            )
            for line in history.line_ids
        )
        done = Markup("").join(
            Markup("<li>%s</li>") % f"{h.date}: {h.display_name}" for h in previous
        )
        if not is_html_empty(history.level_id.note):
            script = history.level_id.note  # the level's own call script
        elif history.level_id.policy_id.policy_type == "b2c":
            script = self.env._(
                "Introduce yourself, check you speak to %(name)s, remind the amount kindly and "
                "ask whether there is a difficulty. Offer to pay in 3 instalments. Agree on a "
                "date and log the call.",
                name=partner.name,
            )
        else:
            script = self.env._(
                "Ask for the accounts payable department. Give the invoice numbers and the "
                "amount, ask for the payment date and the reason for the delay (invoice "
                "received? approved? disputed?). Confirm the promise by email and log the call."
            )
        parts = [
            Markup("<p><b>%s</b> %s (%s)</p>")
            % (self.env._("Call"), partner.relance_phone_national, partner.name),
            Markup("<ul>%s</ul>") % rows,
            Markup("<div><b>%s</b> %s</div>") % (self.env._("Script:"), script),
        ]
        if history.level_id.policy_id.call_window:
            parts.append(
                Markup("<p>%s</p>")
                % self.env._(
                    "Calling window (good practice): Monday to Friday, 10:00-13:00 and "
                    "14:00-20:00."
                )
            )
        if previous:
            parts.append(
                Markup("<p><b>%s</b></p><ul>%s</ul>") % (self.env._("Previous actions:"), done)
            )
        return Markup("").join(parts)
