from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RelanceCommon

REF = "PREEXISTING-"
DUNNING_FIELDS = [
    "relance_policy_id",
    "relance_next_level_id",
    "relance_next_date",
    "relance_state",
    "relance_prescription_date",
]


@tagged("post_install", "-at_install")
class TestInstallExisting(RelanceCommon):
    """The test database is made as a user's: ``scripts/preexisting_data.py`` posts invoices
    in two companies with only ``account`` installed, then ``relance_avancee`` is installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # in the database's own companies, not the test company
        cls.existing = (
            cls.env["account.move"].sudo().search([("ref", "=like", f"{REF}%")], order="id")
        )

    def _existing(self, ref):
        move = self.existing.filtered(lambda m: m.ref == f"{REF}{ref}")
        self.assertEqual(len(move), 1, f"pre-existing invoice {REF}{ref} missing")
        return move

    def test_preexisting_invoices_entered_dunning(self):
        self.assertEqual(len(self.existing), 10, "scripts/preexisting_data.py did not run")
        overdue = self._existing("0") | self._existing("1") | self._existing("BRANCH-0")
        for move in overdue:
            policy = move.relance_policy_id
            self.assertEqual(policy.company_id, move.company_id)
            self.assertEqual(policy.policy_type, "b2b")
            first_overdue = policy.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
            self.assertEqual(move.relance_next_level_id, first_overdue, move.ref)
            self.assertEqual(
                move.relance_next_date,
                fields.Date.add(move.invoice_date_due, days=first_overdue.offset_days),
            )
            self.assertEqual(move.relance_state, "to_remind")
        consumer = self._existing("6")
        self.assertEqual(consumer.relance_policy_id.policy_type, "b2c")
        self.assertEqual(consumer.relance_state, "to_remind")
        not_due = self._existing("3")
        self.assertLess(not_due.relance_next_level_id.offset_days, 0, "pre-reminder first")
        self.assertEqual(not_due.relance_state, "not_due")
        self.assertEqual(self._existing("4").relance_state, "closed")  # paid
        self.assertFalse(self._existing("5").relance_next_level_id)  # draft
        self.assertFalse(self._existing("refund").relance_policy_id)
        self.assertTrue(overdue.mapped("relance_prescription_date"))

    def test_first_daily_run_proposes_them_at_their_level(self):
        self.assertEqual(len(self.existing.company_id), 2)
        self.env["relance.run"]._cron_run_dunning()
        lines = (
            self.env["relance.run.line"]
            .sudo()
            .search([("move_ids", "in", self.existing.ids), ("state", "=", "proposed")])
        )
        for ref in ("0", "1", "2", "BRANCH-0", "6"):
            move = self._existing(ref)
            line = lines.filtered(lambda line, move=move: move in line.move_ids)
            self.assertEqual(len(line), 1, f"{move.ref} not proposed")
            self.assertEqual(line.run_id.company_id, move.company_id)
            # one communication per customer, at the highest level due (the pre-reminder of
            # PREEXISTING-2 is covered by the first reminder of its customer's invoices)
            self.assertGreater(line.level_id.offset_days, 0)
            self.assertLessEqual(
                move.relance_next_level_id.sequence, line.level_id.sequence, move.ref
            )
        self.assertFalse(lines.move_ids & (self._existing("3") | self._existing("4")))

    def test_backfill_equals_the_computes_and_is_idempotent(self):
        """The set-based pass gives what the ORM computes give, and a second pass changes
        nothing."""
        moves = self.existing.filtered(lambda m: m.move_type == "out_invoice")
        self.assertEqual(len(moves), 8)
        backfilled = {m.id: [m[f] for f in DUNNING_FIELDS] for m in moves}
        # the stored fields the backfill sets, computed again by the ORM (the position —
        # next level, date, state — is computed at the date, never stored)
        stored = [name for name in DUNNING_FIELDS if moves._fields[name].store]
        self.assertEqual(stored, ["relance_policy_id", "relance_prescription_date"])
        for name in stored:
            self.env.add_to_compute(moves._fields[name], moves)
        moves.flush_recordset(stored)
        moves.invalidate_recordset()
        self.assertEqual({m.id: [m[f] for f in DUNNING_FIELDS] for m in moves}, backfilled)
        self.env["relance.engine"]._backfill(moves.company_id)
        self.assertEqual({m.id: [m[f] for f in DUNNING_FIELDS] for m in moves}, backfilled)

    def test_flags_of_existing_invoices_are_false_not_null(self):
        """The flags created by the install hook are false in the database: an invoice's
        first action does not rewrite its row to store the same false."""
        query = SQL(
            """SELECT count(*) FILTER (WHERE relance_dispute IS NULL
                                          OR relance_mediation IS NULL
                                          OR relance_handed_over IS NULL),
                      max(write_date)
                 FROM account_move WHERE id IN %s""",
            tuple(self.existing.ids),
        )
        [(nulls, written)] = self.env.execute_query(query)
        self.assertEqual(nulls, 0)
        moves = self.existing.filtered(lambda m: m.move_type == "out_invoice")
        moves.invalidate_recordset()
        moves.fetch(["relance_handed_over"])
        self.env.add_to_compute(moves._fields["relance_handed_over"], moves)
        moves.flush_recordset(["relance_handed_over"])
        self.assertEqual(self.env.execute_query(query), [(0, written)], "rows rewritten")

    def test_policy_created_later_takes_the_invoices_without_policy(self):
        """A company without a consumer policy: its consumers' invoices wait without one,
        and the B2C policy created later takes them at their stage."""
        self.policy_b2c.active = False
        invoice = self._relance_invoice(
            self.customer_b2c, 300.0, fields.Date.add(fields.Date.today(), days=-10)
        )
        self.assertFalse(invoice.relance_policy_id)
        policy = self.env["relance.policy"].create(
            {
                "name": "Consumers, new",
                "policy_type": "b2c",
                "company_id": self.company.id,
                "level_ids": [
                    fields.Command.create(
                        {
                            "name": "Reminder",
                            "offset_days": 5,
                            "channel_ids": [self.env.ref("relance_avancee.channel_email").id],
                        }
                    )
                ],
            }
        )
        self.assertEqual(invoice.relance_policy_id, policy)
        self.assertEqual(invoice.relance_next_level_id, policy.level_ids)
        self.assertEqual(
            invoice.relance_next_date, fields.Date.add(invoice.invoice_date_due, days=5)
        )
        self.assertEqual(invoice.relance_state, "to_remind")
