#!/usr/bin/env bash
# The linters of the project, as the test command runs them: every pre-commit hook
# (.pre-commit-config.yaml: ruff lint and format, pylint-odoo mandatory checks, prettier for the
# XML and JavaScript) on every file of the repository. Exit 1 on a finding.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
git rev-parse --git-dir >/dev/null 2>&1 || { echo "lint: not a git checkout (pre-commit needs one)" >&2; exit 1; }
PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$ROOT/.pre-commit-cache}" \
    .venv/bin/pre-commit run --all-files --show-diff-on-failure --color never
