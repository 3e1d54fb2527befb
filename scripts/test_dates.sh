#!/usr/bin/env bash
# The whole test suite with the clock set to other days of the month (libfaketime, Debian's
# faketime package): no test may depend on the calendar day. Slow (one full run a date), so
# not part of `make test`; run it when a test touches dates.
#   scripts/test_dates.sh [YYYY-MM-DD …]   default: the 1st, the 15th and the 31st of a month
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v faketime >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
}
bash scripts/setup.sh >/dev/null || { echo "set-up failed" >&2; exit 1; }
[ $# -gt 0 ] || set -- 2027-01-01 2027-01-15 2026-12-31
# Chromium crashes with libfaketime preloaded, even when told to skip it: the browser tours
# find, first on the PATH, a chromium that starts without it (on the real clock).
BIN="$ROOT/.test-logs/faketime-bin"
mkdir -p "$BIN"
printf '#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec /usr/bin/chromium "$@"\n' >"$BIN/chromium"
chmod +x "$BIN/chromium"
status=0
for day in "$@"; do
    echo "[test_dates] $day"
    # The clock starts at 09:00 that day and runs on; Chromium and the PostgreSQL server
    # keep the real clock.
    PATH="$BIN:$PATH" TEST_DB="relance_test_${day//-/}" \
        faketime -f "@$day 09:00:00" bash scripts/test.sh >"$ROOT/.test-logs/dates-$day.log" 2>&1
    rc=$?
    mkdir -p "$ROOT/.test-logs/dates-$day"
    cp "$ROOT"/.test-logs/{pytest,tours,install}.log "$ROOT/.test-logs/dates-$day/" 2>/dev/null
    echo "[test_dates] $day: $(grep -E '^tests: ' "$ROOT/.test-logs/dates-$day.log" | tail -n1) (exit $rc)"
    [ "$rc" -eq 0 ] || status=1
    dropdb -h "${PGHOST:-127.0.0.1}" --if-exists "relance_test_${day//-/}" 2>/dev/null
done
exit $status
