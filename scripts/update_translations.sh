#!/usr/bin/env bash
# Regenerates relance_avancee/i18n/relance_avancee.pot from a database where the module is
# installed and merges it into fr.po (new strings appear untranslated, fuzzy ones flagged):
#   scripts/update_translations.sh [database]      (default relance_test)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB="${1:-relance_test}"
I18N="$ROOT/relance_avancee/i18n"
"$ROOT/scripts/odoo.sh" i18n export -d "$DB" -l pot -o "$I18N/relance_avancee.pot" relance_avancee
msgmerge --quiet --no-fuzzy-matching --update --backup=none "$I18N/fr.po" "$I18N/relance_avancee.pot"
msgfmt --check --statistics -o /dev/null "$I18N/fr.po"
