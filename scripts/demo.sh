#!/usr/bin/env bash
# The product as a user sees it: (re)creates the database relance_demo with accounting, the
# French localisation, Odoo's demo payment provider, relance_avancee, its queue_job glue
# (relance_avancee_queue_job) and demo data, then serves it on http://127.0.0.1:8069 (the
# demo accountant: login comptable / password atelier-durand; the portal customer: portail /
# hotel-du-parc; the administrator: admin / admin).
# Odoo runs as in production: 3 HTTP workers and queue_job's job runner (validated runs are
# executed in the background, 2 jobs at once: one worker stays free to serve wkhtmltopdf the
# styles of the PDFs the jobs render), behind nginx, which sends /websocket to Odoo's
# evented port (the live notifications) and the rest to the workers.
# DEMO_DB=name to use another database name; HTTP_PORT (8069), ODOO_WORKERS (3).
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
"$ODOO" -d "$DB" -i relance_avancee,relance_avancee_queue_job --stop-after-init --log-level=warn
PORT="${HTTP_PORT:-8069}"              # nginx, what the browser opens
ODOO_PORT=$((PORT + 1))                # the HTTP workers
EVENTED_PORT=$((PORT + 3))             # the websocket (Odoo's gevent worker)
RUN="$ROOT/.odoo-data/demo-nginx"; mkdir -p "$RUN"
cat >"$RUN/nginx.conf" <<NGINX
pid $RUN/nginx.pid;
error_log $RUN/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $RUN; proxy_temp_path $RUN; fastcgi_temp_path $RUN;
    uwsgi_temp_path $RUN; scgi_temp_path $RUN;
    client_max_body_size 100m;
    proxy_read_timeout 720s;
    server {
        listen 127.0.0.1:$PORT;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Forwarded-Proto http;
        location /websocket {
            proxy_pass http://127.0.0.1:$EVENTED_PORT;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
        }
        location / { proxy_pass http://127.0.0.1:$ODOO_PORT; }
    }
}
NGINX
# its own process group, so that stopping the demo stops the workers and the job runner too
ODOO_QUEUE_JOB_CHANNELS="root:2,root.relance:2" setsid "$ODOO" -d "$DB" --db-filter "^$DB\$" \
    --workers "${ODOO_WORKERS:-3}" --load base,web,queue_job --proxy-mode \
    --http-port "$ODOO_PORT" --gevent-port "$EVENTED_PORT" --limit-time-real 600 \
    --log-level=info &
server=$!
/usr/sbin/nginx -c "$RUN/nginx.conf" -p "$RUN" -g "daemon off;" &
proxy=$!
stop() { kill "$proxy" 2>/dev/null; kill -- -"$server" 2>/dev/null; wait; exit 0; }
trap stop INT TERM
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
env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:$ODOO_PORT")
from odoo.addons.relance_avancee.demo import generator
print(len(generator.print_invoices(env)))
env.cr.commit()
PY
[ $? -eq 0 ] || echo "[demo] the invoices' PDFs could not be printed: see the error above"
echo "[demo] serving http://127.0.0.1:$PORT — the demo company's accountant: login comptable," \
    "password atelier-durand; the portal customer: login portail, password hotel-du-parc;" \
    "the administrator: login admin, password admin"
wait "$server"
kill "$proxy" 2>/dev/null
