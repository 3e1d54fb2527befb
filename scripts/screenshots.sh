#!/usr/bin/env bash
# Takes the README's screenshots from the running demo (make demo, http://127.0.0.1:8069) with
# Debian's Chromium driven by playwright-core (npm), into relance_avancee/static/description/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB="${DEMO_DB:-relance_demo}"
cd "$ROOT/scripts/screenshots"
[ -d node_modules/playwright-core ] || npm install --silent --no-audit --no-fund
# an overdue, unpaid invoice of the demo company
invoice=$(psql -h "${PGHOST:-127.0.0.1}" -d "$DB" -Atc "SELECT m.id FROM account_move m
    JOIN res_partner p ON p.id = m.partner_id WHERE p.name = 'Menuiserie Bernard SARL'
    AND m.move_type = 'out_invoice' AND m.payment_state = 'not_paid' LIMIT 1")
node shoot.js "$ROOT/relance_avancee/static/description" "$invoice" "http://127.0.0.1:${HTTP_PORT:-8069}"
