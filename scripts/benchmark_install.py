"""Benchmark: installing relance_avancee on a database that already has 100,000 posted customer
invoices (not a test).

Creates the database ``relance_install_bench`` with ``account``, posts a few hundred invoices
with the ORM, multiplies them in SQL into valid copies (each copy a posted invoice with its own
name, lines and due date; receivables balanced as the originals), installs the module, and
prints: the install time, the set-based backfill alone (run again after clearing its fields),
how many invoices entered dunning per state, and the first daily proposal::

    .venv/bin/python scripts/benchmark_install.py [--invoices 100000] [--reuse]

``--reuse`` keeps the database and its invoices and measures the backfill and the proposal
again. About 3 minutes from scratch on 2 cores.
"""

import argparse
import random
import subprocess
import threading
import time
import warnings
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "odoo.conf"
DB_NAME = "relance_install_bench"
BASE_INVOICES = 500
CUSTOMERS = 250
TARGET_BACKFILL_SECONDS = 10.0


def odoo(*args):
    start = time.perf_counter()
    subprocess.run(
        [str(ROOT / "scripts" / "odoo.sh"), "-d", DB_NAME, *args, "--log-level=warn"], check=True
    )
    return time.perf_counter() - start


def environment(registry):
    import odoo as odoo_pkg
    from odoo import api

    cr = registry.cursor()
    env = api.Environment(cr, odoo_pkg.SUPERUSER_ID, {})
    return env(context=env["res.users"].context_get())


def base_invoices(env, seed):
    """Customers (half companies, half individuals) and posted invoices, with the ORM."""
    from odoo import fields

    if not env.company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
    rng = random.Random(seed)  # noqa: S311 (test data)
    today = fields.Date.context_today(env.user)
    partners = env["res.partner"].create(
        [{"name": f"Existing customer {i:04d}", "is_company": i % 2 == 0} for i in range(CUSTOMERS)]
    )
    return post_invoices(
        env,
        partners,
        BASE_INVOICES,
        lambda _i: today + timedelta(days=rng.randint(-90, 20)),
        rng,
    )


def post_invoices(env, partners, count, due_of, rng):
    """``count`` posted customer invoices with the ORM, the customers in turn, invoice ``i``
    due on ``due_of(i)``: one service line at a random price, no tax; committed."""
    from odoo import Command

    vals_list = []
    for i in range(count):
        due = due_of(i)
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": partners[i % len(partners)].id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Services", "price_unit": rng.randint(100, 5000), "tax_ids": []}
                    )
                ],
            }
        )
    invoices = env["account.move"].create(vals_list)
    invoices.action_post()
    env.cr.commit()
    return invoices


def columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        (table,),
    )
    return [name for (name,) in cr.fetchall() if name not in skip]


def multiply(env, invoices, total):
    """Copies of the ORM invoices in SQL until ``total`` invoices: each copy round shifts the
    due dates by a few days and renames the invoices; lines follow their invoice."""
    cr = env.cr
    move_cols = columns(cr, "account_move", {"id", "name", "invoice_date_due"})
    line_cols = columns(cr, "account_move_line", {"id", "move_id", "move_name", "date_maturity"})
    cr.execute("ALTER TABLE account_move ADD COLUMN bench_src integer")
    rounds = total // len(invoices) - 1
    start = time.perf_counter()
    for copy in range(1, rounds + 1):
        shift = (copy * 7) % 61 - 30
        cr.execute(
            f"""
            INSERT INTO account_move ({", ".join(move_cols)}, name, invoice_date_due, bench_src)
            SELECT {", ".join(move_cols)}, name || '-C' || %(copy)s,
                   invoice_date_due + %(shift)s, id
              FROM account_move WHERE id IN %(ids)s
            """,  # noqa: S608 (column names from the catalogue)
            {"copy": copy, "shift": shift, "ids": tuple(invoices.ids)},
        )
        cr.execute(
            f"""
            INSERT INTO account_move_line ({", ".join(line_cols)}, move_id, move_name,
                                           date_maturity)
            SELECT {", ".join(f"line.{c}" for c in line_cols)}, move.id, move.name,
                   line.date_maturity + %(shift)s
              FROM account_move_line line
              JOIN account_move move ON move.bench_src = line.move_id
             WHERE move.bench_src IS NOT NULL
            """,  # noqa: S608
            {"shift": shift},
        )
        cr.execute("UPDATE account_move SET bench_src = NULL WHERE bench_src IS NOT NULL")
        if copy % 20 == 0 or copy == rounds:
            cr.commit()
            print(f"  {(copy + 1) * len(invoices)} invoices ({time.perf_counter() - start:.0f} s)")
    cr.execute("ALTER TABLE account_move DROP COLUMN bench_src")
    cr.commit()


def measure(env, today):
    from odoo import fields
    from odoo.tools import SQL

    cr = env.cr
    companies = env["res.company"].search([])
    # the dunning states at the date, computed by one query (never stored)
    start = time.perf_counter()
    positions = env["relance.engine"]._positions(today, SQL("TRUE"))
    positions_seconds = time.perf_counter() - start
    states = sorted(Counter(state for _level, _date, state, _due in positions.values()).items())
    # the backfill alone, from invoices without policy nor prescription date
    cr.execute(
        "UPDATE account_move SET relance_policy_id = NULL, relance_prescription_date = NULL"
        " WHERE move_type = 'out_invoice'"
    )
    env.invalidate_all()
    start = time.perf_counter()
    env["relance.engine"]._backfill(companies)
    backfill = time.perf_counter() - start
    start = time.perf_counter()
    env["relance.engine"]._backfill(companies)
    again = time.perf_counter() - start
    start = time.perf_counter()
    proposal = env["relance.engine"]._compute_proposal(today, companies)
    proposal_seconds = time.perf_counter() - start
    proposed = [vals for vals in proposal if vals["state"] == "proposed"]
    cr.rollback()
    return {
        "states": states,
        "positions": positions_seconds,
        "backfill": backfill,
        "again": again,
        "proposal": proposal_seconds,
        "customers": len(proposed),
        "invoices": sum(len(vals["move_ids"][0][2]) for vals in proposed),
        "date": fields.Date.to_string(today),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from odoo import fields
    from odoo.modules.registry import Registry
    from odoo.service import db
    from odoo.tools import config

    config.parse_config(["-c", str(CONF), "--log-level=warn"], setup_logging=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    threading.current_thread().dbname = DB_NAME
    install_seconds = None
    if not (args.reuse and db.exp_db_exist(DB_NAME)):
        if db.exp_db_exist(DB_NAME):
            db.exp_drop(DB_NAME)
        print(f"creating {DB_NAME} with account…")
        odoo("-i", "account", "--stop-after-init")
        env = environment(Registry(DB_NAME))
        invoices = base_invoices(env, args.seed)
        print(f"multiplying {len(invoices)} ORM invoices to {args.invoices} in SQL…")
        multiply(env, invoices, args.invoices)
        env.cr.close()
        print("installing relance_avancee on them…")
        install_seconds = odoo("-i", "relance_avancee", "--stop-after-init")
    env = environment(Registry.new(DB_NAME))
    try:
        count = env["account.move"].search_count([("move_type", "=", "out_invoice")])
        res = measure(env, fields.Date.context_today(env.user))
    finally:
        env.cr.close()
    print(f"\nrelance_avancee installed on existing data — {DB_NAME}, {res['date']}")
    print(f"  customer invoices                 {count}")
    if install_seconds is not None:
        print(f"  module install (whole -i)         {install_seconds:.1f} s")
    verdict = "met" if res["backfill"] < TARGET_BACKFILL_SECONDS else "MISSED"
    print(
        f"  backfill (policy, prescription)  {res['backfill']:.2f} s "
        f"(target < {TARGET_BACKFILL_SECONDS:.0f} s: {verdict})"
    )
    print(f"  backfill again (idempotent)       {res['again']:.2f} s")
    print(f"  dunning states of all invoices    {res['positions']:.2f} s (one query, at the date)")
    print("  invoices by dunning state after the install:")
    for state, number in res["states"]:
        print(f"    {state or '-':<12} {number}")
    print(
        f"  first daily proposal              {res['proposal']:.2f} s: "
        f"{res['customers']} customers, {res['invoices']} invoices proposed"
    )


if __name__ == "__main__":
    main()
