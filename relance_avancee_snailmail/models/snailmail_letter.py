from odoo import models
from odoo.tools import html2plaintext


class SnailmailLetter(models.Model):
    _inherit = "snailmail.letter"

    def _generate_report_pdf(self, report):
        """A dunning letter is posted as it is printed: followed by its invoices when its
        level appends them (``relance.executor.letter._append_invoices``)."""
        filename, pdf = super()._generate_report_pdf(report)
        if self.model == "relance.history":
            history = self.env["relance.history"].browse(self.res_id)
            pdfs = self.env["relance.executor.letter"]._append_invoices(history, {history.id: pdf})
            pdf = pdfs[history.id]
        return filename, pdf

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") in ("sent", "error"):
            self._relance_follow()
        return result

    def _relance_follow(self):
        """The dunning actions follow their letters: posted, the action is done; not
        posted, it says why and stays to do (printed and posted by hand), the letter
        cancelled."""
        letters = self.filtered(lambda letter: letter.model == "relance.history")
        histories = self.env["relance.history"].browse(letters.mapped("res_id")).exists()
        by_id = {history.id: history for history in histories}
        for letter in letters.filtered(lambda letter: letter.res_id in by_id):
            history = by_id[letter.res_id]
            if letter.state == "sent":
                history.action_done()
            elif history.state == "todo":
                history.reason = self.env._(
                    "Odoo Snailmail did not post the letter: %(error)s Print and post it, "
                    "then mark it as done.",
                    error=html2plaintext(letter.info_msg or "").strip(),
                )
                # posted by hand: Snailmail's cron must not post it again later
                letter.cancel()
