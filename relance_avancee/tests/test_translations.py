from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


def assert_french(test, module, i18n):
    """Every string of ``module`` has its French in ``i18n``/fr.po; returns its strings."""
    reader = TranslationModuleReader(test.env.cr, modules=[module], lang="en_US")
    source_terms = {term[4] for term in reader if term[0] == module}
    # obsolete (#~) and fuzzy entries are ignored by Odoo: they translate nothing
    french = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(i18n / "fr.po"))
        if not entry.obsolete and "fuzzy" not in entry.flags
    }
    missing = sorted(term for term in source_terms if not french.get(term))
    test.assertFalse(missing, f"strings without French in {module}/i18n/fr.po: {missing[:20]}")
    return source_terms


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """Every string of the module has its French, and the shipped template is up to date."""

    def test_every_module_string_has_its_french(self):
        source_terms = assert_french(self, "relance_avancee", I18N)
        self.assertGreater(len(source_terms), 500)
        template = {
            entry.msgid
            for entry in polib.pofile(str(I18N / "relance_avancee.pot"))
            if not entry.obsolete
        }
        self.assertEqual(
            (sorted(source_terms - template)[:20], sorted(template - source_terms)[:20]),
            ([], []),
            "i18n/relance_avancee.pot is out of date (strings missing, strings gone): "
            "run scripts/update_translations.sh",
        )

    def test_placeholders_kept_in_french(self):
        for entry in polib.pofile(str(I18N / "fr.po")):
            for placeholder in ("%(", "{{", "t-out"):
                self.assertEqual(
                    entry.msgid.count(placeholder),
                    entry.msgstr.count(placeholder),
                    f"{placeholder} differs in: {entry.msgid[:80]}",
                )
