"""Benchmark of a dunning run executed by queue_job's jobs on 100,000 invoices (not a test).

Prints figures against the targets of a 2-core machine: the proposal (time, SQL queries per
invoice), then the execution of the run's email lines by a real Odoo server with HTTP
workers and queue_job's runner, with 1 and with 2 jobs at once: without PDF, with the
invoice PDFs already stored, with the PDFs rendered during the run (on a subset of
customers); wall time, ms per customer, peak RSS of each kind of server process.

1. Database ``relance_jobs_bench`` (``--reuse`` keeps it, and updates the modules to the
   checkout's code): ``-i account`` and the generic
   chart, ``--customers`` companies with an email (ORM, in batches), ``BASE_INVOICES``
   posted invoices with the ORM, then SQL copies up to ``--invoices``: each copy has its own
   name and its own customer (``partner_id``, ``commercial_partner_id``,
   ``partner_shipping_id`` on the move, ``partner_id`` on its lines), the same balanced lines
   and due date; the due dates are 7 to 14 days ago (the B2B "First reminder", email). Then
   ``-i relance_avancee_queue_job`` on them (the module's backfill brings them into dunning).
   Checked: the invoice count, balanced moves, a sample whose ``amount_residual`` equals its
   receivable line's residual (SQL on every invoice, the ORM on a sample). Then ``VACUUM
   ANALYZE``, which a production server's autovacuum would have done since: the CI
   machines' PostgreSQL runs with ``autovacuum = off``.
2. The proposal in this process (``relance.engine._compute_proposal``, rolled back): wall
   time, SQL queries of this thread. Then, in a copy ``relance_jobs_bench_proposed``, the
   run is prepared for real (``_prepare_run``, timed) and committed: the template of each
   execution. One execution job's work (``job_size`` customers, ``_relance_job_execute``
   without PDF) is also run in this process, rolled back, for its queries per customer.
3. For each N of ``--workers``: for each phase, a copy of the template
   (``createdb -T``, filestore hard-linked), a server (``scripts/odoo.sh --workers N+1
   --max-cron-threads=0 --load=base,web,queue_job``, ``ODOO_QUEUE_JOB_CHANNELS=root:N,
   root.relance:N``) in its own process group: N+1 HTTP workers in every phase, one more
   than the jobs at once, which the PDF phases need (wkhtmltopdf loads the report CSS from
   the server). Once the runner is ready, the run is validated in this process (the action
   enqueues the jobs, ``--job-size`` customers each) and committed; the clock runs from the
   validation to the run ``done`` (its closing job). psutil samples the RSS of every process
   of the group every 0.2 s. Then the server is stopped and the copy dropped. Phases:

   * ``email``: every email line, the levels' ``attach_invoices`` off (no PDF);
   * ``stored``: every email line, with every invoice's PDF already stored (no PDF job).
     Rendering 100,000 PDFs takes far longer than the run (see the ``rendered`` phase's
     ms per invoice), so by default one customer's invoices are rendered for real and the
     other invoices get a copy of one of those real PDFs, created in SQL (same
     ``ir.attachment`` row as Send & Print's, same file in the filestore): the reminders
     attach the stored PDF (a link), whatever its bytes. ``--real-stored-pdfs`` renders
     them all for real (through ``relance.executor._store_invoice_pdfs``, long);
   * ``rendered``: the first ``--pdf-customers`` customers of the run only (the other lines
     excluded before the validation), their PDFs rendered by the run's PDF jobs.

Usage::

    .venv/bin/python scripts/benchmark_jobs.py [--invoices 100000] [--customers 20000] \
        [--reuse] [--pdf-customers 500] [--job-size 200] [--workers 1,2] \
        [--phases email,stored,rendered] [--timeout 900] [--drop]

Wait until the machine is idle first (the load average is printed). The invoices are due
relative to the day they are generated: reuse the database the same day.
"""

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import psutil
from benchmark_install import columns, post_invoices
from odoo_processes import (
    connect,
    db_params,
    free_port,
    group_members,
    port_free,
    query,
    server_command,
)

ROOT = Path(__file__).resolve().parent.parent
ODOO_SH = ROOT / "scripts" / "odoo.sh"
CONF = ROOT / "odoo.conf"
DB_NAME = "relance_jobs_bench"
MODULE = "relance_avancee_queue_job"
JOB_SIZE_PARAM = "relance_avancee_queue_job.job_size"
EXECUTE = "_relance_job_execute"
STORE_PDFS = "_relance_job_store_pdfs"
FINISH = "_relance_job_finish"
PARTNER_PREFIX = "Jobs bench customer"
BASE_INVOICES = 500  # with the ORM, then copied in SQL
PARTNER_BATCH = 2000
SAMPLE = 300  # invoices checked with the ORM
POLL = 0.2  # seconds between two looks at the database and at the processes
STOP_TIMEOUT = 30
PHASES = ("email", "stored", "rendered")
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")

# targets on the 2-core machine
TARGET_PROPOSAL_SECONDS = 8.0
TARGET_QUERIES_PER_INVOICE = 0.01
TARGET_WHOLE_RUN_SECONDS = 60.0
TARGET_SPEEDUP = 1.7
TARGET_RSS_MB = 400.0
TARGET_RENDERED_MS = 150.0


class BenchError(Exception):
    """The benchmark cannot go on (a server that dies, a run that does not end)."""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DB_NAME, help=f"default {DB_NAME}")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument(
        "--pdf-customers", type=int, default=500, help="customers of the 'rendered' phase"
    )
    parser.add_argument("--job-size", type=int, default=200, help="customers per job")
    parser.add_argument("--workers", default="1,2", help="jobs at once, e.g. 1,2")
    parser.add_argument("--phases", default=",".join(PHASES), help="among " + ",".join(PHASES))
    parser.add_argument(
        "--timeout", type=int, default=900, help="seconds at most for one execution phase"
    )
    parser.add_argument(
        "--real-stored-pdfs",
        action="store_true",
        help="'stored' phase: render every invoice PDF for real beforehand (long)",
    )
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=900,
        help="seconds at most to wait, before the measures, until no crash_test.py nor "
        "pytest runs or the load average is below 1",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",") if n.strip()]
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}")
    return args


# ----------------------------------------------------------------------------------------
# PostgreSQL, outside the ORM
# ----------------------------------------------------------------------------------------


def pg_cli(*args):
    params = db_params("postgres")
    command = [*args, "-h", params.get("host", "127.0.0.1"), "-p", params.get("port", "5432")]
    if params.get("user"):
        command += ["-U", params["user"]]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def database_exists(db_name):
    with contextlib.closing(connect("postgres")) as conn:
        return bool(query(conn, "SELECT 1 FROM pg_database WHERE datname = %s", (db_name,)))


def close_db(db_name):
    """No connection of this process left on the database (a template must have none)."""
    from odoo import sql_db
    from odoo.modules.registry import Registry

    with contextlib.suppress(KeyError):
        Registry.delete(db_name)
    sql_db.close_db(db_name)


def filestore(db_name):
    from odoo.tools import config

    return Path(config.filestore(db_name))


def copy_database(source, target):
    """``createdb -T`` (file copy) and the filestore hard-linked (Odoo never rewrites a
    stored file: a new content is a new file)."""
    drop_database(target)
    close_db(source)
    pg_cli("createdb", "-T", source, "-S", "file_copy", target)
    if filestore(source).exists():
        shutil.copytree(filestore(source), filestore(target), copy_function=os.link)


def drop_database(db_name):
    close_db(db_name)
    pg_cli("dropdb", "--if-exists", "--force", db_name)
    shutil.rmtree(filestore(db_name), ignore_errors=True)


def odoo_cli(db_name, *args):
    start = time.perf_counter()
    subprocess.run(
        [str(ODOO_SH), "-d", db_name, *args, "--stop-after-init", "--log-level=warn", "--no-http"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def module_installed(db_name, module):
    with contextlib.closing(connect(db_name)) as conn:
        rows = query(conn, "SELECT state FROM ir_module_module WHERE name = %s", (module,))
    return bool(rows) and rows[0][0] == "installed"


# ----------------------------------------------------------------------------------------
# In this process, through the ORM
# ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def environment(db_name, new=False):
    """A superuser environment on the database (committed by the caller), closed after."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    threading.current_thread().dbname = db_name
    registry = Registry.new(db_name) if new else Registry(db_name)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(
            context=dict(
                env["res.users"].context_get(),
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
            )
        )
        yield env


def query_count():
    """Queries run by this thread so far (``odoo.sql_db.Cursor.execute`` counts them)."""
    return threading.current_thread().query_count


def create_customers(env, count):
    """Companies (B2B) with an email, ORM creates in batches; committed."""
    partners = env["res.partner"].search([("name", "=like", f"{PARTNER_PREFIX} %")], order="id")
    start = time.perf_counter()
    for first in range(len(partners), count, PARTNER_BATCH):
        partners |= env["res.partner"].create(
            [
                {
                    "name": f"{PARTNER_PREFIX} {i:05d} SAS",
                    "is_company": True,
                    "email": f"customer{i:05d}@jobs-bench.example",
                }
                for i in range(first, min(first + PARTNER_BATCH, count))
            ]
        )
        env.cr.commit()
        env.invalidate_all()
    print(f"  {len(partners)} customers ({time.perf_counter() - start:.0f} s)", flush=True)
    return partners[:count]


def base_invoices(env, partners, count, seed):
    """Posted invoices of the first customers, with the ORM, due 7 to 14 days ago."""
    from odoo import fields

    today = fields.Date.context_today(env.user)
    rng = random.Random(seed)  # noqa: S311 (test data)
    return post_invoices(env, partners, count, lambda i: today - timedelta(days=7 + i % 8), rng)


def multiply(env, invoices, partners, total):
    """SQL copies of the ORM invoices up to ``total``: copy k of the i-th invoice belongs to
    the customer (i + k * len(invoices)) modulo the customers, on the move and on its lines;
    its own name and payment reference; the lines (balanced) and due date of the original."""
    cr = env.cr
    partner_cols = {"partner_id", "commercial_partner_id", "partner_shipping_id"}
    move_cols = columns(
        cr,
        "account_move",
        {"id", "name", "payment_reference", "invoice_partner_display_name", *partner_cols},
    )
    line_cols = columns(cr, "account_move_line", {"id", "move_id", "move_name", "partner_id"})
    cr.execute("ALTER TABLE account_move ADD COLUMN IF NOT EXISTS bench_src integer")
    cr.execute("CREATE TEMP TABLE bench_base (move_id integer, idx integer)")
    cr.execute("CREATE TEMP TABLE bench_partner (idx integer PRIMARY KEY, partner_id integer)")
    cr.execute(
        "INSERT INTO bench_base SELECT * FROM unnest(%s::int[], %s::int[])",
        (invoices.ids, list(range(len(invoices)))),
    )
    cr.execute(
        "INSERT INTO bench_partner SELECT * FROM unnest(%s::int[], %s::int[])",
        (list(range(len(partners))), partners.ids),
    )
    rounds = total // len(invoices) - 1
    start = time.perf_counter()
    for copy in range(1, rounds + 1):
        cr.execute(
            f"""
            INSERT INTO account_move ({", ".join(move_cols)}, name, payment_reference,
                                      invoice_partner_display_name, partner_id,
                                      commercial_partner_id, partner_shipping_id, bench_src)
            SELECT {", ".join(f"m.{c}" for c in move_cols)}, m.name || '-C' || %(copy)s,
                   m.name || '-C' || %(copy)s, p.name, bp.partner_id, bp.partner_id,
                   bp.partner_id, m.id
              FROM account_move m
              JOIN bench_base b ON b.move_id = m.id
              JOIN bench_partner bp ON bp.idx = (b.idx + %(copy)s * %(n)s) %% %(customers)s
              JOIN res_partner p ON p.id = bp.partner_id
            """,  # noqa: S608 (column names from the catalogue)
            {"copy": copy, "n": len(invoices), "customers": len(partners)},
        )
        cr.execute(
            f"""
            INSERT INTO account_move_line ({", ".join(line_cols)}, move_id, move_name,
                                           partner_id)
            SELECT {", ".join(f"line.{c}" for c in line_cols)}, move.id, move.name,
                   CASE WHEN line.partner_id IS NOT NULL THEN move.partner_id END
              FROM account_move_line line
              JOIN account_move move ON move.bench_src = line.move_id
             WHERE move.bench_src IS NOT NULL
            """,  # noqa: S608
        )
        cr.execute("UPDATE account_move SET bench_src = NULL WHERE bench_src IS NOT NULL")
        if copy % 40 == 0 or copy == rounds:
            cr.commit()
            print(
                f"  {(copy + 1) * len(invoices)} invoices ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    cr.execute("ALTER TABLE account_move DROP COLUMN bench_src")
    cr.execute("DROP TABLE bench_base; DROP TABLE bench_partner")
    cr.commit()
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner")


def generate(args):
    """The database with its data and the module, created or completed."""
    if not args.reuse and database_exists(DB_NAME):
        print(f"dropping {DB_NAME}")
        drop_database(DB_NAME)
    if not database_exists(DB_NAME):
        print(f"creating {DB_NAME} with account…", flush=True)
        odoo_cli(DB_NAME, "-i", "account")
    installed = module_installed(DB_NAME, MODULE)
    if installed:
        # a database kept with --reuse runs the checkout's code of today (updated before
        # this process loads its registry)
        print(f"updating {MODULE} and relance_avancee…", flush=True)
        seconds = odoo_cli(DB_NAME, "-u", f"relance_avancee,{MODULE}")
        print(f"  updated in {seconds:.0f} s", flush=True)
    with environment(DB_NAME) as env:
        count = env["account.move"].search_count(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        )
        if count and not installed:
            raise BenchError(f"{DB_NAME}: invoices without {MODULE}, incomplete: drop it")
        if not count:
            if not env.company.chart_template:
                env["account.chart.template"].try_loading(
                    "generic_coa", env.company, install_demo=False
                )
                env.cr.commit()
            print(f"creating {args.customers} customers…", flush=True)
            partners = create_customers(env, args.customers)
            start = time.perf_counter()
            invoices = base_invoices(env, partners, min(BASE_INVOICES, args.invoices), args.seed)
            print(
                f"  {len(invoices)} invoices posted with the ORM "
                f"({time.perf_counter() - start:.0f} s); copying them in SQL…",
                flush=True,
            )
            multiply(env, invoices, partners, args.invoices)
    close_db(DB_NAME)
    if not installed:
        print(f"installing {MODULE} on them…", flush=True)
        seconds = odoo_cli(DB_NAME, "-i", MODULE)
        print(f"  installed in {seconds:.0f} s", flush=True)
    vacuum(DB_NAME)


def vacuum(db_name):
    """``VACUUM ANALYZE``: the data as a production server keeps it, its autovacuum having
    cleaned up after the generation and the module's install (which rewrote every
    invoice). The PostgreSQL of the CI machines runs with ``autovacuum = off``: without
    this, each phase's copy carried the install's 100,000 dead invoice rows and stale
    statistics, and an execution job's UPDATE of its invoices took 3 to 5 times longer."""
    start = time.perf_counter()
    with contextlib.closing(connect(db_name)) as conn:
        query(conn, "VACUUM ANALYZE")
    print(f"  {db_name} vacuumed in {time.perf_counter() - start:.0f} s", flush=True)


def check_data(env):
    """Invoices, customers and balances of the generated data, in SQL and with the ORM."""
    from odoo import fields
    from odoo.tools import SQL

    invoices = env["account.move"].search_count(
        [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
    )
    customers = env["res.partner"].search_count([("name", "=like", f"{PARTNER_PREFIX} %")])
    with_invoices = env.execute_query(
        SQL(
            "SELECT count(DISTINCT commercial_partner_id) FROM account_move"
            " WHERE move_type = 'out_invoice' AND state = 'posted'"
        )
    )[0][0]
    unbalanced = env.execute_query(
        SQL(
            """SELECT count(*) FROM (
                 SELECT move_id FROM account_move_line GROUP BY move_id
                 HAVING round(sum(debit) - sum(credit), 2) <> 0
                     OR round(sum(balance), 2) <> 0) bad"""
        )
    )[0][0]
    # every invoice: its residual is its receivable's, its partners agree with its lines'
    mismatched = env.execute_query(
        SQL(
            """SELECT count(*) FROM account_move m
                 JOIN account_move_line l ON l.move_id = m.id
                 JOIN account_account a ON a.id = l.account_id
                WHERE m.move_type = 'out_invoice' AND a.account_type = 'asset_receivable'
                  AND (round(m.amount_residual - l.amount_residual, 2) <> 0
                       OR l.partner_id <> m.commercial_partner_id
                       OR m.partner_id <> m.commercial_partner_id
                       OR l.date_maturity <> m.invoice_date_due)"""
        )
    )[0][0]
    # a sample through the ORM (its computes, not the stored columns alone)
    ids = env.execute_query(
        SQL(
            "SELECT id FROM account_move WHERE move_type = 'out_invoice'"
            " ORDER BY random() LIMIT %s",
            SAMPLE,
        )
    )
    sample = env["account.move"].browse([row[0] for row in ids])
    env.invalidate_all()
    bad = sample.filtered(
        lambda m: (
            m.currency_id.compare_amounts(
                m.amount_residual,
                sum(
                    m.line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable"
                    ).mapped("amount_residual")
                ),
            )
            or m.payment_state != "not_paid"
            or m.commercial_partner_id != m.partner_id.commercial_partner_id
            or not m.partner_id.email
        )
    )
    today = fields.Date.context_today(env.user)
    late = Counter((today - m.invoice_date_due).days for m in sample)
    return {
        "invoices": invoices,
        "customers": customers,
        "customers_with_invoices": with_invoices,
        "unbalanced": unbalanced,
        "mismatched": mismatched,
        "sample": len(sample),
        "sample_bad": len(bad),
        "days_late": f"{min(late)} to {max(late)}" if late else "-",
    }


def measure_proposal(env, passes=2):
    """Passes of ``_compute_proposal`` for every company, each from an empty cache, rolled
    back: [(seconds, queries)], and the proposal of the last."""
    from odoo import fields

    engine = env["relance.engine"]
    companies = env["res.company"].search([])
    today = fields.Date.context_today(env.user)
    results, proposal = [], []
    for _pass in range(passes):
        env.cr.rollback()
        env.invalidate_all()
        env.cr.flush()
        queries = query_count()
        start = time.perf_counter()
        proposal = engine._compute_proposal(today, companies)
        env.cr.flush()
        results.append((time.perf_counter() - start, query_count() - queries))
    env.cr.rollback()
    return results, proposal


def prepare_run(env):
    """The run prepared for real and committed: its id, seconds, queries, lines."""
    from odoo import fields

    company = env.ref("base.main_company")
    policy = env["relance.policy"].search(
        [("company_id", "=", company.id), ("policy_type", "=", "b2b")]
    )
    policy.mode = "validate"
    env.cr.commit()
    today = fields.Date.context_today(env.user)
    env.invalidate_all()
    queries = query_count()
    start = time.perf_counter()
    run = env["relance.engine"].with_company(company)._prepare_run(today, company)
    env.cr.flush()
    seconds = time.perf_counter() - start
    queries = query_count() - queries
    env.cr.commit()
    levels = Counter(
        (line.level_id.name, line.state, ",".join(line.level_id.channel_ids.mapped("code")))
        for line in run.line_ids
    )
    return {
        "run": run.id,
        "name": run.name,
        "seconds": seconds,
        "queries": queries,
        "lines": len(run.line_ids),
        "levels": levels,
        "invoices": len(run.line_ids.filtered(lambda line: line.state == "proposed").move_ids),
    }


def measure_one_job(env, run_id, size):
    """What one execution job does, in this process, rolled back: ``size`` customers'
    email lines without PDF (``_relance_job_execute``), seconds and queries."""
    import cProfile
    import io
    import pstats

    run = env["relance.run"].browse(run_id)
    lines = run.line_ids.filtered(lambda line: line.state == "proposed").sorted("id")[:size]
    lines = lines.with_context(relance_no_pdf=True)
    env.invalidate_all()
    profiler = cProfile.Profile()
    queries = query_count()
    start = time.perf_counter()
    profiler.enable()
    lines._relance_job_execute(include_manual=True)
    env.cr.flush()
    profiler.disable()
    seconds = time.perf_counter() - start
    queries = query_count() - queries
    done = len(lines.filtered(lambda line: line.state == "done"))
    env.cr.rollback()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    return {
        "lines": len(lines),
        "done": done,
        "seconds": seconds,
        "queries": queries,
        "profile": out.getvalue(),
    }


# ----------------------------------------------------------------------------------------
# The server, in its own process group (as scripts/crash_test.py)
# ----------------------------------------------------------------------------------------


class Server:
    """``scripts/odoo.sh`` serving one database with queue_job's runner, leader of its own
    process group (``odoo.sh`` execs Python: the group id is its pid)."""

    def __init__(self, db_name, workers, channels, log_path):
        self.db_name = db_name
        self.workers = workers
        self.channels = channels
        self.log_path = log_path
        self.port = free_port()
        self.gevent_port = free_port({self.port})
        self.process = None
        self.gone = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self):
        return self.process.pid

    def start(self):
        command = server_command(self.db_name, self.workers, self.port, self.gevent_port, 900)
        env = {**os.environ, "ODOO_QUEUE_JOB_CHANNELS": self.channels}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.log_path.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=120):
        """Until the job runner is ready for the database and the HTTP port answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise BenchError(f"the server died at start, see {self.log_path}")
            if f"queue job runner ready for db {self.db_name}" in self.log() and not port_free(
                self.port
            ):
                return
            time.sleep(POLL)
        raise BenchError(f"the server is not ready after {timeout} s, see {self.log_path}")

    def kinds(self):
        """{pid: kind} from the log's "Worker <Class> (<pid>) alive" lines."""
        return {
            int(pid): {"WorkerHTTP": "HTTP worker", "WorkerJobRunner": "job runner"}.get(name, name)
            for name, pid in re.findall(r"Worker (\w+) \((\d+)\) alive", self.log())
        }

    def running(self):
        return self.process is not None and not self.gone and bool(group_members(self.pgid))

    def kill(self):
        if self.process is None or self.gone:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        killed_at = time.monotonic()
        while members := group_members(self.pgid):
            if time.monotonic() - killed_at > 2:
                for pid in members:  # orphans that left the group signal behind
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            if time.monotonic() - killed_at > 30:
                raise BenchError(f"processes of group {self.pgid} survive SIGKILL: {members}")
            time.sleep(0.1)
        self.gone = True  # its ids may be reused: never signalled again

    def stop(self):
        """SIGTERM to the group (Odoo stops its workers), SIGKILL after STOP_TIMEOUT."""
        if self.process is not None and not self.gone and self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline and group_members(self.pgid):
                time.sleep(0.2)
        self.kill()


class RssSampler(threading.Thread):
    """Samples the RSS of every process of the server's group every POLL seconds: the peak
    of each process, and of the group's total."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.peaks = {}  # pid: (peak bytes, comm, is the master)
        self.total_peak = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            total = 0
            for pid in group_members(self.server.pgid):
                try:
                    process = psutil.Process(pid)
                    rss = process.memory_info().rss
                    name = process.name()
                except psutil.Error:
                    continue
                total += rss
                peak = self.peaks.get(pid, (0, name))[0]
                self.peaks[pid] = (max(peak, rss), name)
            self.total_peak = max(self.total_peak, total)
            self.stopped.wait(POLL)

    def by_kind(self):
        """{kind: (processes, max of their peaks in bytes)}."""
        kinds = self.server.kinds()
        result = defaultdict(lambda: [0, 0])
        for pid, (peak, name) in self.peaks.items():
            if pid == self.server.pgid:
                kind = "master"
            elif name == "wkhtmltopdf":
                kind = "wkhtmltopdf"
            else:
                kind = kinds.get(pid)
                if kind is None:
                    with contextlib.suppress(OSError):
                        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
                        kind = "gevent" if b"gevent" in cmdline else None
                kind = kind or name
            result[kind][0] += 1
            result[kind][1] = max(result[kind][1], peak)
        return dict(result)


# ----------------------------------------------------------------------------------------
# One execution phase
# ----------------------------------------------------------------------------------------


def prepare_phase(conn, phase, run_id, pdf_customers):
    """SQL on the copy before any registry loads it: the levels' PDFs, the subset."""
    if phase == "email":
        query(conn, "UPDATE relance_level SET attach_invoices = FALSE")
    else:
        query(conn, "UPDATE relance_level SET attach_invoices = TRUE WHERE attach_invoices")
    if phase == "rendered":
        query(
            conn,
            """UPDATE relance_run_line SET state = 'excluded', reason = 'benchmark subset'
                WHERE run_id = %(run)s AND state = 'proposed' AND id NOT IN (
                    SELECT id FROM relance_run_line WHERE run_id = %(run)s
                       AND state = 'proposed' ORDER BY id LIMIT %(limit)s)""",
            {"run": run_id, "limit": pdf_customers},
        )


def store_pdfs(env, run_id, real):
    """Every invoice of the run's proposed lines gets a stored PDF: rendered for real with
    ``real``, else the first customer's rendered for real and, for the others, a copy of one
    of those (an ``ir.attachment`` row in SQL on the same file). Committed. Returns
    (invoices, rendered for real, seconds of the real rendering)."""
    from odoo.tools import SQL

    run = env["relance.run"].browse(run_id)
    lines = run.line_ids.filtered(lambda line: line.state == "proposed").sorted("id")
    moves = lines.move_ids
    executor = env["relance.executor"]
    rendered = lines[:1].move_ids if not real else moves
    start = time.perf_counter()
    for first in range(0, len(rendered), 1000):
        executor._store_invoice_pdfs(rendered[first : first + 1000])
        env.cr.commit()
        env.invalidate_all()
    seconds = time.perf_counter() - start
    if not real:
        env.execute_query(
            SQL(
                """INSERT INTO ir_attachment (name, res_model, res_field, res_id, company_id,
                          type, store_fname, file_size, checksum, mimetype, public,
                          create_uid, create_date, write_uid, write_date)
                   SELECT 'INV_' || replace(m.name, '/', '_') || '.pdf', 'account.move',
                          'invoice_pdf_report_file', m.id, m.company_id, a.type,
                          a.store_fname, a.file_size, a.checksum, a.mimetype, FALSE,
                          a.create_uid, now() at time zone 'utc', a.write_uid,
                          now() at time zone 'utc'
                     FROM account_move m, (SELECT * FROM ir_attachment
                            WHERE res_model = 'account.move'
                              AND res_field = 'invoice_pdf_report_file' AND res_id = %s) a
                    WHERE m.id = ANY(%s)""",
                rendered[:1].id,
                list((moves - rendered).ids),
            )
        )
        env.cr.commit()
        # 100,000 rows at once: the statistics a database that stored them one by one has
        # (else the planner reads every attachment to find a few hundred invoices' PDFs)
        env.cr.execute("ANALYZE ir_attachment")
    stored = env.execute_query(
        SQL(
            "SELECT count(DISTINCT res_id) FROM ir_attachment WHERE res_model = 'account.move'"
            " AND res_field = 'invoice_pdf_report_file' AND res_id = ANY(%s)",
            moves.ids,
        )
    )[0][0]
    return {"invoices": len(moves), "stored": stored, "real": len(rendered), "seconds": seconds}


def warm_up_report(env, run_id):
    """One invoice rendered, rolled back: the server generates the report assets."""
    run = env["relance.run"].browse(run_id)
    move = run.line_ids.filtered(lambda line: line.state == "excluded")[:1].move_ids[:1]
    move = move or env["account.move"].search([("move_type", "=", "out_invoice")], limit=1)
    env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", move.ids)
    env.cr.rollback()


def snapshot(conn, run_id, first_job):
    run_state = query(conn, "SELECT state FROM relance_run WHERE id = %s", (run_id,))[0][0]
    lines = dict(
        query(
            conn,
            "SELECT state, count(*) FROM relance_run_line WHERE run_id = %s GROUP BY state",
            (run_id,),
        )
    )
    jobs = Counter(
        {
            (method, state): count
            for method, state, count in query(
                conn,
                "SELECT method_name, state, count(*) FROM queue_job WHERE id > %s"
                " GROUP BY method_name, state",
                (first_job,),
            )
        }
    )
    return run_state, lines, jobs


def fmt_jobs(jobs):
    by_method = defaultdict(list)
    for (method, state), count in sorted(jobs.items()):
        by_method[method].append(f"{state} {count}")
    return "; ".join(f"{method}: {', '.join(states)}" for method, states in by_method.items())


def run_phase(args, template, run_id, workers, phase, log_dir):  # noqa: PLR0915
    """One execution: a copy, a server, the run validated, polled until done."""
    from odoo.tools import SQL

    db_name = f"{DB_NAME}_run"
    copy_database(template, db_name)
    conn = connect(db_name)
    server = Server(
        db_name,
        workers + 1,
        f"root:{workers},root.relance:{workers}",
        log_dir / f"server_{workers}_{phase}.log",
    )
    sampler = None
    result = {"phase": phase, "workers": workers, "http_workers": workers + 1}
    result["load"] = load_average()
    try:
        prepare_phase(conn, phase, run_id, args.pdf_customers)
        query(
            conn,
            "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s), ('report.url', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (JOB_SIZE_PARAM, str(args.job_size), server.url),
        )
        server.start()
        server.wait_ready()
        with environment(db_name, new=True) as env:
            if phase == "stored":
                result["pdfs"] = store_pdfs(env, run_id, args.real_stored_pdfs)
            elif phase == "rendered":
                warm_up_report(env, run_id)
            first_job = env.execute_query(SQL("SELECT coalesce(max(id), 0) FROM queue_job"))[0][0]
            run = env["relance.run"].browse(run_id)
            proposed = run.line_ids.filtered(lambda line: line.state == "proposed")
            result["customers"] = len(proposed.partner_id)
            result["lines"] = len(proposed)
            result["invoices"] = len(proposed.move_ids)
            admin = env.ref("base.user_admin")
            company = run.company_id
            # as an accountant validates: no tracking nor chatter switched off
            run = run.with_env(env(context=env["res.users"].context_get()))
            env.invalidate_all()
            sampler = RssSampler(server)
            sampler.start()
            print(
                f"  [{workers} job(s) at once, {phase}] validating {result['lines']} lines…",
                flush=True,
            )
            start = time.perf_counter()
            run.with_user(admin).with_company(company).action_validate()
            env.cr.commit()
            result["validate"] = time.perf_counter() - start
        close_db(db_name)
        deadline = start + args.timeout
        last_print = time.perf_counter()
        while True:
            run_state, lines, jobs = snapshot(conn, run_id, first_job)
            active = sum(count for (_m, state), count in jobs.items() if state in ACTIVE_JOB_STATES)
            if run_state == "done" and not active:
                break
            failed = sum(count for (_m, state), count in jobs.items() if state == "failed")
            if failed or not server.running() or time.perf_counter() > deadline:
                result["error"] = (
                    f"not done after {time.perf_counter() - start:.0f} s: run {run_state}, "
                    f"lines {lines}, jobs {fmt_jobs(jobs)}, server "
                    f"{'running' if server.running() else 'dead'}; see {server.log_path}"
                )
                break
            if time.perf_counter() - last_print > 15:
                last_print = time.perf_counter()
                print(f"    … {time.perf_counter() - start:.0f} s: lines {lines}", flush=True)
            time.sleep(POLL)
        result["seconds"] = time.perf_counter() - start
        result["lines_by_state"] = lines
        result["jobs"] = jobs
        stats = query(
            conn,
            """SELECT method_name, count(*), avg(extract(epoch FROM date_done - date_started)),
                      max(extract(epoch FROM date_done - date_started)), sum(retry)
                 FROM queue_job WHERE id > %s GROUP BY method_name""",
            (first_job,),
        )
        result["job_stats"] = {row[0]: row[1:] for row in stats}
        result["mails"] = query(
            conn,
            """SELECT count(DISTINCT h.mail_id), count(rel.attachment_id)
                 FROM relance_history h
            LEFT JOIN mail_mail mail ON mail.id = h.mail_id
            LEFT JOIN message_attachment_rel rel ON rel.message_id = mail.mail_message_id
                WHERE h.run_id = %s""",
            (run_id,),
        )[0]
    finally:
        if sampler:
            sampler.stopped.set()
            sampler.join()
            result["rss"] = sampler.by_kind()
            result["rss_total"] = sampler.total_peak
        server.stop()
        result["errors_in_log"] = server.log().count(" ERROR ")
        conn.close()
        drop_database(db_name)
    return result


# ----------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------


def verdict(ok):
    return "met   " if ok else "MISSED"


def mb(value):
    return value / 2**20


def print_phase(res):
    done = res["lines_by_state"].get("done", 0)
    ms = 1000 * res["seconds"] / max(done, 1)
    print(
        f"  {res['workers']} job(s) at once ({res['http_workers']} HTTP workers), {res['phase']}:"
        f" {done}/{res['lines']} customers done in {res['seconds']:.1f} s"
        f" ({ms:.1f} ms/customer; validation/enqueue {res['validate']:.1f} s of it),"
        f" {res['invoices']} invoices, {res['mails'][0]} mails, {res['mails'][1]} PDFs attached"
    )
    print(f"    load average at the start of the phase: {res['load']}")
    if res.get("error"):
        print(f"    ERROR {res['error']}")
    for method, (count, avg, peak, retries) in sorted(res["job_stats"].items()):
        print(
            f"    jobs {method}: {count}, {avg or 0:.2f} s average, {peak or 0:.2f} s max,"
            f" {retries or 0} tries"
        )
    rss = ", ".join(
        f"{kind} {mb(peak):.0f} MB ({count})" for kind, (count, peak) in sorted(res["rss"].items())
    )
    print(f"    peak RSS by kind (processes): {rss}; group total {mb(res['rss_total']):.0f} MB")
    if res.get("pdfs"):
        pdfs = res["pdfs"]
        print(
            f"    stored beforehand: {pdfs['stored']}/{pdfs['invoices']} invoice PDFs, "
            f"{pdfs['real']} rendered for real in {pdfs['seconds']:.1f} s"
            + ("" if pdfs["real"] == pdfs["invoices"] else ", the others SQL copies of one")
        )
    if res["errors_in_log"]:
        print(f"    {res['errors_in_log']} ERROR lines in the server log")


def report(args, data, proposal, prepared, one_job, results, loads):
    print("\n" + "=" * 100)
    print(f"relance_avancee_queue_job benchmark — {DB_NAME}, {os.cpu_count()} CPUs")
    print(f"  load average (1, 5, 15 min) at the start {loads[0]}, at the end {loads[1]}")
    print(
        f"  data: {data['invoices']} posted customer invoices, {data['customers']} customers "
        f"({data['customers_with_invoices']} with invoices), {data['unbalanced']} unbalanced "
        f"moves, {data['mismatched']} invoices whose residual/partner/due date differs from "
        f"their receivable line's, ORM sample {data['sample_bad']}/{data['sample']} wrong, "
        f"{data['days_late']} days late"
    )
    invoices = data["invoices"]
    seconds = [s for s, _q in proposal["passes"]]
    queries = max(q for _s, q in proposal["passes"])
    per_invoice = queries / max(invoices, 1)
    print(
        "  proposal (_compute_proposal, in process): passes "
        + ", ".join(f"{s:.2f} s / {q} queries" for s, q in proposal["passes"])
        + f"; {proposal['lines']} lines, {proposal['proposed']} proposed"
    )
    print(
        f"  _prepare_run (proposal + {prepared['lines']} lines created): "
        f"{prepared['seconds']:.2f} s, {prepared['queries']} queries; lines by level: "
        + ", ".join(
            f"{lv} [{ch}] {st} {n}" for (lv, st, ch), n in sorted(prepared["levels"].items())
        )
    )
    print(
        f"  one job's work in process ({one_job['lines']} customers, no PDF, rolled back): "
        f"{one_job['seconds']:.2f} s ({1000 * one_job['seconds'] / max(one_job['lines'], 1):.1f}"
        f" ms/customer), {one_job['queries']} queries "
        f"({one_job['queries'] / max(one_job['lines'], 1):.1f}/customer)"
    )
    print(f"  job size {args.job_size} customers")
    for res in results:
        print_phase(res)

    print("-" * 100)
    print(
        f"{verdict(max(seconds) < TARGET_PROPOSAL_SECONDS)} proposal at {invoices} invoices: "
        f"{max(seconds):.2f} s (worst pass)   [target < {TARGET_PROPOSAL_SECONDS:g} s]"
    )
    print(
        f"{verdict(per_invoice < TARGET_QUERIES_PER_INVOICE)} proposal queries: {queries} "
        f"({per_invoice:.4f}/invoice)   [target < {TARGET_QUERIES_PER_INVOICE:g}/invoice]"
    )
    by_key = {(r["workers"], r["phase"]): r for r in results}
    for n in args.workers:
        stored = by_key.get((n, "stored"))
        if stored and not stored.get("error"):
            whole = prepared["seconds"] + stored["seconds"]
            ok = whole < TARGET_WHOLE_RUN_SECONDS
            print(
                f"{verdict(ok) if n == 2 else 'info  '} whole run with {n} job(s) at once: "
                f"_prepare_run {prepared['seconds']:.1f} s + every email with stored PDFs "
                f"{stored['seconds']:.1f} s = {whole:.1f} s   "
                f"[target < {TARGET_WHOLE_RUN_SECONDS:g} s with 2]"
            )
    if 1 in args.workers and 2 in args.workers:
        for phase in args.phases:
            one, two = by_key.get((1, phase)), by_key.get((2, phase))
            if one and two and not one.get("error") and not two.get("error"):
                speedup = (one["seconds"] / max(one["lines"], 1)) / (
                    two["seconds"] / max(two["lines"], 1)
                )
                print(
                    f"{verdict(speedup >= TARGET_SPEEDUP)} speedup 2 vs 1 job at once, "
                    f"{phase}: {one['seconds']:.1f} s → {two['seconds']:.1f} s = "
                    f"{speedup:.2f}x   [target >= {TARGET_SPEEDUP:g}x]"
                )
    for res in results:
        for kind in ("HTTP worker", "job runner", "master"):
            if kind in res["rss"]:
                peak = mb(res["rss"][kind][1])
                print(
                    f"{verdict(peak < TARGET_RSS_MB)} peak RSS {kind}, {res['workers']} job(s),"
                    f" {res['phase']}: {peak:.0f} MB   [target < {TARGET_RSS_MB:g} MB]"
                )
        if res["phase"] == "rendered" and not res.get("error"):
            done = res["lines_by_state"].get("done", 0)
            ms = 1000 * res["seconds"] / max(done, 1)
            print(
                f"{verdict(ms < TARGET_RENDERED_MS)} email with PDFs rendered during the run, "
                f"{res['workers']} job(s) at once: {ms:.0f} ms/customer "
                f"({1000 * res['seconds'] / max(res['invoices'], 1):.0f} ms/invoice, "
                f"{done} customers)   [target < {TARGET_RENDERED_MS:g} ms/customer]"
            )
    for res in results:
        if res.get("error"):
            print(f"FAILED {res['workers']} job(s), {res['phase']}: {res['error']}")
    print("=" * 100)


def load_average():
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def others_running():
    """The heavy commands of other sessions running now (crash tests, test suites)."""
    found = []
    for pattern in ("crash_test.py", "pytest"):
        pids = subprocess.run(
            ["pgrep", "-f", pattern], capture_output=True, text=True, check=False
        ).stdout.split()
        found += [f"{pattern} ({pid})" for pid in pids if int(pid) != os.getpid()]
    return found


def wait_idle(max_seconds):
    """Waits until nothing heavy runs or the load is below 1, at most ``max_seconds``."""
    deadline = time.monotonic() + max_seconds
    while True:
        others = others_running()
        load = os.getloadavg()[0]
        if not others or load < 1:
            print(f"machine idle enough: load {load_average()}, others {others or 'none'}")
            return
        if time.monotonic() > deadline:
            print(f"WARNING measuring anyway: load {load_average()}, running {others}")
            return
        print(f"  waiting: load {load_average()}, running {', '.join(others)}", flush=True)
        time.sleep(15)


def main():
    global DB_NAME  # noqa: PLW0603 (the copies are named after it)
    args = parse_args()
    DB_NAME = args.database
    import tempfile

    from odoo.tools import config

    config.parse_config(["-c", str(CONF), "--log-level=warn"], setup_logging=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    threading.current_thread().query_count = 0
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda s, _f: sys.exit(128 + s))
    loads = [load_average()]
    print(f"load average {loads[0]}", flush=True)
    start = time.perf_counter()
    generate(args)
    print(f"data ready in {time.perf_counter() - start:.0f} s", flush=True)

    wait_idle(args.wait_idle)
    loads[0] = load_average()
    with environment(DB_NAME, new=True) as env:
        data = check_data(env)
        passes, proposal = measure_proposal(env)
    proposal_info = {
        "passes": passes,
        "lines": len(proposal),
        "proposed": sum(1 for vals in proposal if vals["state"] == "proposed"),
    }
    template = f"{DB_NAME}_proposed"
    copy_database(DB_NAME, template)
    log_dir = Path(tempfile.mkdtemp(prefix="benchmark_jobs_"))
    results = []
    try:
        with environment(template, new=True) as env:
            prepared = prepare_run(env)
            one_job = measure_one_job(env, prepared["run"], args.job_size)
        print(
            f"proposal {', '.join(f'{s:.2f} s' for s, _q in passes)}; "
            f"{prepared['name']} prepared in {prepared['seconds']:.1f} s, "
            f"{prepared['lines']} lines; server logs in {log_dir}",
            flush=True,
        )
        for workers in args.workers:
            for phase in args.phases:
                try:
                    results.append(
                        run_phase(args, template, prepared["run"], workers, phase, log_dir)
                    )
                    print_phase(results[-1])
                except BenchError as error:
                    print(f"  [{workers} job(s), {phase}] FAILED: {error}", flush=True)
    finally:
        drop_database(template)
        if args.drop:
            drop_database(DB_NAME)
    loads.append(load_average())
    report(args, data, proposal_info, prepared, one_job, results, loads)
    print("\nprofile of one job's work in process (cumulative):")
    print(one_job["profile"])


if __name__ == "__main__":
    main()
