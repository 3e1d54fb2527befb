"""Benchmark of the XLSX aged-balance export on 100,000 invoice rows (not a test).

Uses the database ``relance_bench`` made by ``scripts/benchmark.py`` (10,000 posted
invoices). Its invoice headers are cloned in the benchmark's transaction up to the number
of rows asked (the export reads ``account_move`` only), the export runs as in production
(``relance.xlsx.export._build``: one SQL query streamed in batches, xlsxwriter in
constant-memory mode), then everything is rolled back. Prints the wall time, the peak of
Python allocations during a second export (tracemalloc, which slows the pass it watches)
and the process's peak RSS (which includes Odoo's registry).

    .venv/bin/python scripts/benchmark_xlsx.py [--rows 100000]
"""

import argparse
import io
import resource
import threading
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "relance_bench"
TARGET_SECONDS = 15.0
TARGET_MB = 300.0


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
                       amount_total_signed, relance_level_id, relance_state, auto_post)
                SELECT name || %(suffix)s, move_type, state, payment_state, company_id,
                       journal_id, currency_id, partner_id, commercial_partner_id, date,
                       invoice_date, invoice_date_due, amount_residual_signed,
                       amount_total_signed, relance_level_id, relance_state, auto_post
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
    args = parser.parse_args()

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.service import db
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), "--log-level=warn"], setup_logging=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if not db.exp_db_exist(DB_NAME):
        raise SystemExit(f"{DB_NAME} does not exist: run scripts/benchmark.py first")
    threading.current_thread().dbname = DB_NAME
    registry = Registry(DB_NAME)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(context=env["res.users"].context_get())
        start = time.perf_counter()
        total = clone_invoices(env, args.rows)
        print(f"{total} open invoice rows ready in {time.perf_counter() - start:.1f} s")
        wizard = env["relance.xlsx.export"].create({"export_type": "aged"})
        start = time.perf_counter()
        content = wizard._build()
        seconds = time.perf_counter() - start
        # the peak memory in a second pass: tracemalloc slows allocations down
        tracemalloc.start()
        wizard._build()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        rows = sheet.max_row - 2  # header and total
        cr.rollback()
    ok = seconds < TARGET_SECONDS and peak / 2**20 < TARGET_MB
    print("=" * 90)
    print(
        f"{'OK  ' if ok else 'MISS'} XLSX aged balance: {rows} invoice rows, "
        f"{len(content) / 2**20:.1f} MB file, {seconds:.1f} s, peak Python allocations "
        f"{peak / 2**20:.0f} MB during the export, process peak RSS {rss_mb:.0f} MB"
        f"   [target < {TARGET_SECONDS:g} s, < {TARGET_MB:g} MB]"
    )
    print("=" * 90)


if __name__ == "__main__":
    main()
