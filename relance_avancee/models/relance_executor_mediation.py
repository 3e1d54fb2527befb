from odoo import models


class RelanceExecutorMediation(models.AbstractModel):
    """Mediation channel: before a court claim, the file is referred to a mediator —
    between businesses the Médiateur des entreprises (free, for payment delays and
    disputes), with a consumer the company's consumer mediator (Code de la consommation
    L612-1). A manual channel, never executed by the cron: once an accountant executes it,
    a mediation over the action's open invoices pauses their reminders until it ends
    (relance_mediation.py), and the action is left to do: refer the file, then mark it as
    done. Executing it again opens no second mediation."""

    _name = "relance.executor.mediation"
    _inherit = "relance.executor"
    _description = "Dunning mediation executor"

    def _execute(self, histories):
        mediation_model = self.env["relance.mediation"]
        opened = mediation_model.search([("history_id", "in", histories.ids)]).history_id
        vals_list, todo = [], histories.browse()
        for history in histories - opened:
            # an invoice already in an open mediation stays in that one
            moves = history.line_ids.move_id._relance_open().filtered(
                lambda m: not m.relance_mediation
            )
            if not moves:
                history.reason = self.env._(
                    "No unpaid invoice left to refer to a mediator (paid, or already in "
                    "mediation)."
                )
                continue
            vals_list.append(
                mediation_model._values_for(
                    moves,
                    mediator_type=mediation_model._default_type(history.partner_id),
                    history_id=history.id,
                    user_id=history.user_id.id,
                )
            )
            todo |= history
        mediations = mediation_model.create(vals_list)
        for history, mediation in zip(todo, mediations, strict=True):
            history.reason = self.env._(
                "%(mediation)s: refer the file to the mediator, then mark the action as done. "
                "The reminders wait until the mediation ends.",
                mediation=mediation.display_name,
            )
