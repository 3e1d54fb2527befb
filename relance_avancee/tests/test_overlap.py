from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields, sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

# what creating a company makes for it, left behind when it is deleted
COMPANY_RECORDS = ("partner_id", "resource_calendar_id", "batch_payment_sequence_id")


@tagged("post_install", "-at_install")
class TestOverlappingRuns(TransactionCase):
    """Two runs on two real database connections over the same invoices: the reminder is
    sent once. The data is committed (each connection must see it) in a company of its own,
    then deleted, even when the test fails: every table is left with its rows of before."""

    def setUp(self):
        super().setUp()
        self.company_id = self.partner_id = None
        # cleanups run last in, first out: the deletion, then the check
        self.addCleanup(self._assert_counts_unchanged, self._table_counts())
        self.addCleanup(self._delete_committed)

    def _cursor(self):
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _connect(self):
        cr = self._cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {"relance_no_pdf": True})

    def _table_counts(self):
        """The number of committed rows of each table of the database."""
        with self._cursor() as cr:
            cr.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [table for (table,) in cr.fetchall()]
            cr.execute(
                SQL(" UNION ALL ").join(
                    SQL("SELECT %s, count(*) FROM %s", table, SQL.identifier(table))
                    for table in tables
                )
            )
            return dict(cr.fetchall())

    def _assert_counts_unchanged(self, before):
        after = self._table_counts()
        changed = {
            table: (count, after.get(table))
            for table, count in before.items()
            if after.get(table) != count
        }
        self.assertEqual(changed, {}, "rows left behind (table: (before, after))")

    def _delete_committed(self):
        """Deletes the test's company and everything in it, as an uninstallation would
        (the dunning history is otherwise immutable)."""
        if not self.company_id:
            return
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {MODULE_UNINSTALL_FLAG: True})
            company = env["res.company"].browse(self.company_id)
            in_company = [("company_id", "=", company.id)]
            env["relance.history"].search(in_company).unlink()
            env["relance.run"].search(in_company).unlink()
            invoices = env["account.move"].search(in_company)
            invoices.filtered(lambda move: move.state == "posted").button_draft()
            invoices.unlink()
            env["res.partner"].browse(self.partner_id).exists().unlink()
            env["relance.policy"].with_context(active_test=False).search(in_company).unlink()
            env["account.journal"].search(in_company).unlink()
            env["account.account"].search([("company_ids", "in", company.ids)]).unlink()
            # the creator's access to the company (and so its multi-company group) goes too
            env["res.users"].browse(SUPERUSER_ID).company_ids -= company
            # and what the company's creation made for it
            made_with = [company[name] for name in COMPANY_RECORDS if name in company]
            company.unlink()
            for records in made_with:
                records.unlink()

    def _commit_invoices(self, env):
        company = env["res.company"].create(
            {"name": "Overlap company", "email": "overlap-company@example.com"}
        )
        self.company_id = company.id
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        Account = env["account.account"].with_company(company)
        receivable, income = Account.create(
            [
                {
                    "name": "Customers",
                    "code": "411000",
                    "account_type": "asset_receivable",
                    "reconcile": True,
                    "company_ids": [Command.set(company.ids)],
                },
                {
                    "name": "Services",
                    "code": "706000",
                    "account_type": "income",
                    "company_ids": [Command.set(company.ids)],
                },
            ]
        )
        sale = env["account.journal"].create(
            {
                "name": "Overlap sales",
                "code": "OVL",
                "type": "sale",
                "company_id": company.id,
                "default_account_id": income.id,
            }
        )
        partner = (
            env["res.partner"]
            .with_company(company)
            .create(
                {
                    "name": "Overlap SAS",
                    "is_company": True,
                    "email": "overlap@example.com",
                    "property_account_receivable_id": receivable.id,
                }
            )
        )
        self.partner_id = partner.id
        today = fields.Date.context_today(env["res.partner"])
        invoices = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "journal_id": sale.id,
                    "invoice_date": today - timedelta(days=40),
                    "invoice_date_due": today - timedelta(days=10),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                    ],
                }
                for amount in (700.0, 300.0)
            ]
        )
        invoices.action_post()
        env.cr.commit()
        return company, partner, invoices, today

    def test_two_overlapping_runs_send_once(self):
        env_a, env_b = self._connect(), self._connect()
        company, partner, invoices, today = self._commit_invoices(env_a)
        self.assertEqual(len(invoices.relance_policy_id), 1)
        self.assertEqual(invoices.relance_policy_id.company_id, company)  # its own copy
        engine_a, engine_b = env_a["relance.engine"], env_b["relance.engine"]
        # both runs are prepared before either commits: they propose the same invoices
        run_a = engine_a._prepare_run(today, company)
        run_b = engine_b._prepare_run(today, company)
        lines_a = run_a.line_ids.filtered(lambda line: line.partner_id.id == partner.id)
        lines_b = run_b.line_ids.filtered(lambda line: line.partner_id.id == partner.id)
        self.assertEqual(lines_a.move_ids, invoices)
        self.assertEqual(lines_b.move_ids, invoices)
        env_a.cr.commit()
        env_b.cr.commit()

        # A executes and holds the invoices' row locks; B, meanwhile, skips them
        lines_a._execute(include_manual=True)
        lines_b._execute(include_manual=True)
        self.assertEqual(lines_a.state, "done")
        self.assertEqual(lines_b.state, "proposed")
        env_a.cr.commit()
        # B's transaction ends (a cron batch is one transaction); its next batch retries and
        # finds the work done
        env_b.cr.commit()
        env_b.invalidate_all()
        lines_b._execute(include_manual=True)
        self.assertEqual(lines_b.state, "skipped")
        env_b.cr.commit()

        env = self._connect()
        history = env["relance.history.line"].search([("move_id", "in", invoices.ids)])
        self.assertEqual(len(history), 2)  # one per invoice, for the level's single channel
        self.assertEqual(len(history.history_id), 1)
        mails = env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(len(mails), 1)
        level = env["account.move"].browse(invoices.ids).relance_level_id
        self.assertEqual(level.name, "First reminder")
