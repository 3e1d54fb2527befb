import base64
import io
from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.relance_avancee.tests.common import RelanceCommon
from odoo.addons.snailmail.models import snailmail_letter

DAY = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestSnailmail(RelanceCommon):
    """Letters posted by Odoo Snailmail, without the network: the letter is created once,
    with the invoices appended, and the action follows what the post answers (the IAP
    call is replaced by its recorded answer)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_b2b.write(
            {
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.level = cls.policy_b2b.level_ids.filtered(
            lambda lv: "letter" in lv.channel_ids.mapped("code")
        )[:1]
        cls.level.write({"snailmail_send": True, "letter_append_invoices": True})
        # an IAP account of its own: Snailmail looks none up nor creates one elsewhere
        service = cls.env["iap.service"].search([("technical_name", "=", "snailmail")])
        cls.env["iap.account"].sudo().create({"service_id": service.id})

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def _letter_action(self):
        invoices = self._relance_invoice(
            self.customer_b2b, 100.0, date(2026, 1, 15)
        ) | self._relance_invoice(self.customer_b2b, 200.0, date(2026, 1, 20))
        history = self._relance_action(self.customer_b2b, self.level, "letter", invoices, DAY)
        history = history.with_env(self.env)
        history._execute()
        return history

    def _snailmail(self, history):
        return self.env["snailmail.letter"].search(
            [("model", "=", "relance.history"), ("res_id", "=", history.id)]
        )

    def _print(self, letters, answer):
        """Snailmail's print, the IAP server answering ``answer`` for each letter."""
        sent = []

        def iap_jsonrpc(url, params=None, timeout=None, **_kwargs):
            sent.extend(params["documents"])
            return {
                "request_code": 200,
                "request": {
                    "documents": [{"letter_id": doc["letter_id"], **answer} for doc in sent]
                },
            }

        with patch.object(snailmail_letter.iap_tools, "iap_jsonrpc", iap_jsonrpc):
            letters._snailmail_print_valid_address()
        return sent

    def test_letter_posted_once_then_done(self):
        history = self._letter_action()
        letter = self._snailmail(history)
        self.assertEqual(len(letter), 1)
        self.assertEqual((letter.state, letter.partner_id), ("pending", self.customer_b2b))
        self.assertEqual(
            (history.state, history.attachment_id.mimetype), ("todo", "application/pdf")
        )
        self.assertIn("Snailmail", history.reason)
        history._execute()
        self.assertEqual(len(self._snailmail(history)), 1, "executed again, posted once")
        documents = self._print(letter, {"sent": True, "send_id": "PINGEN-42"})
        self.assertEqual(letter.state, "sent")
        self.assertEqual(history.state, "done")
        self.assertFalse(history.reason)
        # the letter posted is followed by its two invoices, as the one printed
        posted = PdfFileReader(io.BytesIO(base64.b64decode(documents[0]["pdf_bin"])))
        printed = PdfFileReader(io.BytesIO(history.attachment_id.raw))
        self.assertEqual(len(posted.pages), len(printed.pages))
        self.assertEqual(len(printed.pages), 3)
        for move, page in zip(history.move_ids, posted.pages[1:], strict=True):
            self.assertIn(move.name, page.extract_text())

    def test_letter_not_posted_stays_to_print(self):
        history = self._letter_action()
        self._print(self._snailmail(history), {"sent": False, "error": "CREDIT_ERROR"})
        # posted by hand now: cancelled, never posted again by Snailmail's retries
        self.assertEqual(self._snailmail(history).state, "canceled")
        self.assertEqual(history.state, "todo")
        self.assertIn("did not post the letter", history.reason)
        self.assertIn("enough credits", history.reason)

    def test_incomplete_address_refused_without_calling_the_post(self):
        self.customer_b2b.country_id = False
        history = self._letter_action()
        letter = self._snailmail(history)
        self.assertEqual(letter.state, "canceled")
        self.assertIn("not complete", history.reason)

    def test_never_for_a_formal_notice(self):
        notice = self.policy_b2b.level_ids.filtered(
            lambda lv: "notice" in lv.channel_ids.mapped("code")
        )
        with self.assertRaises(ValidationError):
            notice.snailmail_send = True
