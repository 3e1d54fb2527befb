#!/usr/bin/env bash
# The product as a user sees it: (re)creates the database relance_demo with accounting, the
# French localisation, Odoo's demo payment provider, relance_avancee and demo data, then
# serves it on http://127.0.0.1:8069 (the demo accountant: login comptable / password
# atelier-durand; the portal customer: portail / hotel-du-parc; the administrator: admin / admin).
# DEMO_DB=name to use another database name.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
DB="${DEMO_DB:-relance_demo}"
ODOO="$ROOT/scripts/odoo.sh"
echo "[demo] (re)creating database $DB with demo data (takes a few minutes)"
dropdb -h "${PGHOST:-127.0.0.1}" --if-exists "$DB"
# the French localisation first: the module's demo creates a French company with its chart;
# payment_demo lets the portal customers pay online in test mode
"$ODOO" -d "$DB" -i account,l10n_fr_account,payment_demo --with-demo --load-language fr_FR \
    --stop-after-init --log-level=warn
"$ODOO" -d "$DB" -i relance_avancee --stop-after-init --log-level=warn
PORT="${HTTP_PORT:-8069}"
"$ODOO" -d "$DB" --db-filter "^$DB\$" --log-level=info &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server"; exit 0' INT TERM
"$ROOT/.venv/bin/python" - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/web/health", timeout=2)
        break
    except OSError:
        time.sleep(1)
PY
# wkhtmltopdf needs a running server for the style sheets: the invoices' PDFs are printed now
echo "[demo] printing the invoices' PDFs"
"$ODOO" shell -d "$DB" --log-level=warn >/dev/null <<PY
env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:$PORT")
from odoo.addons.relance_avancee.demo import generator
print(len(generator.print_invoices(env)))
env.cr.commit()
PY
[ $? -eq 0 ] || echo "[demo] the invoices' PDFs could not be printed: see the error above"
echo "[demo] serving http://127.0.0.1:$PORT — the demo company's accountant: login comptable," \
    "password atelier-durand; the portal customer: login portail, password hotel-du-parc;" \
    "the administrator: login admin, password admin"
wait "$server"
