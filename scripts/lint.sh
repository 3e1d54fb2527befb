#!/usr/bin/env bash
# The linters of the project, as the test command runs them: ruff (lint and format) on the
# whole repository, pylint-odoo with the mandatory checks on the module. Exit 1 on a finding.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
rc=0
.venv/bin/ruff check relance_avancee scripts conftest.py || rc=1
.venv/bin/ruff format --check relance_avancee scripts conftest.py || rc=1
.venv/bin/pylint --rcfile=.pylintrc-mandatory relance_avancee || rc=1
exit $rc
