from collections import defaultdict

from odoo import api, fields, models

# money from the customer not yet matched with its invoices, in the order shown
UNALLOCATED_KINDS = ("statement", "payment", "credit_note")


class RelanceUnallocated(models.AbstractModel):
    """The money received from customers that is not yet allocated to their invoices (a
    bank statement line not reconciled, a payment or a credit note left open on the
    receivable account), so that nobody reminds an invoice already paid: a warning on the
    proposed lines, a sentence in the reminders."""

    _name = "relance.unallocated"
    _description = "Money received, not yet allocated"

    @api.model
    def _line_values(self, vals_list):
        """The proposed lines' values with the money their customer has not allocated,
        for all the lines with one query per kind."""
        vals_list = [dict(vals) for vals in vals_list]
        todo = [
            vals
            for vals in vals_list
            if vals.get("state", "proposed") == "proposed"
            and vals.get("run_id")
            and vals.get("partner_id")
            and "unallocated_warning" not in vals
        ]
        if not todo:
            return vals_list
        runs = self.env["relance.run"].browse({vals["run_id"] for vals in todo})
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in todo})
        unallocated = self._amounts(runs.company_id, partners.commercial_partner_id)
        for vals in todo:
            company = runs.browse(vals["run_id"]).company_id
            partner = partners.browse(vals["partner_id"]).commercial_partner_id
            found = unallocated.get((company, partner))
            if found:
                vals["unallocated_amount"] = found["total"]
                vals["unallocated_warning"] = self._warning(found["parts"])
        return vals_list

    @api.model
    def _sentences(self, histories):
        """{action: the sentence of its reminder} for the actions whose customer sent money
        not yet allocated (bank statement lines and payments; credit notes are not money
        received), in the context's language, in one query per kind for them all."""
        unallocated = self._amounts(
            histories.company_id,
            histories.partner_id.commercial_partner_id,
            kinds=("statement", "payment"),
        )
        sentences = {}
        for history in histories:
            found = unallocated.get((history.company_id, history.partner_id.commercial_partner_id))
            if not found:
                continue
            by_currency = defaultdict(float)
            for _kind, currency, amount in found["parts"]:
                by_currency[currency] += amount
            sentences[history] = self.env._(
                "We have received %(amount)s from you that we have not yet allocated to your "
                "invoices; if it pays the invoices below, please disregard this reminder.",
                amount=" + ".join(
                    currency.format(amount)
                    for currency, amount in sorted(by_currency.items(), key=lambda i: i[0].name)
                ),
            )
        return sentences

    @api.model
    def _amounts(self, companies, partners, kinds=UNALLOCATED_KINDS):
        """{(company, commercial partner): {"total": amount in company currency,
        "parts": [(kind, currency, amount)]}}: what these customers sent these companies
        and nobody matched yet with invoices. One ``_read_group`` per kind, grouped by
        customer and currency."""
        result = defaultdict(lambda: {"total": 0.0, "parts": []})
        if not companies or not partners:
            return {}
        today = fields.Date.context_today(self)

        def add(company, partner, kind, currency, amount, amount_company=None):
            if currency.is_zero(amount) or amount < 0:
                return
            if amount_company is None:
                amount_company = currency._convert(
                    amount, company.currency_id, company, today, round=True
                )
            entry = result[(company, partner)]
            entry["total"] += amount_company
            entry["parts"].append((kind, currency, amount))

        if "statement" in kinds:
            groups = (
                self.env["account.bank.statement.line"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "in", companies.ids),
                        ("partner_id.commercial_partner_id", "in", partners.ids),
                        ("state", "=", "posted"),
                        ("is_reconciled", "=", False),
                        ("amount", ">", 0),
                    ],
                    [
                        "company_id",
                        "partner_id.commercial_partner_id",
                        "currency_id",
                        "foreign_currency_id",
                    ],
                    ["amount_residual:sum"],
                )
            )
            # the residual of a statement line is in its foreign currency when it has one,
            # negative for money received
            for company, partner, currency, foreign_currency, residual in groups:
                add(company, partner, "statement", foreign_currency or currency, -residual)
        if {"payment", "credit_note"} & set(kinds):
            groups = (
                self.env["account.move.line"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "in", companies.ids),
                        ("partner_id.commercial_partner_id", "in", partners.ids),
                        ("account_id.account_type", "=", "asset_receivable"),
                        ("parent_state", "=", "posted"),
                        ("reconciled", "=", False),
                        ("amount_residual", "<", 0),
                    ],
                    [
                        "company_id",
                        "partner_id.commercial_partner_id",
                        "currency_id",
                        "move_id.move_type",
                    ],
                    ["amount_residual_currency:sum", "amount_residual:sum"],
                )
            )
            for company, partner, currency, move_type, residual_currency, residual in groups:
                kind = "credit_note" if move_type == "out_refund" else "payment"
                if kind in kinds:
                    add(company, partner, kind, currency, -residual_currency, -residual)
        for entry in result.values():
            entry["parts"].sort(key=lambda part: (UNALLOCATED_KINDS.index(part[0]), part[1].name))
        return dict(result)

    @api.model
    def _warning(self, parts):
        """ "Received and not yet allocated: 1,200.00 € (bank statement), 300.00 $
        (payment)"."""
        labels = {
            "statement": self.env._("bank statement"),
            "payment": self.env._("payment"),
            "credit_note": self.env._("credit note"),
        }
        return self.env._(
            "Received and not yet allocated: %(amounts)s",
            amounts=", ".join(
                f"{currency.format(amount)} ({labels[kind]})" for kind, currency, amount in parts
            ),
        )
