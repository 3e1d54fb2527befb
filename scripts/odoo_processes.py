"""What the scripts that start real Odoo servers share (scripts/crash_test.py,
scripts/benchmark_jobs.py): the database connection of the checkout's odoo.conf, free ports,
the processes of a server's process group."""

import configparser
import socket
from pathlib import Path

import psycopg2

CONF = Path(__file__).resolve().parent.parent / "odoo.conf"
ODOO_SH = Path(__file__).resolve().parent / "odoo.sh"


def db_params(db_name):
    """psycopg2 connection parameters of the checkout's odoo.conf."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONF)
    options = parser["options"]
    params = {"dbname": db_name}
    for key in ("host", "port", "user", "password"):
        value = options.get(f"db_{key}", "").strip()
        if value and value.lower() != "false":
            params[key] = value
    return params


def connect(db_name):
    conn = psycopg2.connect(**db_params(db_name))
    conn.autocommit = True
    return conn


def query(conn, sql, params=None):
    with conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall() if cr.description else []


def server_command(db_name, workers, port, gevent_port, limit_seconds):
    """``scripts/odoo.sh`` serving only this database with HTTP workers and queue_job's job
    runner (loaded server-wide), no cron, requests (jobs) allowed ``limit_seconds``."""
    return [
        str(ODOO_SH),
        "-d",
        db_name,
        "--db-filter",
        f"^{db_name}$",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--load=base,web,queue_job",
        "--http-port",
        str(port),
        "--gevent-port",
        str(gevent_port),
        "--limit-time-real",
        str(limit_seconds),
        "--limit-time-cpu",
        str(limit_seconds),
    ]


def free_port(taken=()):
    """A TCP port nothing listens on, none of ``taken``."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in taken:
            return port


def port_free(port):
    """Whether nothing listens on the port (Odoo binds it with SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def group_members(pgid, name=None):
    """The live (non-zombie) processes of this process group (whose command is ``name``)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm, rest = stat.split("(", 1)[1].rsplit(")", 1)
        state, _ppid, pgrp = rest.split()[:3]
        if int(pgrp) == pgid and state != "Z" and name in (None, comm):
            members.append(int(entry.name))
    return members
