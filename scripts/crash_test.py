"""Crash test of ``relance_avancee_queue_job`` with real processes (not a unit test).

What it proves: a dunning run executed by queue_job's jobs survives a SIGKILL of the whole
Odoo server in the middle of its execution. After a restart, the run is closed, and every
customer was reminded exactly once, no one twice and no one forgotten.

How:

1. The database (``--db``) must have ``relance_avancee_queue_job``. It is created with
   ``account`` then this module, or the module is installed, when missing (the caller drops
   the database). Jobs that an interrupted earlier test left to run are cancelled.
2. In this process, through the ORM (``odoo.modules.registry.Registry``), we create
   ``--customers`` new companies (B2B), each with an email address and one posted invoice
   10 days overdue (the "First reminder" level, email channel) in the main company. The B2B
   policy is in mode "validate" and ``relance_avancee_queue_job.job_size`` is ``--job-size``
   (20). The invoice PDFs are realistic: the level attaches them, PDF jobs render them with
   wkhtmltopdf, and ``report.url`` points at the test server for the CSS. ``--no-pdf``
   turns the levels' ``attach_invoices`` off, and then there are no PDF jobs. We then
   prepare the run and validate it as the administrator, which enqueues the jobs, and
   commit.
3. The server (``scripts/odoo.sh -d DB --db-filter ^DB$ --workers=N --max-cron-threads=0
   --load=base,web,queue_job --http-port P --limit-time-real 300``, with
   ``ODOO_QUEUE_JOB_CHANNELS=root:2,root.relance:2``) is started in its own process group.
   With the PDFs, N is 3 by default: with 2 workers, both are taken by PDF jobs whose
   wkhtmltopdf waits for the CSS from the same server, so no worker is left to serve it,
   and nothing moves until ``limit_time_real`` kills them. Without the PDFs, N is 2. The
   database is polled until ``--kill-after`` (1) execution jobs
   are done, another is running and lines are still proposed. Then the whole process group is
   SIGKILLed, and the orphans too. We check that no process of the group is left, that the
   port is free and that the server's PostgreSQL sessions have ended.
4. The same server is restarted. We poll until the run is done, or until every job has
   ended, or until ``--timeout``. Then the server is stopped (SIGTERM to the group, then
   SIGKILL).
5. We check: the run is done and every line is done, none left proposed. Every customer
   has exactly one action (``relance.history``) per level and channel, one ``mail.mail``
   and one outgoing ``mail.message`` per level, linked from its action, with the invoice's
   PDF attached. No ``relance.history.line`` is duplicated (invoice, level, channel). No
   invoice has two stored PDFs. Every job is done, none failed. The closing job waits for
   every execution job and ran after them, and it told the validator once. The kill came
   mid-way: some lines were done before it and the rest after it, and the jobs running at
   the kill were found dead and run again.

The server processes are always stopped (finally and atexit). The database and the server
logs (a temporary folder, printed) stay.

Usage::

    .venv/bin/python scripts/crash_test.py --db DB [--customers 300] [--port P] \
        [--job-size 20] [--workers N] [--kill-after 1] [--timeout 240] [--no-pdf]

Exit status 0 when every check passes, 1 otherwise (the reasons are printed).
"""

import argparse
import atexit
import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg2
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
MODULE = "relance_avancee_queue_job"
JOB_SIZE_PARAM = "relance_avancee_queue_job.job_size"
CHANNELS = "root:2,root.relance:2"  # two jobs at once
EXECUTE = "_relance_job_execute"
STORE_PDFS = "_relance_job_store_pdfs"
FINISH = "_relance_job_finish"
OVERDUE_DAYS = 10  # past the B2B "First reminder" (7 days), before the phone call (15)
POLL = 0.1  # seconds between two looks at the database
KILL_TIMEOUT = 180  # seconds to reach the kill point
STOP_TIMEOUT = 30  # seconds of a clean stop before SIGKILL
ENDED_JOB_STATES = ("done", "failed", "cancelled")
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class CheckFailed(Exception):
    """A precondition or an assertion of the crash test failed."""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database (created when missing)")
    parser.add_argument("--customers", type=int, default=300, help="customers to remind")
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: a free one)")
    parser.add_argument("--job-size", type=int, default=20, help="customers per job")
    parser.add_argument(
        "--workers",
        type=int,
        help="HTTP workers of the server (default 3 with the PDFs: one more than the jobs "
        "run at once, to serve the CSS their wkhtmltopdf loads from it; 2 without)",
    )
    parser.add_argument(
        "--kill-after",
        type=int,
        default=1,
        help="execution jobs done before the kill (default 1)",
    )
    parser.add_argument(
        "--timeout", type=int, default=240, help="seconds for the restarted server to finish"
    )
    parser.add_argument(
        "--no-pdf", action="store_true", help="levels without the invoice PDFs attached"
    )
    return parser.parse_args()


# ----------------------------------------------------------------------------------------
# Database access (this process, not the server)
# ----------------------------------------------------------------------------------------


def database_exists(db_name):
    params = {**db_params(db_name), "dbname": "postgres"}
    with contextlib.closing(psycopg2.connect(**params)) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,))
        return bool(cr.fetchone())


def module_state(db_name, module):
    with contextlib.closing(connect(db_name)) as conn:
        rows = query(conn, "SELECT state FROM ir_module_module WHERE name = %s", (module,))
    return rows[0][0] if rows else None


def odoo_install(db_name, modules):
    print(f"installing {modules} in {db_name}…", flush=True)
    subprocess.run(
        [
            str(ODOO_SH),
            "-d",
            db_name,
            "-i",
            modules,
            "--stop-after-init",
            "--log-level=warn",
            "--no-http",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_database(db_name):
    """The database with the glue module installed (created or completed when missing)."""
    if not database_exists(db_name):
        odoo_install(db_name, "account")
    if module_state(db_name, MODULE) != "installed":
        odoo_install(db_name, MODULE)
    if module_state(db_name, MODULE) != "installed":
        raise CheckFailed(f"{MODULE} could not be installed in {db_name}")
    # the jobs an interrupted earlier test left would run with ours
    with contextlib.closing(connect(db_name)) as conn:
        left = query(
            conn,
            "UPDATE queue_job SET state = 'cancelled' WHERE state IN %s RETURNING id",
            (ACTIVE_JOB_STATES,),
        )
    if left:
        print(f"cancelled {len(left)} jobs an earlier test left to run")


# ----------------------------------------------------------------------------------------
# Data, through the ORM in this process
# ----------------------------------------------------------------------------------------


def prepare_data(db_name, args, url, stamp):
    """Customers, invoices, settings, then the run prepared and validated (jobs enqueued),
    committed. Returns {run, partners, moves, first_job_id}."""
    import odoo
    from odoo import Command, api, fields, sql_db
    from odoo.modules.registry import Registry
    from odoo.tools import SQL, config

    config.parse_config(["-c", str(CONF), "--log-level=warn"], setup_logging=True)
    try:
        with Registry(db_name).cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            env = env(
                context=dict(
                    env["res.users"].context_get(),
                    allowed_company_ids=company.ids,
                    tracking_disable=True,
                    mail_create_nolog=True,
                    mail_notrack=True,
                )
            )
            today = fields.Date.context_today(env.user)
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Crash {stamp} customer {index:04d} SAS",
                        "is_company": True,
                        "email": f"crash.{stamp}.{index:04d}@example.com",
                    }
                    for index in range(args.customers)
                ]
            )
            due = fields.Date.add(today, days=-OVERDUE_DAYS)
            moves = env["account.move"]
            for start in range(0, len(partners), 100):
                batch = env["account.move"].create(
                    [
                        {
                            "move_type": "out_invoice",
                            "company_id": company.id,
                            "partner_id": partner.id,
                            "ref": f"CRASH-{stamp}-{partner.id}",
                            "invoice_date": fields.Date.add(due, days=-30),
                            "invoice_date_due": due,
                            "invoice_payment_term_id": False,
                            "invoice_line_ids": [
                                Command.create(
                                    {"name": "Services", "price_unit": 1000.0, "tax_ids": []}
                                )
                            ],
                        }
                        for partner in partners[start : start + 100]
                    ]
                )
                batch.action_post()
                moves |= batch
            policy = env["relance.policy"].search(
                [("company_id", "=", company.id), ("policy_type", "=", "b2b")]
            )
            policy.mode = "validate"
            policy.level_ids.attach_invoices = not args.no_pdf
            params = env["ir.config_parameter"]
            params.set_param(JOB_SIZE_PARAM, args.job_size)
            params.set_param("report.url", url)
            cr.commit()

            first_job_id = env.execute_query(SQL("SELECT max(id) FROM queue_job"))[0][0]
            run = env["relance.engine"].with_company(company)._prepare_run(today, company)
            if not run:
                raise CheckFailed("the engine proposed nothing")
            missing = partners - run.line_ids.partner_id
            if missing:
                raise CheckFailed(f"{len(missing)} new customers are not in {run.name}")
            admin = env.ref("base.user_admin")
            run.with_user(admin).with_company(company).action_validate()
            cr.commit()
            return {
                "run": run.id,
                "run_name": run.name,
                "lines": len(run.line_ids),
                "partners": tuple(partners.ids),
                "moves": tuple(moves.ids),
                "first_job_id": first_job_id or 0,
            }
    finally:
        sql_db.close_all()


# ----------------------------------------------------------------------------------------
# The server, in its own process group
# ----------------------------------------------------------------------------------------


class Server:
    """``scripts/odoo.sh`` serving one database with queue_job's runner, as the leader of
    its own process group (``odoo.sh`` execs Python: the group id is its pid)."""

    def __init__(self, db_name, port, gevent_port, workers, log_path):
        self.db_name = db_name
        self.port = port
        self.gevent_port = gevent_port
        self.workers = workers
        self.log_path = log_path
        self.process = None
        self.gone = False

    @property
    def pgid(self):
        return self.process.pid

    def start(self):
        if not port_free(self.port):
            raise CheckFailed(f"port {self.port} is busy before the server starts")
        command = server_command(self.db_name, self.workers, self.port, self.gevent_port, 300)
        env = {**os.environ, "ODOO_QUEUE_JOB_CHANNELS": CHANNELS}
        folder = self.log_path.parent
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        return self.process.pid

    def running(self):
        return self.process is not None and not self.gone and bool(group_members(self.pgid))

    def kill(self):
        """SIGKILL to the whole group, then to each member still alive 2 s later (an
        orphan that left the group signal behind); returns those stragglers."""
        if self.process is None or self.gone:
            return []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        killed_at = time.monotonic()
        stragglers = set()
        while members := group_members(self.pgid):
            elapsed = time.monotonic() - killed_at
            if elapsed > 30:
                raise CheckFailed(f"processes of group {self.pgid} survive SIGKILL: {members}")
            if elapsed > 2:
                stragglers.update(members)
                for pid in members:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        self.gone = True  # its ids may be reused: never signalled again
        return sorted(stragglers)

    def stop(self):
        """SIGTERM to the group (Odoo stops its workers), SIGKILL after STOP_TIMEOUT."""
        if self.process is None or self.gone or not self.running():
            return self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and group_members(self.pgid):
            time.sleep(0.2)
        return self.kill()


def stuck_renderings(server):
    """What the server's wkhtmltopdf processes are doing: with as many HTTP workers as
    running jobs, each waits for a CSS request that no worker is free to serve."""
    renderings = group_members(server.pgid, "wkhtmltopdf")
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(f":{server.port:04X}") and fields[3] == "0A":  # LISTEN
                backlog = int(fields[4].split(":")[1], 16)
                return (
                    f"{len(renderings)} wkhtmltopdf processes running, "
                    f"{backlog} connections waiting for a free HTTP worker"
                )
    return f"{len(renderings)} wkhtmltopdf processes running"


def wait_gone(server, conn, timeout=60):
    """After a kill: no process of the group, the port free, no session of the server left
    in PostgreSQL (the runner's advisory lock and the jobs' locks are released)."""
    deadline = time.monotonic() + timeout
    while True:
        members = group_members(server.pgid)
        port_ok = port_free(server.port)
        sessions = query(
            conn,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (server.db_name,),
        )[0][0]
        if not members and port_ok and not sessions:
            return
        if time.monotonic() > deadline:
            raise CheckFailed(
                f"the killed server left {members or 'no'} processes, port "
                f"{'free' if port_ok else 'busy'}, {sessions} database sessions"
            )
        time.sleep(0.2)


# ----------------------------------------------------------------------------------------
# Polling
# ----------------------------------------------------------------------------------------


def snapshot(conn, data):
    """The run's state, its lines by state, its jobs by (method, state), started jobs."""
    run_state = query(conn, "SELECT state FROM relance_run WHERE id = %s", (data["run"],))[0][0]
    lines = dict(
        query(
            conn,
            "SELECT state, count(*) FROM relance_run_line WHERE run_id = %s GROUP BY state",
            (data["run"],),
        )
    )
    job_rows = query(
        conn,
        "SELECT uuid, method_name, state, retry, exc_name FROM queue_job WHERE id > %s",
        (data["first_job_id"],),
    )
    jobs = Counter((method, state) for _uuid, method, state, _retry, _exc in job_rows)
    return {
        "run": run_state,
        "lines": lines,
        "jobs": jobs,
        "rows": {uuid: (method, state, retry, exc) for uuid, method, state, retry, exc in job_rows},
    }


def fmt_jobs(jobs):
    by_method = {}
    for (method, state), count in sorted(jobs.items()):
        by_method.setdefault(method, []).append(f"{state} {count}")
    return "; ".join(f"{method}: {', '.join(states)}" for method, states in by_method.items())


def wait_for_kill_point(conn, data, server, kill_after):
    """Polls until ``kill_after`` execution jobs are done, another is running and lines
    are still proposed; after 15 s without a running one, the first two are enough."""
    start = time.monotonic()
    ready_since = None
    while True:
        if not server.running():
            raise CheckFailed(f"the server died by itself, see {server.log_path}")
        snap = snapshot(conn, data)
        done_jobs = snap["jobs"][(EXECUTE, "done")]
        started = snap["jobs"][(EXECUTE, "started")]
        proposed = snap["lines"].get("proposed", 0)
        if not proposed:
            raise CheckFailed(
                "the run was executed before the kill point: use more customers "
                f"({fmt_jobs(snap['jobs'])})"
            )
        if done_jobs >= kill_after and proposed:
            ready_since = ready_since or time.monotonic()
            if started or time.monotonic() - ready_since > 15:
                return snap
        if time.monotonic() - start > KILL_TIMEOUT:
            raise CheckFailed(
                f"no kill point after {KILL_TIMEOUT} s: lines {snap['lines']}, "
                f"jobs {fmt_jobs(snap['jobs'])}, {stuck_renderings(server)}; "
                f"see {server.log_path}"
            )
        time.sleep(POLL)


def wait_for_done(conn, data, server, timeout):
    """Polls until the run is done and its jobs ended; returns the last snapshot and
    whether it finished in time."""
    deadline = time.monotonic() + timeout
    last_print = 0.0
    ended_before = False
    while True:
        snap = snapshot(conn, data)
        ended = all(state in ENDED_JOB_STATES for _m, state in snap["jobs"])
        if snap["run"] == "done" and ended:
            return snap, True
        if ended and ended_before:  # the closing job commits with the run: it is over
            return snap, False
        ended_before = ended
        if snap["jobs"].get((EXECUTE, "failed")) or snap["jobs"].get((STORE_PDFS, "failed")):
            return snap, False
        if time.monotonic() > deadline or not server.running():
            return snap, False
        if time.monotonic() - last_print > 10:
            last_print = time.monotonic()
            print(f"  … run {snap['run']}, lines {snap['lines']}, jobs {fmt_jobs(snap['jobs'])}")
        time.sleep(POLL * 5)


# ----------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------


def check_results(conn, data, at_kill, killed_started, pdf):  # noqa: PLR0915
    """The assertions on the final state; returns (failures, lines of report)."""
    failures, report = [], []
    run, partners, moves = data["run"], data["partners"], data["moves"]
    n_partners = len(partners)

    def check(ok, message):
        if not ok:
            failures.append(message)
        return ok

    run_state = query(conn, "SELECT state FROM relance_run WHERE id = %s", (run,))[0][0]
    check(run_state == "done", f"the run is {run_state}, not done")
    lines = dict(
        query(
            conn,
            "SELECT state, count(*) FROM relance_run_line WHERE run_id = %s GROUP BY state",
            (run,),
        )
    )
    report.append(f"run {data['run_name']} (id {run}): {run_state}; lines by state {lines}")
    check(not lines.get("proposed"), f"{lines.get('proposed')} lines still proposed")
    check(
        lines == {"done": data["lines"]},
        f"not every line is done: {lines} for {data['lines']} lines",
    )

    # the actions: one per (customer, level, channel), one per channel of the line's level
    rows = query(
        conn,
        """SELECT partner_id, level_id, channel, count(*), array_agg(state)
             FROM relance_history WHERE partner_id IN %s
         GROUP BY partner_id, level_id, channel""",
        (partners,),
    )
    duplicated = [row for row in rows if row[3] != 1]
    check(not duplicated, f"{len(duplicated)} (customer, level, channel) with several actions")
    per_customer = Counter(row[0] for row in rows)
    check(
        len(per_customer) == n_partners and set(per_customer.values()) == {1},
        f"actions per customer: {Counter(per_customer.values())} for {n_partners} customers "
        f"({n_partners - len(per_customer)} without any)",
    )
    history_states = Counter(state for row in rows for state in row[4])
    channels = Counter(row[2] for row in rows)
    check(history_states == {"done": n_partners}, f"action states {dict(history_states)}")
    report.append(
        f"actions: {sum(row[3] for row in rows)} for {n_partners} customers, "
        f"channels {dict(channels)}, states {dict(history_states)}, "
        f"{len(duplicated)} duplicated (customer, level, channel)"
    )
    unmatched = query(
        conn,
        """SELECT count(*) FROM relance_run_line l
            WHERE l.run_id = %s AND NOT EXISTS (
                SELECT 1 FROM relance_history h
                 WHERE h.run_line_id = l.id AND h.level_id = l.level_id)""",
        (run,),
    )[0][0]
    check(not unmatched, f"{unmatched} run lines without an action at their level")

    # the emails: one mail.mail and one outgoing message per customer and level, linked
    mails = query(
        conn,
        """SELECT msg.res_id, h.level_id, count(DISTINCT mail.id), count(DISTINCT msg.id)
             FROM mail_mail mail
             JOIN mail_message msg ON msg.id = mail.mail_message_id
             LEFT JOIN relance_history h ON h.mail_id = mail.id
            WHERE msg.model = 'res.partner' AND msg.res_id IN %s
         GROUP BY msg.res_id, h.level_id""",
        (partners,),
    )
    check(
        len(mails) == n_partners and all(row[2] == 1 and row[1] for row in mails),
        f"mails: {len(mails)} (customer, level) groups for {n_partners} customers, "
        f"counts {Counter(row[2] for row in mails)}, {sum(1 for r in mails if not r[1])} "
        "mails no action points to",
    )
    messages = query(
        conn,
        """SELECT res_id, count(*) FROM mail_message
            WHERE model = 'res.partner' AND res_id IN %s AND message_type = 'email_outgoing'
         GROUP BY res_id""",
        (partners,),
    )
    check(
        len(messages) == n_partners and all(row[1] == 1 for row in messages),
        f"outgoing messages: {Counter(row[1] for row in messages)} for {n_partners} customers",
    )
    unlinked = query(
        conn,
        """SELECT count(*) FROM relance_history h
             LEFT JOIN mail_mail mail ON mail.id = h.mail_id
             LEFT JOIN mail_message msg ON msg.id = h.message_id
            WHERE h.partner_id IN %s AND h.channel = 'email'
              AND (mail.id IS NULL OR msg.id IS NULL OR mail.mail_message_id <> msg.id
                   OR msg.res_id <> h.partner_id)""",
        (partners,),
    )[0][0]
    check(not unlinked, f"{unlinked} email actions without their own mail and message")
    report.append(
        f"emails: {sum(row[2] for row in mails)} mail.mail, "
        f"{sum(row[1] for row in messages)} outgoing mail.message for {n_partners} customers, "
        f"{unlinked} email actions without their mail"
    )

    # the invoices: one action line per (invoice, level, channel), one stored PDF
    rows = query(
        conn,
        """SELECT move_id, level_id, channel, count(*) FROM relance_history_line
            WHERE move_id IN %s GROUP BY move_id, level_id, channel""",
        (moves,),
    )
    duplicated = [row for row in rows if row[3] != 1]
    check(not duplicated, f"{len(duplicated)} duplicated (invoice, level, channel): {duplicated}")
    check(
        len({row[0] for row in rows}) == len(moves),
        f"{len(moves) - len({row[0] for row in rows})} invoices without an action line",
    )
    report.append(
        f"action lines: {sum(row[3] for row in rows)} for {len(moves)} invoices, "
        f"{len(duplicated)} duplicated (invoice, level, channel)"
    )
    if pdf:
        pdfs = dict(
            query(
                conn,
                """SELECT res_id, count(*) FROM ir_attachment
                    WHERE res_model = 'account.move' AND res_field = 'invoice_pdf_report_file'
                      AND res_id IN %s GROUP BY res_id""",
                (moves,),
            )
        )
        check(
            len(pdfs) == len(moves) and set(pdfs.values()) == {1},
            f"stored invoice PDFs: {Counter(pdfs.values())} for {len(moves)} invoices",
        )
        attached = query(
            conn,
            """SELECT mail.id, count(rel.attachment_id), bool_and(att.mimetype = 'application/pdf')
                 FROM mail_mail mail
                 JOIN mail_message msg ON msg.id = mail.mail_message_id
                 LEFT JOIN message_attachment_rel rel ON rel.message_id = msg.id
                 LEFT JOIN ir_attachment att ON att.id = rel.attachment_id
                WHERE msg.model = 'res.partner' AND msg.res_id IN %s
             GROUP BY mail.id""",
            (partners,),
        )
        check(
            all(row[1] == 1 and row[2] for row in attached),
            f"PDFs attached per mail: {Counter(row[1] for row in attached)}",
        )
        report.append(
            f"invoice PDFs: {sum(pdfs.values())} stored for {len(moves)} invoices, "
            f"attachments per mail {dict(Counter(row[1] for row in attached))}"
        )

    # the jobs: all done, none failed; the closing job told the validator once
    jobs = query(
        conn,
        """SELECT method_name, state, count(*), sum(retry), max(retry) FROM queue_job
            WHERE id > %s GROUP BY method_name, state ORDER BY 1, 2""",
        (data["first_job_id"],),
    )
    states = Counter()
    for method, state, count, retries, max_retry in jobs:
        states[state] += count
        report.append(
            f"jobs {method}: {count} {state}, {retries} retries (max {max_retry} on one job)"
        )
    check(not states["failed"], f"{states['failed']} jobs failed")
    check(set(states) == {"done"}, f"jobs not all done: {dict(states)}")
    expected_jobs = math.ceil(data["lines"] / data["job_size"])
    counts = Counter()
    for method, _state, count, _r, _m in jobs:
        counts[method] += count
    check(counts[EXECUTE] == expected_jobs, f"{counts[EXECUTE]} execution jobs")
    check(counts[FINISH] == 1, f"{counts[FINISH]} closing jobs")
    if pdf:
        check(counts[STORE_PDFS] == expected_jobs, f"{counts[STORE_PDFS]} PDF jobs")
    not_awaited = query(
        conn,
        """SELECT e.uuid FROM queue_job e, queue_job f
            WHERE e.id > %(first)s AND e.method_name = %(execute)s
              AND f.id > %(first)s AND f.method_name = %(finish)s
              AND NOT (f.dependencies::jsonb -> 'depends_on') ? e.uuid""",
        {"first": data["first_job_id"], "execute": EXECUTE, "finish": FINISH},
    )
    awaited = query(
        conn,
        """SELECT d.method_name, count(*) FROM queue_job d, queue_job f
            WHERE d.id > %(first)s AND f.id > %(first)s AND f.method_name = %(finish)s
              AND (f.dependencies::jsonb -> 'depends_on') ? d.uuid
         GROUP BY d.method_name""",
        {"first": data["first_job_id"], "finish": FINISH},
    )
    check(
        not not_awaited,
        f"the closing job does not wait for {len(not_awaited)} of the {counts[EXECUTE]} "
        f"execution jobs (it depends on {dict(awaited)})",
    )
    early = query(
        conn,
        """SELECT count(e.id), max(e.date_done) - min(f.date_started)
             FROM queue_job e, queue_job f
            WHERE e.id > %(first)s AND e.method_name = %(execute)s
              AND f.id > %(first)s AND f.method_name = %(finish)s
              AND e.date_done > f.date_started""",
        {"first": data["first_job_id"], "execute": EXECUTE, "finish": FINISH},
    )[0]
    check(
        not early[0],
        f"the closing job ran before {early[0]} execution jobs were done "
        f"(the last one {early[1]} after it started)",
    )
    report.append(
        f"closing job: waits for {counts[EXECUTE] - len(not_awaited)} of the "
        f"{counts[EXECUTE]} execution jobs, started before {early[0]} of them were done"
    )
    told = query(
        conn,
        """SELECT count(*) FROM mail_message
            WHERE model = 'relance.run' AND res_id = %s AND body::text LIKE %s""",
        (run, "%executed:%"),
    )[0][0]
    check(told == 1, f"the validator was told {told} times that the run was executed")
    report.append(f"closing message on the run: {told}")

    # the kill came mid-way, and the jobs it interrupted ran again
    done_at_kill = at_kill["lines"].get("done", 0)
    check(
        0 < done_at_kill < data["lines"],
        f"the kill was not mid-way: {done_at_kill} of {data['lines']} lines done",
    )
    final_rows = {
        uuid: row
        for uuid, *row in query(
            conn,
            "SELECT uuid, method_name, state, retry FROM queue_job WHERE uuid IN %s",
            (tuple(killed_started) or ("",),),
        )
    }
    for uuid in killed_started:
        method, state, retry = final_rows.get(uuid, (None, None, None))
        check(
            state == "done" and (retry or 0) >= 2,
            f"job {uuid} ({method}) running at the kill ended {state}, retry {retry} "
            "(found dead: 1, then run again: 2)",
        )
    report.append(
        f"kill mid-way: {done_at_kill} of {data['lines']} lines done (committed) at the kill, "
        f"{lines.get('done', 0)} after the restart; jobs running at the kill: "
        + (
            ", ".join(
                f"{final_rows[u][0]} {u[:8]} → {final_rows[u][1]} retry {final_rows[u][2]}"
                for u in killed_started
                if u in final_rows
            )
            or "none"
        )
    )
    return failures, report


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------


def log_count(path, needle):
    try:
        return path.read_text(errors="replace").count(needle)
    except OSError:
        return 0


def main():  # noqa: PLR0915
    args = parse_args()
    if args.workers is None:
        args.workers = 2 if args.no_pdf else 3
    port = args.port or free_port()
    gevent_port = free_port()
    while gevent_port == port:
        gevent_port = free_port()
    url = f"http://127.0.0.1:{port}"
    stamp = time.strftime("%Y%m%d%H%M%S")
    log_dir = Path(tempfile.mkdtemp(prefix=f"crash_test_{args.db}_"))
    logs = [log_dir / f"server{n}.log" for n in (1, 2)]
    servers = []

    def cleanup():
        for server in servers:
            with contextlib.suppress(Exception):
                server.kill()

    atexit.register(cleanup)
    # SIGTERM/SIGHUP of this script: through the finally below
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda s, _f: sys.exit(128 + s))

    timings = {}
    failures = []
    conn = None
    t0 = time.monotonic()
    try:
        ensure_database(args.db)
        timings["database ready"] = time.monotonic() - t0

        t = time.monotonic()
        data = prepare_data(args.db, args, url, stamp)
        data["job_size"] = args.job_size
        timings["data, run prepared and validated"] = time.monotonic() - t
        print(
            f"{data['run_name']}: {data['lines']} lines, {len(data['partners'])} new customers, "
            f"invoice PDFs {'off' if args.no_pdf else 'on'}, job size {args.job_size}",
            flush=True,
        )
        conn = connect(args.db)
        jobs = snapshot(conn, data)["jobs"]
        print(f"enqueued: {fmt_jobs(jobs)}", flush=True)

        # first server, killed mid-way
        server = Server(args.db, port, gevent_port, args.workers, logs[0])
        servers.append(server)
        t = time.monotonic()
        pid = server.start()
        print(f"server 1 started: pgid {pid}, port {port}, log {logs[0]}", flush=True)
        seen = wait_for_kill_point(conn, data, server, max(args.kill_after, 1))
        timings["server 1 start → kill point"] = time.monotonic() - t
        members = group_members(server.pgid)
        t = time.monotonic()
        stragglers = server.kill()
        wait_gone(server, conn)
        timings["SIGKILL → all gone (processes, port, sessions)"] = time.monotonic() - t
        at_kill = snapshot(conn, data)
        killed_started = [
            uuid for uuid, (_m, state, _r, _e) in at_kill["rows"].items() if state == "started"
        ]
        print(
            f"SIGKILL of group {server.pgid} ({len(members)} processes: {members}); "
            f"alive 2 s later and killed one by one: {stragglers or 'none'}",
            flush=True,
        )
        print(
            f"  seen before the kill: lines {seen['lines']}, jobs {fmt_jobs(seen['jobs'])}",
            flush=True,
        )
        print(
            f"  committed after the kill: lines {at_kill['lines']}, jobs "
            f"{fmt_jobs(at_kill['jobs'])}",
            flush=True,
        )

        # second server, until the run is done
        server = Server(args.db, port, gevent_port, args.workers, logs[1])
        servers.append(server)
        t = time.monotonic()
        pid = server.start()
        print(f"server 2 started: pgid {pid}, log {logs[1]}", flush=True)
        final, finished = wait_for_done(conn, data, server, args.timeout)
        timings["server 2 start → run done or jobs over"] = time.monotonic() - t
        if not finished:
            failures.append(
                f"the run was not closed ({time.monotonic() - t:.0f} s after the restart, "
                f"timeout {args.timeout} s): run {final['run']}, "
                f"lines {final['lines']}, jobs {fmt_jobs(final['jobs'])}, "
                f"{stuck_renderings(server)}"
            )
        t = time.monotonic()
        server.stop()
        timings["clean stop"] = time.monotonic() - t

        results, report = check_results(conn, data, at_kill, killed_started, not args.no_pdf)
        failures += results
        requeued = log_count(logs[1], "Re-queued dead job")
        errors = sum(log_count(log, " ERROR ") for log in logs)
        report.append(
            f"server logs: {requeued} 'Re-queued dead job' after the restart, {errors} ERROR "
            f"lines ({logs[0]}, {logs[1]})"
        )
    except CheckFailed as error:
        failures.append(str(error))
        report = []
    finally:
        cleanup()
        if conn is not None:
            conn.close()
    timings["total"] = time.monotonic() - t0

    print("\n" + "=" * 100)
    print(f"crash test of {MODULE} — database {args.db}")
    for line in report:
        print(f"  {line}")
    print("timings:")
    for name, seconds in timings.items():
        print(f"  {name}: {seconds:.1f} s")
    print("-" * 100)
    if failures:
        for failure in failures:
            print(f"FAIL {failure}")
        print("=" * 100)
        return 1
    print("OK   every customer reminded exactly once across the SIGKILL; the run is done")
    print("=" * 100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
