from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class RelanceCommon(AccountTestInvoicingCommon):
    """Accounting fixtures plus the people of the dunning process."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        cls.accountant = cls._relance_user("relance_accountant", "account.group_account_invoice")
        cls.manager = cls._relance_user("relance_manager", "account.group_account_manager")
        cls.basic_user = cls._relance_user("relance_basic", "base.group_user")
        cls.company = company
        cls.env["relance.policy"]._ensure_default_policies(company)
        policies = cls.env["relance.policy"].search([("company_id", "=", company.id)])
        cls.policy_b2b = policies.filtered(lambda p: p.policy_type == "b2b")
        cls.policy_b2c = policies.filtered(lambda p: p.policy_type == "b2c")
        # Reminders go out whatever the day and hour the suite runs at; the sending window
        # is tested by itself, at frozen times (test_customer_message.py).
        always = {"send_days": "all", "send_hour_from": 0.0, "send_hour_to": 24.0}
        for name, value in always.items():
            cls.env["ir.default"].set("relance.policy", name, value)
        policies.write(always)
        cls.customer_b2b = cls.env["res.partner"].create(
            {"name": "Dupont Industries SAS", "is_company": True, "email": "compta@dupont.example"}
        )
        cls.customer_b2c = cls.env["res.partner"].create(
            {"name": "Jeanne Martin", "email": "jeanne.martin@example.com"}
        )

    @classmethod
    def _relance_user(cls, login, groups):
        company = cls.company_data["company"]
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _relance_invoice(cls, partner, amount, due_date, post=True, invoice_date=None, **kwargs):
        invoice = cls._create_invoice(
            partner_id=partner,
            invoice_date=invoice_date or fields.Date.add(due_date, days=-30),
            invoice_date_due=due_date,
            invoice_payment_term_id=False,
            invoice_line_ids=[cls._prepare_invoice_line(price_unit=amount, tax_ids=[])],
            **kwargs,
        )
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _relance_action(cls, partner, level, channel, moves, when, **values):
        """A dunning action of ``channel`` at ``level`` for these invoices, to execute."""
        history_model = cls.env["relance.history"]
        channel = cls.env.ref(f"relance_avancee.channel_{channel}")
        return history_model.create(
            history_model._action_values(partner, level, channel, moves, date=when, **values)
        )

    @classmethod
    def _pay(cls, invoice, amount, when):
        """Registers a payment of ``amount`` on the invoice, dated ``when``."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": when})
            ._create_payments()
        )

    def _log_call(self, history, outcome, **values):
        """Logs the call ``history`` as the accountant does, in the wizard's form with these
        values. Returns (the wizard, what confirming it returned)."""
        form = Form(
            self.env["relance.call.log"]
            .with_user(self.accountant)
            .with_context(active_model="relance.history", active_ids=history.ids)
        )
        form.outcome = outcome
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        return wizard, wizard.action_confirm()

    def _relance_cron(self, day):
        """The daily dunning cron, run on ``day``."""
        with freeze_time(day):
            self.env["relance.run"]._cron_run_dunning()
            self.env.flush_all()
