from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"
MODULE = "relance_avancee_queue_job"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_module_string_has_its_french(self):
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE], lang="en_US")
        source_terms = {term[4] for term in reader if term[0] == MODULE}
        self.assertGreater(len(source_terms), 10)
        french = {
            entry.msgid: entry.msgstr
            for entry in polib.pofile(str(I18N / "fr.po"))
            if not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = sorted(term for term in source_terms if not french.get(term))
        self.assertFalse(missing, f"strings without French in i18n/fr.po: {missing[:20]}")
        for entry in polib.pofile(str(I18N / "fr.po")):
            self.assertEqual(entry.msgid.count("%("), entry.msgstr.count("%("), entry.msgid)
