"""Customer invoices that exist before relance_avancee is installed, as in a user's database.

Run by ``scripts/test.sh`` with ``odoo shell`` on a fresh database where only ``account`` is
installed; ``relance_avancee`` is installed afterwards, and
``relance_avancee/tests/test_install_existing.py`` checks that these invoices entered dunning
at their stage. Every invoice's ``ref`` starts with ``PREEXISTING-``; the due dates are
relative to the day the script runs. Two companies: the main one and a branch.

    scripts/odoo.sh shell -d DB --no-http < scripts/preexisting_data.py
"""

from odoo import Command, fields

REF = "PREEXISTING-"
# (customer, is a company, days from today to the due date, state)
INVOICES = [
    ("Existing Wholesale SARL", True, -60, "posted"),
    ("Existing Wholesale SARL", True, -10, "posted"),
    ("Existing Wholesale SARL", True, 3, "posted"),
    ("Existing Wholesale SARL", True, 30, "posted"),
    ("Existing Wholesale SARL", True, -20, "paid"),
    ("Existing Wholesale SARL", True, -20, "draft"),
    ("Existing Consumer", False, -5, "posted"),
]


def ensure_chart(env, company):
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)


def create_invoices(env, company, rows, prefix):
    env = env(context={**env.context, "allowed_company_ids": company.ids})
    ensure_chart(env, company)
    today = fields.Date.context_today(env.user)
    partners = {}
    for index, (name, is_company, days, state) in enumerate(rows):
        partner = partners.get(name) or env["res.partner"].create(
            {"name": name, "is_company": is_company, "email": f"{index}@existing.example"}
        )
        partners[name] = partner
        due = fields.Date.add(today, days=days)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "ref": f"{prefix}{index}",
                "invoice_date": fields.Date.add(due, days=-30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create({"name": "Services", "price_unit": 1000.0, "tax_ids": []})
                ],
            }
        )
        if state == "draft":
            continue
        invoice.action_post()
        if state == "paid":
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": due})._create_payments()
    refund = env["account.move"].create(
        {
            "move_type": "out_refund",
            "company_id": company.id,
            "partner_id": partners[rows[0][0]].id,
            "ref": f"{prefix}refund",
            "invoice_line_ids": [
                Command.create({"name": "Returned", "price_unit": 100.0, "tax_ids": []})
            ],
        }
    )
    refund.action_post()


def main(env):
    main_company = env.ref("base.main_company")
    create_invoices(env, main_company, INVOICES, REF)
    branch = env["res.company"].create({"name": "Existing Branch SAS"})
    env.user.company_ids |= branch
    create_invoices(env, branch, INVOICES[1:2], f"{REF}BRANCH-")
    env.cr.commit()
    print(f"preexisting data: {env['account.move'].search_count([('ref', '=like', REF + '%')])}")


main(env)  # noqa: F821 (the odoo shell's environment)
