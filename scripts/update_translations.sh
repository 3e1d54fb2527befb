#!/usr/bin/env bash
# Regenerates <module>/i18n/<module>.pot from a database where the modules are installed and
# merges it into <module>/i18n/fr.po (new strings appear untranslated, fuzzy ones flagged):
#   scripts/update_translations.sh [database] [module…]
#   (default relance_test; relance_avancee and its glue modules)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB="${1:-relance_test}"
shift || true
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=(relance_avancee relance_avancee_queue_job relance_avancee_snailmail)
for module in "${MODULES[@]}"; do
    I18N="$ROOT/$module/i18n"
    mkdir -p "$I18N"
    "$ROOT/scripts/odoo.sh" i18n export -d "$DB" -l pot -o "$I18N/$module.pot" "$module"
    if [ -f "$I18N/fr.po" ]; then
        msgmerge --quiet --no-fuzzy-matching --update --backup=none "$I18N/fr.po" "$I18N/$module.pot"
    else
        msginit --no-translator --locale=fr_FR.UTF-8 -i "$I18N/$module.pot" -o "$I18N/fr.po"
    fi
    msgfmt --check --statistics -o /dev/null "$I18N/fr.po"
done
