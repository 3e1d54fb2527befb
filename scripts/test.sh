#!/usr/bin/env bash
# The whole test suite from nothing: set-up, a fresh test database with the module installed,
# pytest-odoo for the TransactionCase tests, Odoo's own runner for the HttpCase browser tours.
# Linters first (scripts/lint.sh, counted as one test). Prints "N passed, N failed" and exits
# non-zero on any failure, error, skipped tour or no test.
#   TEST_DB=name        database to (re)create (default relance_test)
#   PYTEST_ARGS="-k x"  extra pytest arguments; SKIP_TOURS=1 skips the browser part
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh || { echo "set-up failed" >&2; exit 1; }
DB="${TEST_DB:-relance_test}"
LOGS="$ROOT/.test-logs"; mkdir -p "$LOGS"
ODOO="$ROOT/scripts/odoo.sh"
. "$ROOT/.odoo-env"

echo "[test] linters: pre-commit (ruff, pylint-odoo mandatory checks, prettier) (log: $LOGS/lint.log)"
lint_failed=0
bash "$ROOT/scripts/lint.sh" >"$LOGS/lint.log" 2>&1 || { lint_failed=1; tail -n 40 "$LOGS/lint.log"; }

echo "[test] French law without a database (plain pytest, tests/; log: $LOGS/law.log)"
"$ROOT/.venv/bin/pytest" -p no:cacheprovider -p no:odoo -q "$ROOT/tests" >"$LOGS/law.log" 2>&1
law_rc=$?
tail -n 1 "$LOGS/law.log"
law_summary=$(tail -n 1 "$LOGS/law.log")
law_passed=$(echo "$law_summary" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+" || echo 0)
law_failed=$(echo "$law_summary" | grep -oE "[0-9]+ (failed|errors?)" | awk '{s += $1} END {print s + 0}')
[ "$law_rc" -eq 0 ] || [ "${law_failed:-0}" -gt 0 ] || law_failed=1

# As a user installs: invoices posted with accounting alone (scripts/preexisting_data.py),
# then the module (tests/test_install_existing.py checks that they entered dunning).
echo "[test] creating database $DB: accounting, invoices, then relance_avancee (log: $LOGS/install.log)"
dropdb -h "${PGHOST:-127.0.0.1}" --if-exists "$DB" 2>/dev/null
{ "$ODOO" -d "$DB" -i account --stop-after-init --log-level=warn &&
  "$ODOO" shell -d "$DB" --no-http --log-level=warn <"$ROOT/scripts/preexisting_data.py" &&
  "$ODOO" -d "$DB" -i relance_avancee --stop-after-init --log-level=warn; } >"$LOGS/install.log" 2>&1
if [ $? -ne 0 ] || grep -q " ERROR \| CRITICAL \|Traceback" "$LOGS/install.log"; then
    grep -A20 " ERROR \| CRITICAL " "$LOGS/install.log" | head -60
    echo "0 passed, 1 failed"; echo "[test] the module does not install" >&2; exit 1
fi

echo "[test] pytest-odoo: TransactionCase tests"
# shellcheck disable=SC2086
"$ROOT/.venv/bin/pytest" -p no:cacheprovider --odoo-config="$ROOT/odoo.conf" \
    --odoo-database="$DB" relance_avancee/tests relance_avancee_snailmail/tests ${PYTEST_ARGS:-} 2>&1 | tee "$LOGS/pytest.log"
py_rc=${PIPESTATUS[0]}
summary=$(grep -E '^=+ .* in [0-9.]+s' "$LOGS/pytest.log" | tail -n1)
num() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '[0-9]+' || echo 0; }
passed=$(( $(num passed) + law_passed )); failed=$(( $(num failed) + $(num error) + $(num errors) + ${law_failed:-0} ))
skipped=$(num skipped)

# The background execution on OCA queue_job: its own database (the module changes how runs
# execute), its tests, then the crash test (a real server with workers, killed mid-run).
QDB="${DB}_queue_job"
echo "[test] relance_avancee_queue_job: database $QDB with queue_job (log: $LOGS/install_queue_job.log)"
dropdb -h "${PGHOST:-127.0.0.1}" --if-exists "$QDB" 2>/dev/null
"$ODOO" -d "$QDB" -i relance_avancee_queue_job --stop-after-init --log-level=warn \
    >"$LOGS/install_queue_job.log" 2>&1
if [ $? -ne 0 ] || grep -q " ERROR \| CRITICAL " "$LOGS/install_queue_job.log"; then
    grep -A20 " ERROR \| CRITICAL " "$LOGS/install_queue_job.log" | head -40
    echo "[test] relance_avancee_queue_job does not install"; failed=$((failed + 1))
else
    # shellcheck disable=SC2086
    "$ROOT/.venv/bin/pytest" -p no:cacheprovider --odoo-config="$ROOT/odoo.conf" \
        --odoo-database="$QDB" relance_avancee_queue_job/tests ${PYTEST_ARGS:-} 2>&1 |
        tee "$LOGS/pytest_queue_job.log"
    q_rc=${PIPESTATUS[0]}
    summary=$(grep -E '^=+ .* in [0-9.]+s' "$LOGS/pytest_queue_job.log" | tail -n1)
    passed=$((passed + $(num passed))); failed=$((failed + $(num failed) + $(num error) + $(num errors)))
    skipped=$((skipped + $(num skipped)))
    [ "$q_rc" -eq 0 ] || [ "$(num failed)" -gt 0 ] || failed=$((failed + 1))
    if [ -n "${FAKETIME:-}" ]; then
        # queue_job dates its retries by the workers' clock and runs them by PostgreSQL's
        echo "[test] crash test NOT RUN under libfaketime (scripts/test_dates.sh): the job" \
            "runner compares the workers' clock with PostgreSQL's; it runs in make test"
    else
        echo "[test] crash test: a server with workers killed (SIGKILL) mid-run, restarted" \
            "(log: $LOGS/crash.log)"
        if "$ROOT/.venv/bin/python" "$ROOT/scripts/crash_test.py" --db "$QDB" \
            >"$LOGS/crash.log" 2>&1; then
            passed=$((passed + 1)); tail -n 5 "$LOGS/crash.log"
        else
            failed=$((failed + 1)); tail -n 30 "$LOGS/crash.log"
        fi
    fi
fi

if [ -z "${SKIP_TOURS:-}" ]; then
    port=$("$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo "[test] Odoo runner: HttpCase browser tours in Chromium (port $port, log: $LOGS/tours.log)"
    "$ODOO" -d "$DB" --test-enable --test-tags relance_tour --http-port "$port" \
        --stop-after-init --log-level=info >"$LOGS/tours.log" 2>&1
    tour_rc=$?
    grep -E "(ERROR|FAIL|skipped|tests when loading)" "$LOGS/tours.log" | grep -v "DeprecationWarning" | tail -n 30
    report=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOGS/tours.log" | tail -n1)
    t_run=$(echo "$report" | grep -oE "of [0-9]+" | grep -oE "[0-9]+" || echo 0)
    t_bad=$(( $(echo "$report" | grep -oE "^[0-9]+" || echo 0) + $(echo "$report" | grep -oE "[0-9]+ error" | grep -oE "[0-9]+" || echo 0) ))
    t_skip=$(grep -c " skipped " "$LOGS/tours.log")
    [ -n "$report" ] || { t_bad=1; echo "[test] the tour run printed no report (exit $tour_rc)"; }
    [ "$tour_rc" -eq 0 ] || [ "$t_bad" -gt 0 ] || t_bad=1
    [ "${t_run:-0}" -gt 0 ] || { t_bad=$((t_bad + 1)); echo "[test] no browser tour ran"; }
    [ "$t_skip" -eq 0 ] || { t_bad=$((t_bad + t_skip)); echo "[test] $t_skip browser test(s) skipped: counted as failures"; }
    passed=$((passed + t_run - (t_bad > t_run ? t_run : t_bad)))
    failed=$((failed + t_bad))
fi

# the linters count as one test
if [ "$lint_failed" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "tests: $passed passed, $failed failed"
[ "$skipped" -eq 0 ] || echo "[test] pytest skipped $skipped test(s)"
if [ "$py_rc" -ne 0 ] || [ "$law_rc" -ne 0 ] || [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
exit 0
