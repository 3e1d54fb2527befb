"""Benchmark of the XLSX aged-balance export on 100,000 invoice rows (not a test).

Uses its own database ``relance_xlsx_bench`` (``--db``): created on the first run with
``account`` and ``relance_avancee`` and 2,000 posted customer invoices of 400 customers made
through the ORM (committed, reused by the next runs). In the benchmark's transaction those
invoice headers are then cloned up to the number of rows asked (the export reads
``account_move`` and the partners only), the export runs as in production
(``relance.xlsx.export._build``: one SQL query streamed in batches through a server-side
cursor, xlsxwriter in constant-memory mode), and everything is rolled back. Prints the wall
time, the peak resident memory of the process during the export (Linux peak RSS, reset just
before the export; it includes Odoo's registry, already loaded), and the peak of Python
allocations during a second export (tracemalloc, which slows the pass it watches).

    .venv/bin/python scripts/benchmark_xlsx.py [--rows 100000] [--db relance_xlsx_bench]
"""

import argparse
import io
import random
import subprocess
import threading
import time
import tracemalloc
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "relance_xlsx_bench"
TARGET_SECONDS = 15.0
TARGET_MB = 300.0
N_CUSTOMERS = 400
N_INVOICES = 2000


def prepare_database(name):
    """Creates the database with the modules installed when it does not exist."""
    from odoo.service import db

    if db.exp_db_exist(name):
        print(f"reusing database {name}")
        return
    print(f"creating database {name} with account, relance_avancee (no demo data)…")
    subprocess.run(
        [
            str(ROOT / "scripts" / "odoo.sh"),
            "-d",
            name,
            "-i",
            "account,relance_avancee",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def generate(env):
    """Customers and posted invoices due from 150 days ago to 30 days ahead, through the
    ORM, committed; nothing when they exist already."""
    from odoo import Command, fields

    company = env.company
    if env["account.move"].search_count([("move_type", "=", "out_invoice")]):
        return
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
    env["relance.policy"]._ensure_default_policies(company)
    rng = random.Random(7)  # noqa: S311 (test data)
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
    today = fields.Date.context_today(env.user)
    start = time.perf_counter()
    partners = env["res.partner"].create(
        [{"name": f"Client XLSX {i:04d}", "is_company": i % 3 != 0} for i in range(N_CUSTOMERS)]
    )
    for first in range(0, N_INVOICES, 500):
        vals_list = []
        for i in range(first, first + 500):
            due = today + timedelta(days=rng.randint(-150, 30))
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[i % N_CUSTOMERS].id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Services",
                                "price_unit": round(rng.uniform(50, 8000), 2),
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
        env["account.move"].create(vals_list).action_post()
        env.cr.commit()
        env.invalidate_all()
    print(f"generated {N_INVOICES} invoices in {time.perf_counter() - start:.0f} s")


def rss_mb(field):
    """VmRSS (current) or VmHWM (peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss():
    """Resets the kernel's peak RSS (VmHWM) of this process (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def clone_invoices(env, rows):
    """Copies of the open invoice headers until there are ``rows`` of them."""
    from odoo.tools import SQL

    cr = env.cr
    env.flush_all()
    cr.execute(
        "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' "
        "AND state = 'posted' AND payment_state IN ('not_paid', 'partial')"
    )
    existing = cr.fetchone()[0]
    copy = 0
    while existing < rows:
        copy += 1
        cr.execute(
            SQL(
                """
                INSERT INTO account_move (name, move_type, state, payment_state, company_id,
                       journal_id, currency_id, partner_id, commercial_partner_id, date,
                       invoice_date, invoice_date_due, amount_residual_signed,
                       amount_total_signed, relance_level_id, auto_post)
                SELECT name || %(suffix)s, move_type, state, payment_state, company_id,
                       journal_id, currency_id, partner_id, commercial_partner_id, date,
                       invoice_date, invoice_date_due, amount_residual_signed,
                       amount_total_signed, relance_level_id, auto_post
                  FROM account_move
                 WHERE move_type = 'out_invoice' AND state = 'posted'
                   AND payment_state IN ('not_paid', 'partial')
                   AND name NOT LIKE %(pattern)s
                 LIMIT %(limit)s
                """,
                suffix=f"-C{copy}",
                pattern="%-C%",
                limit=rows - existing,
            )
        )
        existing += cr.rowcount
    return existing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=DB_NAME)
    args = parser.parse_args()

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), "--log-level=warn"], setup_logging=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    prepare_database(args.db)
    threading.current_thread().dbname = args.db
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(context=env["res.users"].context_get())
        generate(env)
        start = time.perf_counter()
        total = clone_invoices(env, args.rows)
        print(f"{total} open invoice rows ready in {time.perf_counter() - start:.1f} s")
        wizard = env["relance.xlsx.export"].create({"export_type": "aged"})
        rss_before = rss_mb("VmRSS")
        reset_peak_rss()
        start = time.perf_counter()
        content = wizard._build()
        seconds = time.perf_counter() - start
        rss_peak = rss_mb("VmHWM")
        del content
        # the peak of Python allocations in a second pass: tracemalloc slows allocations
        tracemalloc.start()
        content = wizard._build()
        _current, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        rows = sheet.max_row - 2  # header and total
        cr.rollback()
    ok = seconds < TARGET_SECONDS and rss_peak < TARGET_MB
    print("=" * 90)
    print(
        f"{'OK  ' if ok else 'MISS'} XLSX aged balance: {rows} invoice rows, "
        f"{len(content) / 2**20:.1f} MB file, {seconds:.1f} s; process peak RSS during the "
        f"export {rss_peak:.0f} MB (of which {rss_before:.0f} MB before it: Odoo, registry); "
        f"peak Python allocations of the export {py_peak / 2**20:.0f} MB"
        f"   [target < {TARGET_SECONDS:g} s, < {TARGET_MB:g} MB]"
    )
    print("=" * 90)


if __name__ == "__main__":
    main()
