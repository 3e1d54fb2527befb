#!/usr/bin/env bash
# Runs Odoo 19 from the checkout's set-up: scripts/odoo.sh [odoo options…]
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "$ROOT/.odoo-env"
exec "$ROOT/.venv/bin/python" -W ignore::DeprecationWarning -c \
    'import sys, odoo.cli; sys.argv[0] = "odoo"; odoo.cli.main()' -c "$ROOT/odoo.conf" "$@"
