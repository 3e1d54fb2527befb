from markupsafe import Markup

from odoo import fields, models
from odoo.tools import html2plaintext


class MailActivity(models.Model):
    _inherit = "mail.activity"

    relance_call_id = fields.Many2one(
        "relance.history",
        "Dunning call",
        compute="_compute_relance_call_id",
        help="The open dunning call this activity is for: 'Log the call' records its outcome.",
    )
    relance_is_call = fields.Boolean("Is a dunning call", compute="_compute_relance_call_id")
    # technical, in no view: what relance.rate._warn_missing_legal_rates knows its
    # activities by, since users may move their deadline or change their type
    relance_rate_half_year = fields.Date(
        "Legal rate of the half-year",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The first day of the half-year whose legal interest rate this activity asks for.",
    )

    def _compute_relance_call_id(self):
        calls = (
            self.env["relance.history"]
            .sudo()
            .search_fetch(
                [("activity_id", "in", self.ids), ("channel", "=", "call"), ("state", "=", "todo")],
                ["activity_id"],
            )
        )
        by_activity = {call.activity_id.id: call for call in calls}
        for activity in self:
            activity.relance_call_id = by_activity.get(activity.id, False)
            activity.relance_is_call = activity.id in by_activity

    def _to_store_defaults(self, target):
        return [*super()._to_store_defaults(target), "relance_is_call"]

    def _action_done(self, feedback=False, attachment_ids=None):
        """A dunning call marked as done from its activity, not with *Log the call*: the
        call was made and nothing was agreed. Its action is closed with the feedback so that
        the ladder goes on (*Log the call* records the other outcomes)."""
        if not self.env.context.get("relance_call_logged"):
            self._relance_close_calls(feedback)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _relance_close_calls(self, feedback):
        calls = self.sudo().relance_call_id
        if not calls:
            return
        note = html2plaintext(feedback or "").strip()
        calls.write({"state": "done", "call_outcome": "reached", "reason": False})
        body = Markup("<p><b>%s</b> %s</p>") % (
            self.env._("Call marked as done from its activity:"),
            dict(calls._fields["call_outcome"]._description_selection(self.env))["reached"],
        )
        if note:
            body += Markup("<p>%s</p>") % note
        for call in calls:
            call.message_post(body=body)
