#!/usr/bin/env bash
# Runs Odoo 19 with the checkout's set-up and odoo.conf:
#   scripts/odoo.sh [subcommand] [odoo options…]   e.g. scripts/odoo.sh shell -d relance_demo
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
    # the configuration goes last: some subcommands have their own (i18n export …)
    set -- "$@" -c "$ROOT/odoo.conf"
else
    set -- -c "$ROOT/odoo.conf" "$@"
fi
PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}" \
    exec "$ROOT/.venv/bin/python" "$ROOT/scripts/odoo-bin" "$@"
