import io

import xlsxwriter

from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

AGED_COLUMNS = [
    # (title, width, format key)
    (_lt("Customer"), 32, None),
    (_lt("Invoice"), 18, None),
    (_lt("Invoice date"), 12, "date"),
    (_lt("Due date"), 12, "date"),
    (_lt("Days overdue"), 10, "int"),
    (_lt("Age"), 14, None),
    (_lt("Dunning level"), 26, None),
    (_lt("Dunning state"), 14, None),
    (_lt("Credit controller"), 20, None),
    (_lt("Amount due"), 16, "money"),
]
HISTORY_COLUMNS = [
    (_lt("Date"), 12, "date"),
    (_lt("Customer"), 32, None),
    (_lt("Level"), 26, None),
    (_lt("Channel"), 14, None),
    (_lt("State"), 12, None),
    (_lt("Invoices"), 30, None),
    (_lt("Amount reminded"), 16, "money"),
    (_lt("Details"), 50, None),
]


class RelanceXlsxExport(models.TransientModel):
    """XLSX exports for managers, written row by row by xlsxwriter in constant-memory
    mode: the aged balance with the dunning status per invoice, and the actions of a
    period."""

    _name = "relance.xlsx.export"
    _description = "Dunning XLSX export"

    export_type = fields.Selection(
        [("aged", "Aged balance with dunning status"), ("history", "Dunning history")],
        required=True,
        default="aged",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    date = fields.Date("At", default=fields.Date.context_today)
    date_from = fields.Date(default=lambda self: fields.Date.add(fields.Date.today(), months=-1))
    date_to = fields.Date(default=fields.Date.context_today)
    move_ids = fields.Many2many("account.move", string="Only these invoices")

    def action_export(self):
        self.ensure_one()
        content = self._build()
        name = (
            self.env._("Aged balance %(date)s.xlsx", date=self.date)
            if self.export_type == "aged"
            else self.env._(
                "Dunning history %(start)s %(end)s.xlsx", start=self.date_from, end=self.date_to
            )
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "new",
            "close": True,  # the download opens, the dialog closes
        }

    def _check_company_allowed(self):
        """The rows are read in SQL: only from a company the user may access."""
        if self.env.su:
            return
        for export in self:
            if export.company_id not in self.env.user.company_ids:
                raise AccessError(
                    self.env._(
                        "You have no access to the company %(company)s.",
                        company=export.company_id.sudo().name,
                    )
                )

    def _build(self):
        self._check_company_allowed()
        if self.export_type == "aged":
            return self._write(self.env._("Aged balance"), AGED_COLUMNS, self._aged_rows())
        return self._write(self.env._("Dunning history"), HISTORY_COLUMNS, self._history_rows())

    def _write(self, title, columns, rows):
        """The rows in a sheet: frozen header, autofilter, widths, number/date/currency
        formats and a total row as a formula."""
        output = io.BytesIO()
        # constant memory: each row goes to a temporary file once written ("in_memory"
        # would disable it)
        workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
        sheet = workbook.add_worksheet(title[:31])
        currency = self.company_id.currency_id
        money_format = f'#,##0.{"0" * currency.decimal_places} "{currency.symbol}"'
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "int": workbook.add_format({"num_format": "0"}),
            "money": workbook.add_format({"num_format": money_format}),
            "total": workbook.add_format({"bold": True, "num_format": money_format}),
            None: None,
        }
        for col, (name, width, _fmt) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, self.env._(name), formats["header"])
        sheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                fmt = formats[columns[col][2]]
                if value is None or value is False:
                    continue
                if columns[col][2] == "date":
                    sheet.write_datetime(count, col, value, fmt)
                elif isinstance(value, int | float):
                    sheet.write_number(count, col, value, fmt)
                else:
                    sheet.write_string(count, col, str(value))
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
        money_col = next(i for i, column in enumerate(columns) if column[2] == "money")
        total_row = count + 1
        sheet.write_string(total_row, 0, self.env._("Total"), formats["header"])
        column = xlsxwriter.utility.xl_col_to_name(money_col)
        sheet.write_formula(
            total_row, money_col, f"=SUBTOTAL(9,{column}2:{column}{count + 1})", formats["total"]
        )
        workbook.close()
        return output.getvalue()

    def _aged_rows(self):
        """Rows of the aged balance, streamed from one SQL query (the report's own)."""
        report = self.env["relance.receivable.report"]
        buckets = dict(report._fields["age_bucket"]._description_selection(self.env))
        states = dict(report._fields["relance_state"]._description_selection(self.env))
        where = SQL("TRUE")
        if self.move_ids:
            where = SQL("report.move_id IN %s", tuple(self.move_ids.ids))
        self.env["account.move"].flush_model()
        query = SQL(
            """
            SELECT partner.name, move.name, report.invoice_date, report.invoice_date_due,
                   report.days_overdue, report.age_bucket,
                   COALESCE(level.name->>%(lang)s, level.name->>'en_US'), report.relance_state,
                   controller.name, report.amount_residual
              FROM (%(report)s) report
              JOIN account_move move ON move.id = report.move_id
              JOIN res_partner partner ON partner.id = report.partner_id
              LEFT JOIN relance_level level ON level.id = report.level_id
              LEFT JOIN res_users users ON users.id = report.user_id
              LEFT JOIN res_partner controller ON controller.id = users.partner_id
             WHERE report.company_id = %(company)s AND %(where)s
             ORDER BY partner.name, report.invoice_date_due
            """,
            report=report._query(self.date),
            lang=self.env.lang or "en_US",
            company=self.company_id.id,
            where=where,
        )
        for record in self._stream(query):
            row = list(record)
            row[5], row[7] = buckets.get(row[5]), states.get(row[7])
            yield row

    def _history_rows(self):
        history = self.env["relance.history"]
        channels = dict(history._fields["channel"]._description_selection(self.env))
        states = dict(history._fields["state"]._description_selection(self.env))
        history.flush_model()
        query = SQL(
            """
            SELECT history.date, partner.name,
                   COALESCE(level.name->>%(lang)s, level.name->>'en_US'),
                   history.channel, history.state,
                   (SELECT string_agg(move.name, ', ')
                      FROM relance_history_line line
                      JOIN account_move move ON move.id = line.move_id
                     WHERE line.history_id = history.id),
                   history.amount_due, history.reason
              FROM relance_history history
              JOIN res_partner partner ON partner.id = history.partner_id
              JOIN relance_level level ON level.id = history.level_id
             WHERE history.company_id = %(company)s
               AND history.date BETWEEN %(start)s AND %(end)s
             ORDER BY history.date, history.id
            """,
            lang=self.env.lang or "en_US",
            company=self.company_id.id,
            start=self.date_from,
            end=self.date_to,
        )
        for record in self._stream(query):
            row = list(record)
            row[3], row[4] = channels.get(row[3]), states.get(row[4])
            yield row

    def _stream(self, query, size=5000):
        """Rows of a query fetched ``size`` at a time through a server-side cursor of the
        same transaction: memory stays flat whatever the number of rows."""
        cr = self.env.cr
        cr.execute(SQL("DECLARE relance_xlsx_rows NO SCROLL CURSOR FOR %s", query))
        try:
            while True:
                cr.execute(SQL("FETCH %s FROM relance_xlsx_rows", size))
                rows = cr.fetchall()
                if not rows:
                    break
                yield from rows
        finally:
            cr.execute(SQL("CLOSE relance_xlsx_rows"))
