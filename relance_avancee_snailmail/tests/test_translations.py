from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged

from odoo.addons.relance_avancee.tests.test_translations import assert_french

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_module_string_has_its_french(self):
        self.assertGreater(len(assert_french(self, "relance_avancee_snailmail", I18N)), 3)
        for entry in polib.pofile(str(I18N / "fr.po")):
            self.assertEqual(entry.msgid.count("%("), entry.msgstr.count("%("), entry.msgid)
