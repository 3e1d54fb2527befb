from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestOverlappingRuns(TransactionCase):
    """Two runs on two real database connections over the same invoices: the reminder is
    sent once. The data is committed (each connection must see it) on the database's main
    company, under a customer of its own."""

    def _connect(self):
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {"relance_no_pdf": True})

    def _commit_invoices(self, env):
        company = env.ref("base.main_company")
        env["relance.policy"]._ensure_default_policies(company)
        partner = env["res.partner"].create(
            {"name": "Overlap SAS", "is_company": True, "email": "overlap@example.com"}
        )
        today = fields.Date.context_today(env["res.partner"])
        sale = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
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
                        fields.Command.create(
                            {"name": "Service", "price_unit": amount, "tax_ids": []}
                        )
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
        engine_a, engine_b = env_a["relance.engine"], env_b["relance.engine"]
        # both runs are prepared before either commits: they propose the same invoices
        run_a = engine_a._prepare_run(today, company)
        run_b = engine_b._prepare_run(today, company)
        lines_a = run_a.line_ids.filtered(lambda line: line.partner_id.id == partner.id)
        lines_b = run_b.line_ids.filtered(lambda line: line.partner_id.id == partner.id)
        self.assertEqual(lines_a.move_ids.ids, invoices.ids)
        self.assertEqual(lines_b.move_ids.ids, invoices.ids)
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
