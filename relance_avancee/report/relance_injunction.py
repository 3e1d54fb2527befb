from odoo import Command, api, fields, models

from ..legal import registry_numbers

INJUNCTION_REPORT = "relance_avancee.report_relance_injunction"
LETTER_MODEL = "report.relance_avancee.report_relance_letter"


class ReportRelanceInjunction(models.AbstractModel):
    """The order for payment file (injonction de payer) of a customer handed over: what
    the request form (Cerfa n°12948) asks — the parties, the claim, the competent court,
    the evidence — and whether the simplified recovery of small claims is open. Put in
    the handover file (models/relance_executor_handover.py), printed again from the
    handover action (data: ``partner_id``, ``move_ids``, ``date``, ``costs``).

    The figures are the formal notice's: each invoice as its latest notice claimed it,
    through the letter report's own rows (report/relance_letter.py); an invoice without a
    notice, or paid in part since, is claimed at the file's date the same way."""

    _name = "report.relance_avancee.report_relance_injunction"
    _description = "Order for payment file"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids or data.get("partner_id")).exists()
        date = fields.Date.to_date(data.get("date")) or fields.Date.context_today(self)
        if data.get("move_ids"):
            moves = self.env["account.move"].browse(data["move_ids"])
        else:
            # printed without its invoices: the customers' open ones
            moves = self.env["account.move"].search(
                [
                    *self.env["account.move"]._relance_open_invoice_domain(self.env.companies),
                    ("commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ]
            )
        specs = [
            (partner, moves.filtered(lambda m, p=partner: m.commercial_partner_id == p))
            for partner in partners.commercial_partner_id
        ]
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "files": self._files(specs, date, data.get("costs") or 0.0),
        }

    def _files(self, specs, date, costs=0.0):
        """One file per (customer, invoices handed over) at the date: {"partner",
        "company", "date", "business", "creditor", "debtor", "court", "rows", "totals",
        "simplified", "claim_eur", "threshold", "notices", "reminders", "terms"}."""
        all_moves = self.env["account.move"].union(*(moves for _partner, moves in specs))
        notice_of = self._notices(all_moves._relance_open())
        histories = self.env["relance.history"].search(
            [
                ("partner_id", "in", [partner.id for partner, _moves in specs]),
                ("line_ids.move_id", "in", all_moves.ids),
                ("state", "in", ("todo", "done")),
                ("channel", "!=", "handover"),
            ],
            order="date, id",
        )
        return [
            self._file(partner, moves._relance_open(), date, costs, notice_of, histories)
            for partner, moves in specs
        ]

    def _file(self, partner, moves, date, costs, notice_of, histories):
        """One file (see ``_files``); ``histories``: the customers' dunning actions."""
        legal = self.env["relance.legal"]
        moves = moves.sorted(lambda m: (m.invoice_date_due, m.name))
        company = moves.company_id[:1] or self.env.company
        rows = self._rows(partner, moves, date, notice_of)
        simplified, claim_eur, threshold = legal._simplified_procedure(partner, moves, date)
        actions = histories.filtered(lambda h: h.partner_id == partner and h.move_ids & moves)
        return {
            "partner": partner,
            "company": company,
            "date": date,
            "business": partner.relance_policy_type == "b2b",
            "creditor": registry_numbers(company.company_registry, company.vat),
            "debtor": registry_numbers(partner.company_registry, partner.vat),
            "court": legal._court(partner),
            "moves": moves,
            "rows": rows,
            "totals": self._totals(rows, company.currency_id, costs),
            "simplified": simplified,
            "claim_eur": claim_eur,
            "threshold": threshold,
            "notices": actions.filtered(lambda h: h.channel == "notice"),
            "reminders": actions.filtered(lambda h: h.channel != "notice" and h.state == "done"),
            "terms": moves.invoice_payment_term_id,
        }

    def _notices(self, moves):
        """{invoice: the latest formal notice whose figures still hold for it} in one
        query: the notice claimed what the invoice still owes (no payment since)."""
        lines = self.env["relance.history.line"].search_fetch(
            [
                ("move_id", "in", moves.ids),
                ("channel", "=", "notice"),
                ("state", "in", ("todo", "done")),
            ],
            ["move_id", "history_id", "amount_residual", "date"],
            order="date desc, id desc",
        )
        latest = {}
        for line in lines:
            latest.setdefault(line.move_id, line)
        return {
            move: line.history_id
            for move, line in latest.items()
            if not move.currency_id.compare_amounts(line.amount_residual, move.amount_residual)
        }

    def _rows(self, partner, moves, date, notice_of):
        """The letter report's rows of these invoices, each with its ``basis``: the formal
        notice its figures are the ones of, else False (computed at the date)."""
        letter = self.env[LETTER_MODEL]
        rows = []
        covered = self.env["account.move"]
        by_notice = {}
        for move in moves.filtered(lambda m: m in notice_of):
            by_notice.setdefault(notice_of[move], covered)
            by_notice[notice_of[move]] |= move
        for notice, notice_moves in by_notice.items():
            legal_amounts = letter._legal_amounts(notice)
            rows += [
                dict(row, basis=notice)
                for row in letter._rows(notice, legal_amounts)
                if row["move"] in notice_moves
            ]
            covered |= notice_moves
        if moves - covered:
            current = self._current_action(partner, moves - covered, date)
            rows += [
                dict(row, basis=False)
                for row in letter._rows(current, letter._legal_amounts(current))
            ]
        order = {move: index for index, move in enumerate(moves)}
        return sorted(rows, key=lambda row: order[row["move"]])

    def _current_action(self, partner, moves, date):
        """A dunning action of these invoices at the date, not saved: what a notice sent
        that day would claim."""
        return self.env["relance.history"].new(
            {
                "date": date,
                "company_id": moves.company_id[:1].id,
                "partner_id": partner.id,
                "line_ids": [
                    Command.create({"move_id": move.id, "amount_residual": move.amount_residual})
                    for move in moves
                ],
            }
        )

    def _totals(self, rows, currency, costs):
        """The letter's totals per currency with the ``costs`` claimed (company currency)."""
        totals = self.env[LETTER_MODEL]._totals(rows)
        for total in totals:
            total["costs"] = 0.0
        if costs:
            total = next((t for t in totals if t["currency"] == currency), None)
            if total is None:
                total = dict.fromkeys(("residual", "interest", "indemnity", "total"), 0.0)
                total["currency"] = currency
                totals.append(total)
            total["costs"] = costs
            total["total"] += costs
        return totals
