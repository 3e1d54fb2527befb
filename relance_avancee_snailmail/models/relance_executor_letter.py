from odoo import models

LETTER_ACTION = "relance_avancee.action_report_relance_letter"


class RelanceExecutorLetter(models.AbstractModel):
    """The letters of the levels posted by Snailmail (``relance.level.snailmail_send``) get
    their Snailmail letter, once each; Snailmail's cron prints and posts them (see
    snailmail_letter.py for the action following it)."""

    _inherit = "relance.executor.letter"

    def _execute(self, histories):
        super()._execute(histories)
        self._post_by_snailmail(histories)

    def _post_by_snailmail(self, histories):
        to_post = histories.filtered(
            lambda h: (
                h.channel == "letter"
                and h.level_id.snailmail_send
                and h.state == "todo"
                and h.attachment_id
            )
        )
        if not to_post:
            return
        posted = set(
            self.env["snailmail.letter"]
            .search([("model", "=", "relance.history"), ("res_id", "in", to_post.ids)])
            .mapped("res_id")
        )
        to_post = to_post.filtered(lambda h: h.id not in posted)
        to_post.write(
            {"reason": self.env._("Posted by Odoo Snailmail: done once the post has it.")}
        )
        report = self.env.ref(LETTER_ACTION)
        self.env["snailmail.letter"].create(
            [
                {
                    "model": "relance.history",
                    "res_id": history.id,
                    "partner_id": history.contact_id.id,
                    "company_id": history.company_id.id,
                    "user_id": history.user_id.id or self.env.uid,
                    "report_template": report.id,
                }
                for history in to_post
            ]
        )._snailmail_print(immediate=False)
