"""The demo data relative to today, loaded after the records of the demo XML files
(demo/relance_demo.xml calls ``relance.engine._load_demo``): the customers' invoices at
every stage of both ladders, the history the daily runs of the past weeks would have left,
settlements, payments, and today's proposal to validate. A plain module, not a model: a
database without demo data carries none of it."""

from datetime import timedelta

from odoo import Command, fields

MODULE = "relance_avancee"
DEMO_COMPANY = "demo_company_atelier_durand"

# (customer, [(days late today, amount), ...]), by XML id of demo/res_partner_demo.xml; the
# delays hit the levels' days so that today's proposal has customers at several levels.
DEMO_INVOICES = [
    ("demo_partner_boulangerie_martin", [(-5, 1850.0), (7, 640.0)]),
    ("demo_partner_transports_lefevre", [(16, 4200.0)]),
    ("demo_partner_garage_moreau", [(8, 320.0), (18, 980.0)]),
    ("demo_partner_cabinet_dubois", [(25, 7600.0)]),
    ("demo_partner_menuiserie_bernard", [(40, 2350.0)]),
    ("demo_partner_imprimerie_petit", [(10, 1275.0)]),
    ("demo_partner_hotel_du_parc", [(57, 5100.0), (44, 890.0)]),
    ("demo_partner_sophie_laurent", [(-3, 129.0)]),
    ("demo_partner_julien_roux", [(3, 249.9)]),
    ("demo_partner_camille_fournier", [(10, 389.0)]),
    ("demo_partner_thomas_girard", [(17, 560.0)]),
    ("demo_partner_lea_bonnet", [(30, 215.0)]),
    ("demo_partner_patisserie_leroy", [(16, 1480.0)]),
    ("demo_partner_nicolas_petit", [(12, 690.0)]),
    ("demo_partner_electricite_garnier", [(-2, 2900.0)]),
    ("demo_partner_librairie_mercier", [(5, 430.0)]),
    ("demo_partner_fromagerie_blanc", [(15, 980.0)]),
    ("demo_partner_plomberie_chevalier", [(22, 1160.0)]),
    ("demo_partner_sci_les_tilleuls", [(33, 3400.0)]),
    ("demo_partner_restaurant_le_bouchon", [(48, 2275.0)]),
    ("demo_partner_agence_horizon_conseil", [(62, 1850.0)]),
    ("demo_partner_bati_sud_construction", [(95, 12800.0), (70, 4300.0)]),
    ("demo_partner_marie_dupont", [(-1, 79.9)]),
    ("demo_partner_louis_mathieu", [(11, 199.0)]),
    ("demo_partner_antoine_lambert", [(15, 445.0)]),
    ("demo_partner_manon_faure", [(20, 150.0)]),
    ("demo_partner_hugo_vincent", [(38, 610.0)]),
    ("demo_partner_chloe_rousseau", [(45, 320.0)]),
    ("demo_partner_emma_perrin", [(52, 275.0)]),
    ("demo_partner_lucas_morel", [(64, 890.0)]),
]
# a customer abroad: (customer, [(currency, rate to the euro, days late today, amount)])
DEMO_FOREIGN = ("demo_partner_alpine_tools", [("USD", 1.08, 9, 2400.0), ("CHF", 0.94, 19, 860.0)])
# (customer, amount) of an invoice with an early-payment discount, at its pre-reminder today
DEMO_DISCOUNT = ("demo_partner_electricite_garnier", 1200.0)
# (customer, reason, note, opened so many days ago) of a dispute
DEMO_DISPUTE = ("demo_partner_garage_moreau", "not_delivered", "Livraison contestée", 9)
# (customer, amount or 0 for the whole invoice, message) of a payment declared on the portal
DEMO_PAID_DECLARATION = (
    "demo_partner_cabinet_dubois",
    0,
    "Virement effectué avant-hier, référence VIR-2026-1187.",
)
# handed over to a bailiff by the manager after the formal notice: (customer, agency, note)
# (consumer, registered letter number, days to its receipt): a formal notice whose
# acknowledgment of receipt came back, from which the consumer's legal interest runs
DEMO_NOTICE_RECEIPT = ("demo_partner_lucas_morel", "1A 187 654 3210 9", 2)
DEMO_HANDOVER = (
    "demo_partner_bati_sud_construction",
    "demo_partner_etude_fabre",
    "Mise en demeure restée sans réponse ; dossier transmis pour injonction de payer.",
)
# the bailiff's fees (percentage, fixed fee per file, minimum) and what it recovered of
# the file: (share of the amount handed over, note)
DEMO_AGENCY_FEES = (8.0, 60.0, 150.0)
DEMO_RECOVERIES = [
    (0.25, "Saisie-attribution sur compte bancaire"),
    (0.1, "Premier versement de l'échéancier accordé par le débiteur"),
]

# (customer, share of the invoice paid, days after its last reminder)
DEMO_PAYMENTS = [
    ("demo_partner_hotel_du_parc", 1.0, 4),
    ("demo_partner_transports_lefevre", 0.5, 1),
    ("demo_partner_thomas_girard", 1.0, 2),
    ("demo_partner_lea_bonnet", 0.4, 3),
    ("demo_partner_plomberie_chevalier", 0.3, 2),
]

# Invoices of the past months, paid: (customer, amount, due so many days ago, days late when
# paid); the managers' dashboard compares two periods and grades the customers' behaviour
DEMO_PAID_HISTORY = [
    ("demo_partner_boulangerie_martin", 1320.0, 150, 2),
    ("demo_partner_boulangerie_martin", 980.0, 95, 0),
    ("demo_partner_transports_lefevre", 3650.0, 140, 21),
    ("demo_partner_transports_lefevre", 2800.0, 110, 33),
    ("demo_partner_cabinet_dubois", 5400.0, 125, 9),
    ("demo_partner_cabinet_dubois", 3200.0, 70, 15),
    ("demo_partner_hotel_du_parc", 4100.0, 130, 48),
    ("demo_partner_menuiserie_bernard", 1900.0, 115, 27),
    ("demo_partner_imprimerie_petit", 850.0, 62, 24),
    ("demo_partner_patisserie_leroy", 760.0, 100, 4),
    ("demo_partner_sophie_laurent", 129.0, 120, 0),
    ("demo_partner_camille_fournier", 389.0, 105, 12),
    ("demo_partner_julien_roux", 249.9, 75, 9),
]
# (customer, due days ago of its paid invoice above, days after the due date it promised
# to pay): kept when paid by then, else broken
DEMO_PAST_PROMISES = [
    ("demo_partner_cabinet_dubois", 70, 15),
    ("demo_partner_imprimerie_petit", 62, 12),
]
# the causes of delay the customers gave (on the phone, on the portal) for their invoices
# reminded, besides those of the disputes
DEMO_CAUSES = [
    ("demo_partner_transports_lefevre", "cash"),
    ("demo_partner_cabinet_dubois", "process"),
    ("demo_partner_menuiserie_bernard", "forgotten"),
    ("demo_partner_restaurant_le_bouchon", "cash"),
    ("demo_partner_lea_bonnet", "cash"),
    ("demo_partner_hugo_vincent", "unknown"),
    ("demo_partner_agence_horizon_conseil", "process"),
    ("demo_partner_imprimerie_petit", "forgotten"),
]
# the satisfaction ratings (5 satisfied, 3 neutral, 1 dissatisfied) and comments of the
# customers whose reminded invoices were paid; the others have not answered yet
DEMO_RATINGS = {
    "demo_partner_transports_lefevre": (3, ""),
    "demo_partner_cabinet_dubois": (5, "Relances courtoises, merci."),
    "demo_partner_menuiserie_bernard": (5, ""),
    "demo_partner_imprimerie_petit": (1, "Trois relances pour un oubli, c'est beaucoup."),
    "demo_partner_camille_fournier": (5, ""),
    "demo_partner_julien_roux": (3, ""),
    "demo_partner_thomas_girard": (5, "Appel aimable et efficace."),
}


def demo_record(env, xmlid):
    """A record of the demo XML files, by its XML id without the module."""
    return env.ref(f"{MODULE}.{xmlid}")


def load(env):
    """Loads the demo data relative to today into the demo company."""
    if env["res.lang"]._lang_get("fr_FR"):
        # the XML records cannot name a language that may not be installed: the customers
        # read French, and the notes of the simulated runs are written in French, like
        # their levels
        env = env(context=dict(env.context, lang="fr_FR"))
        _demo_partners(env).write({"lang": "fr_FR"})
    company = demo_record(env, DEMO_COMPANY)
    _load_chart(env, company)
    _enable_demo_payment(env, company)
    # the administrator sells, follows the dunning and answers the customers (not OdooBot,
    # who runs the module's installation)
    admin = env.ref("base.user_admin").id
    env = (
        env["res.company"]
        .with_company(company)
        .with_context(default_invoice_user_id=admin, default_user_id=admin)
        .env
    )
    today = fields.Date.context_today(env["res.company"])
    invoices = _load_invoices(env, company, today)
    invoices |= _load_foreign_invoices(env, company, today)
    invoices |= _load_early_discount(env, company, today)
    first_due = min(invoices.mapped("invoice_date_due"))
    _simulate_past_runs(env, company, first_due - timedelta(days=6), today - timedelta(days=1))
    _load_dispute(env, invoices, today)
    _load_settlements(env, invoices, today)
    _load_payments(env, invoices, today)
    _load_paid_history(env, today)
    _load_handover(env)
    _load_notice_receipt(env, company)
    _load_agency_recoveries(env)
    _load_paid_declaration(env, invoices, today)
    _load_causes_and_ratings(env, company, today)
    run = env["relance.engine"]._prepare_run(today, company)
    if run:
        run._notify_controllers()


def print_invoices(env):
    """The demo invoices get their legal PDF, as if sent with Send & Print (else the portal
    shows them as pro forma). Called by `make demo` once its server runs: wkhtmltopdf
    fetches the style sheets from it."""
    moves = (
        env["account.move"]
        .search([("move_type", "in", ("out_invoice", "out_refund")), ("state", "=", "posted")])
        .filtered(lambda move: not move.invoice_pdf_report_id)
    )
    env["relance.executor"]._store_invoice_pdfs(moves)
    moves.write({"is_move_sent": True})
    return moves


def _demo_partners(env):
    """The partners of the demo XML files (the company's, the customers, their contact, the
    agency) and of the demo users."""
    data = env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "res.partner")])
    partners = env["res.partner"].browse(data.mapped("res_id"))
    return partners | demo_record(env, "demo_user_accountant").partner_id


def _load_chart(env, company):
    """The French chart of accounts when the French localisation is installed (`make demo`),
    else the generic one (loading the French one would install the localisation)."""
    installed = env["ir.module.module"]._get("l10n_fr_account").state == "installed"
    env["account.chart.template"].try_loading(
        "fr" if installed else "generic_coa", company=company, install_demo=False
    )


def _enable_demo_payment(env, company):
    """Customers pay their invoices online from the portal with Odoo's demo payment provider
    (module payment_demo, installed by `make demo`) in test mode."""
    if "payment.provider" not in env:
        return
    env["payment.provider"].search([("code", "=", "demo"), ("company_id", "=", company.id)]).write(
        {"state": "test", "is_published": True}
    )


def _invoice_values(company, partner, due, amount, **values):
    vals = {
        "move_type": "out_invoice",
        "company_id": company.id,
        "partner_id": partner.id,
        "invoice_date": due and due - timedelta(days=30),
        "invoice_date_due": due,
        "invoice_payment_term_id": False,
        "invoice_line_ids": [
            Command.create({"name": "Prestation de services", "price_unit": amount, "tax_ids": []})
        ],
    }
    vals.update(values)
    if not vals["invoice_date_due"]:
        del vals["invoice_date_due"]
    return vals


def _post(env, vals_list):
    invoices = env["account.move"].create(vals_list)
    invoices.action_post()
    return invoices


def _load_invoices(env, company, today):
    return _post(
        env,
        [
            _invoice_values(
                company, demo_record(env, xmlid), today - timedelta(days=days_late), amount
            )
            for xmlid, rows in DEMO_INVOICES
            for days_late, amount in rows
        ],
    )


def _load_foreign_invoices(env, company, today):
    """A Swiss customer invoiced in US dollars and Swiss francs: every reminder shows the
    amounts in the invoices' currencies, totalled per currency."""
    xmlid, rows = DEMO_FOREIGN
    partner = demo_record(env, xmlid)
    vals_list = []
    for code, rate, days_late, amount in rows:
        currency = env.ref(f"base.{code}")
        currency.active = True
        if not currency.rate_ids.filtered(lambda r: r.company_id == company):
            env["res.currency.rate"].create(
                {
                    "currency_id": currency.id,
                    "company_id": company.id,
                    "name": today - timedelta(days=365),
                    "rate": rate,
                }
            )
        vals_list.append(
            _invoice_values(
                company,
                partner,
                today - timedelta(days=days_late),
                amount,
                currency_id=currency.id,
            )
        )
    return _post(env, vals_list)


def _load_early_discount(env, company, today):
    """An invoice whose payment terms grant 2 % for an early payment: its pre-reminder, in
    today's proposal, offers to deduct it."""
    xmlid, amount = DEMO_DISCOUNT
    return _post(
        env,
        _invoice_values(
            company,
            demo_record(env, xmlid),
            False,
            amount,
            invoice_date=today - timedelta(days=25),
            invoice_payment_term_id=demo_record(env, "demo_payment_term_early_discount").id,
        ),
    )


def _of(env, invoices, xmlid):
    partner = demo_record(env, xmlid)
    return invoices.filtered(lambda m: m.partner_id == partner)


def _simulate_past_runs(env, company, first_day, last_day):
    engine = env["relance.engine"].with_context(relance_no_pdf=True)
    day = first_day
    while day <= last_day:
        _log_past_calls(env, company, day)
        run = engine.with_context(relance_date=day)._prepare_run(day, company)
        if run:
            run.line_ids.with_context(relance_date=day)._execute()
            run._update_state()
        day += timedelta(days=1)


def _log_past_calls(env, company, day):
    """The controller logs the calls planned two days ago or before (the customer was
    reached); the more recent ones are still to make."""
    calls = env["relance.history"].search(
        [
            ("company_id", "=", company.id),
            ("channel", "=", "call"),
            ("state", "=", "todo"),
            ("date", "<=", day - timedelta(days=2)),
        ]
    )
    for call in calls:
        env["relance.call.log"].with_context(relance_date=day).create(
            {
                "history_id": call.id,
                "outcome": "reached",
                "note": "Client joint : il s'engage à régler rapidement.",
            }
        ).action_confirm()


def _load_dispute(env, invoices, today):
    xmlid, reason, note, days_ago = DEMO_DISPUTE
    dispute = env["relance.dispute"]._open_for(_of(env, invoices, xmlid)[:1], reason, note)
    dispute.date_open = today - timedelta(days=days_ago)


def _load_settlements(env, invoices, today):
    """A promise to pay agreed on the phone, a running payment plan and a customer's request
    for one."""
    env["relance.promise"]._promise_for(
        _of(env, invoices, "demo_partner_patisserie_leroy"),
        fields.Date.add(today, days=5),
        1480.0,
        "Virement promis par la gérante au téléphone.",
    )
    plan = env["relance.payment.plan"]._request_for(
        _of(env, invoices, "demo_partner_nicolas_petit"), "Paiement en 3 fois accepté."
    )
    plan.action_confirm()
    # a request from the portal, for the accountant to accept or decline
    requester = _of(env, invoices, "demo_partner_lea_bonnet")[:1]
    env["relance.payment.plan"]._portal_request(
        requester, requester.partner_id, "Pourriez-vous m'accorder un paiement en deux fois ?"
    )


def _register_payment(env, invoice, **values):
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create(values)._create_payments()


def _load_payments(env, invoices, today):
    """Payments received a few days after a reminder, so that the managers' dashboard has a
    collection delay, a recovery rate and payment grades to show."""
    for xmlid, amount_ratio, days_after in DEMO_PAYMENTS:
        invoice = _of(env, invoices, xmlid)[:1]
        last = invoice.relance_last_date
        if not invoice or not last:
            continue
        _register_payment(
            env,
            invoice,
            amount=invoice.currency_id.round(invoice.amount_residual * amount_ratio),
            payment_date=min(fields.Date.add(last, days=days_after), today),
        )


def _load_paid_history(env, today):
    """Invoices of the past months paid on time or late, with the first reminder done for
    those paid a week late or more, and two promises to pay (one kept, one broken): the
    dashboard's previous period, recovery rates and payment grades."""
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": demo_record(env, xmlid).id,
                "invoice_date": today - timedelta(days=due_ago + 30),
                "invoice_date_due": today - timedelta(days=due_ago),
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Prestation de services", "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
            for xmlid, amount, due_ago, _late in DEMO_PAID_HISTORY
        ]
    )
    invoices.action_post()
    paid_on = {
        invoice: invoice.invoice_date_due + timedelta(days=late)
        for invoice, (*_values, late) in zip(invoices, DEMO_PAID_HISTORY, strict=True)
    }
    env["relance.history"].create(
        [
            _paid_history_reminder(invoice)
            for invoice, date in paid_on.items()
            if (date - invoice.invoice_date_due).days >= 7
        ]
    )
    promised = {(xmlid, due_ago): after for xmlid, due_ago, after in DEMO_PAST_PROMISES}
    promises = {}
    for invoice, (xmlid, _amount, due_ago, _late) in zip(invoices, DEMO_PAID_HISTORY, strict=True):
        if (xmlid, due_ago) in promised:
            promises[invoice] = env["relance.promise"]._promise_for(
                invoice,
                invoice.invoice_date_due + timedelta(days=promised[xmlid, due_ago]),
                invoice.amount_residual,
                "Paiement promis au téléphone.",
            )
    for invoice, date in paid_on.items():
        _register_payment(env, invoice, payment_date=date)
    for invoice, promise in promises.items():
        promise._settle("kept" if paid_on[invoice] <= promise.date else "broken", promise.date)


def _paid_history_reminder(invoice):
    """The first reminder after the due date, done, as a past run would have left it."""
    level = invoice.relance_policy_id.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
    channel = level.channel_ids[:1] or invoice.env.ref("relance_avancee.channel_email")
    return invoice.env["relance.history"]._action_values(
        invoice.commercial_partner_id,
        level,
        channel,
        invoice,
        date=invoice.invoice_date_due + timedelta(days=level.offset_days),
        state="done",
    )


def _load_handover(env):
    """The manager hands the worst payer over to a bailiff after the formal notice. Without
    the invoice PDFs: no web server runs while the demo loads, wkhtmltopdf would print them
    without their style sheets."""
    xmlid, agency, note = DEMO_HANDOVER
    env["relance.handover"].with_context(relance_handover_without_pdf=True).create(
        {
            "partner_id": demo_record(env, xmlid).id,
            "agency_id": demo_record(env, agency).id,
            "note": note,
        }
    ).action_confirm()


def _load_notice_receipt(env, company):
    """The acknowledgment of receipt of a consumer's formal notice came back: entered in
    its wizard, as the accountant does from the action."""
    xmlid, number, days = DEMO_NOTICE_RECEIPT
    notice = env["relance.history"].search(
        [
            ("company_id", "=", company.id),
            ("partner_id", "=", demo_record(env, xmlid).id),
            ("channel", "=", "notice"),
            ("state", "in", ("todo", "done")),
        ],
        order="date",
        limit=1,
    )
    if not notice:
        return
    action = notice.action_acknowledge_receipt()
    wizard = env["relance.acknowledgment"].browse(action["res_id"])
    wizard.date = notice.date + timedelta(days=days)
    wizard.line_ids.registered_letter_number = number
    wizard.action_confirm()


def _load_agency_recoveries(env):
    """The bailiff's fee rates, and what it recovered on the file handed over to it at the
    order for payment stage (the file's order for payment is printed from its handover
    action)."""
    customer, agency, _note = DEMO_HANDOVER
    rate, fixed, minimum = DEMO_AGENCY_FEES
    demo_record(env, agency).write(
        {
            "relance_is_agency": True,
            "relance_agency_fee_rate": rate,
            "relance_agency_fixed_fee": fixed,
            "relance_agency_min_fee": minimum,
        }
    )
    handover = env["relance.history"].search(
        [
            ("partner_id", "=", demo_record(env, customer).id),
            ("channel", "=", "handover"),
            ("state", "=", "done"),
        ],
        limit=1,
    )
    env["relance.recovery"].create(
        [
            {
                "handover_id": handover.id,
                "amount": handover.currency_id.round(handover.amount_due * share),
                "note": note,
            }
            for share, note in DEMO_RECOVERIES
        ]
    )


def _load_paid_declaration(env, invoices, today):
    """A customer said on the portal that it already paid: the invoice waits while the
    accountant looks for the transfer."""
    xmlid, amount, message = DEMO_PAID_DECLARATION
    invoice = _of(env, invoices, xmlid).filtered("amount_residual")[:1]
    env["relance.payment.declaration"]._portal_declare(
        invoice,
        invoice.partner_id,
        str(today - timedelta(days=2)),
        str(amount or invoice.amount_residual),
        message,
    )


def _load_causes_and_ratings(env, company, today):
    """The causes of delay of some reminded invoices, and the satisfaction of the customers
    whose reminded invoices are paid: rated a few days after their payment (the months of
    the KPI history), or asked by email and not answered yet."""
    reminded = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("relance_history_line_ids.state", "=", "done"),
        ]
    )
    for xmlid, cause in DEMO_CAUSES:
        partner = demo_record(env, xmlid)
        reminded.filtered(lambda m, p=partner: m.partner_id == p)._relance_set_cause(cause)
    paid = reminded.filtered(
        lambda m: m.payment_state in ("paid", "in_payment") and not m.relance_handed_over
    )
    satisfactions = env["relance.satisfaction"]._request_for(paid, today)
    scores = {demo_record(env, xmlid): rating for xmlid, rating in DEMO_RATINGS.items()}
    for satisfaction in satisfactions:
        paid_on = max(satisfaction.move_ids.line_ids.matched_credit_ids.mapped("max_date"))
        satisfaction.date = min(paid_on + timedelta(days=1), today)
        if satisfaction.partner_id not in scores:
            satisfaction._send_request()
            continue
        score, feedback = scores[satisfaction.partner_id]
        rating = satisfaction.rating_apply(
            score, token=satisfaction._rating_get_access_token(), feedback=feedback or None
        )
        rating.rated_on = fields.Datetime.to_datetime(
            min(satisfaction.date + timedelta(days=2), today)
        )
