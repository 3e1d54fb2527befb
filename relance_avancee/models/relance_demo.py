from datetime import timedelta

from odoo import Command, api, fields, models

# a customer abroad: (name, city, [(currency, rate to the euro, days late today, amount)])
DEMO_FOREIGN = ("Alpine Tools AG", "Genève", [("USD", 1.08, 9, 2400.0), ("CHF", 0.94, 19, 860.0)])
# (customer, amount) of an invoice with an early-payment discount, at its pre-reminder today
DEMO_DISCOUNT = ("Électricité Garnier SARL", 1200.0)
# (customer, contact, email) of an accounting department in copy of the reminders
DEMO_COPY_CONTACT = (
    "Transports Lefèvre SAS",
    "Service comptabilité fournisseurs",
    "comptabilite@transports-lefevre.example",
)
# (customer, amount or 0 for the whole invoice, message) of a payment declared on the portal
DEMO_PAID_DECLARATION = (
    "Cabinet Dubois Architectes",
    0,
    "Virement effectué avant-hier, référence VIR-2026-1187.",
)

# (name, is_company, email, phone, city, [(days late today, amount), ...]); the delays hit
# the levels' days so that today's proposal has customers at several levels.
DEMO_CUSTOMERS = [
    (
        "Boulangerie Martin SARL",
        True,
        "compta@boulangerie-martin.example",
        "04 72 10 20 30",
        "Lyon",
        [(-5, 1850.0), (7, 640.0)],
    ),
    (
        "Transports Lefèvre SAS",
        True,
        "factures@transports-lefevre.example",
        "+33 1 45 67 89 10",
        "Paris",
        [(16, 4200.0)],
    ),
    (
        "Garage Moreau & Fils",
        True,
        "contact@garage-moreau.example",
        "0033 5 56 44 33 22",
        "Bordeaux",
        [(8, 320.0), (18, 980.0)],
    ),
    (
        "Cabinet Dubois Architectes",
        True,
        "admin@dubois-archi.example",
        "03 88 12 34 56",
        "Strasbourg",
        [(25, 7600.0)],
    ),
    (
        "Menuiserie Bernard SARL",
        True,
        "bernard.menuiserie@example.com",
        "02 40 98 76 54",
        "Nantes",
        [(40, 2350.0)],
    ),
    ("Imprimerie Petit SA", True, False, "01 23 45", "Lille", [(10, 1275.0)]),
    (
        "Hôtel du Parc SAS",
        True,
        "direction@hotel-du-parc.example",
        "04 93 11 22 33",
        "Nice",
        [(57, 5100.0), (44, 890.0)],
    ),
    (
        "Sophie Laurent",
        False,
        "sophie.laurent@example.com",
        "06 12 34 56 78",
        "Toulouse",
        [(-3, 129.0)],
    ),
    ("Julien Roux", False, "julien.roux@example.com", "+33 6 98 76 54 32", "Rennes", [(3, 249.9)]),
    (
        "Camille Fournier",
        False,
        "camille.fournier@example.com",
        "07 11 22 33 44",
        "Montpellier",
        [(10, 389.0)],
    ),
    (
        "Thomas Girard",
        False,
        "thomas.girard@example.com",
        "0033 6 55 44 33 22",
        "Grenoble",
        [(17, 560.0)],
    ),
    ("Léa Bonnet", False, "lea.bonnet@example.com", "06 00 00", "Dijon", [(30, 215.0)]),
    (
        "Pâtisserie Leroy SARL",
        True,
        "gestion@patisserie-leroy.example",
        "05 61 22 33 44",
        "Toulouse",
        [(16, 1480.0)],
    ),
    ("Nicolas Petit", False, "nicolas.petit@example.com", "06 44 55 66 77", "Lille", [(12, 690.0)]),
    (
        "Électricité Garnier SARL",
        True,
        "compta@garnier-elec.example",
        "04.76.12.34.56",
        "Grenoble",
        [(-2, 2900.0)],
    ),
    (
        "Librairie Mercier SARL",
        True,
        "librairie.mercier@example.com",
        "0033 (0)3 80 11 22 33",
        "Dijon",
        [(5, 430.0)],
    ),
    (
        "Fromagerie Blanc SAS",
        True,
        "fromagerie.blanc@example.com",
        "05 56 00 11 22",
        "Bordeaux",
        [(15, 980.0)],
    ),
    (
        "Plomberie Chevalier EURL",
        True,
        "plomberie.chevalier@example.com",
        "04-72-55-66-77",
        "Lyon",
        [(22, 1160.0)],
    ),
    (
        "SCI Les Tilleuls",
        True,
        "gerance@sci-tilleuls.example",
        "01 47 20 30 40",
        "Paris",
        [(33, 3400.0)],
    ),
    (
        "Restaurant Le Bouchon SARL",
        True,
        "lebouchon@example.com",
        "+33 (0)4 78 42 11 22",
        "Lyon",
        [(48, 2275.0)],
    ),
    (
        "Agence Horizon Conseil SARL",
        True,
        "contact@horizon-conseil.example",
        "+33 9 70 80 90 10",
        "Nantes",
        [(62, 1850.0)],
    ),
    (
        "Bâti Sud Construction SAS",
        True,
        "direction@batisud.example",
        "04 91 55 66 77",
        "Marseille",
        [(95, 12800.0), (70, 4300.0)],
    ),
    ("Marie Dupont", False, "marie.dupont@example.com", "06.23.45.67.89", "Paris", [(-1, 79.9)]),
    ("Louis Mathieu", False, "louis.mathieu@example.com", "01 40 50 60 70", "Paris", [(11, 199.0)]),
    (
        "Antoine Lambert",
        False,
        "antoine.lambert@example.com",
        "+33623456780",
        "Nantes",
        [(15, 445.0)],
    ),
    ("Manon Faure", False, False, "06 45 56 67 78", "Rennes", [(20, 150.0)]),
    (
        "Hugo Vincent",
        False,
        "hugo.vincent@example.com",
        "06 71 82 93 04",
        "Marseille",
        [(38, 610.0)],
    ),
    (
        "Chloé Rousseau",
        False,
        "chloe.rousseau@example.com",
        "07 81 22 33 44",
        "Nice",
        [(45, 320.0)],
    ),
    (
        "Emma Perrin",
        False,
        "emma.perrin@example.com",
        "06 98 87 76 65",
        "Montpellier",
        [(52, 275.0)],
    ),
    (
        "Lucas Morel",
        False,
        "lucas.morel@example.com",
        "+33 7 55 66 77 88",
        "Strasbourg",
        [(64, 890.0)],
    ),
]

# handed over to a bailiff by the manager after the formal notice: (customer, agency, note)
DEMO_HANDOVER = (
    "Bâti Sud Construction SAS",
    "Étude Fabre, commissaire de justice",
    "Mise en demeure restée sans réponse ; dossier transmis pour injonction de payer.",
)


# a customer who signs in to the portal: (customer, login and password)
DEMO_PORTAL = ("Hôtel du Parc SAS", "portail")

# (customer, share of the invoice paid, days after its last reminder)
DEMO_PAYMENTS = [
    ("Hôtel du Parc SAS", 1.0, 4),
    ("Transports Lefèvre SAS", 0.5, 1),
    ("Thomas Girard", 1.0, 2),
    ("Léa Bonnet", 0.4, 3),
    ("Plomberie Chevalier EURL", 0.3, 2),
]

# Invoices of the past months, paid: (customer, amount, due so many days ago, days late when
# paid); the managers' dashboard compares two periods and grades the customers' behaviour
DEMO_PAID_HISTORY = [
    ("Boulangerie Martin SARL", 1320.0, 150, 2),
    ("Boulangerie Martin SARL", 980.0, 95, 0),
    ("Transports Lefèvre SAS", 3650.0, 140, 21),
    ("Transports Lefèvre SAS", 2800.0, 110, 33),
    ("Cabinet Dubois Architectes", 5400.0, 125, 9),
    ("Cabinet Dubois Architectes", 3200.0, 70, 15),
    ("Hôtel du Parc SAS", 4100.0, 130, 48),
    ("Menuiserie Bernard SARL", 1900.0, 115, 27),
    ("Imprimerie Petit SA", 850.0, 62, 24),
    ("Pâtisserie Leroy SARL", 760.0, 100, 4),
    ("Sophie Laurent", 129.0, 120, 0),
    ("Camille Fournier", 389.0, 105, 12),
    ("Julien Roux", 249.9, 75, 9),
]
# (customer, due days ago of its paid invoice above, days after the due date it promised
# to pay): kept when paid by then, else broken
DEMO_PAST_PROMISES = [
    ("Cabinet Dubois Architectes", 70, 15),
    ("Imprimerie Petit SA", 62, 12),
]

# a street and a postcode per city, so that letters can be addressed
ADDRESSES = {
    "Lyon": ("12 rue de la République", "69002"),
    "Paris": ("48 boulevard Voltaire", "75011"),
    "Bordeaux": ("5 cours de l'Intendance", "33000"),
    "Strasbourg": ("21 rue du Dôme", "67000"),
    "Nantes": ("9 quai de la Fosse", "44000"),
    "Lille": ("30 rue Nationale", "59800"),
    "Nice": ("2 promenade des Anglais", "06000"),
    "Toulouse": ("14 rue d'Alsace-Lorraine", "31000"),
    "Rennes": ("7 rue Le Bastard", "35000"),
    "Montpellier": ("11 rue de la Loge", "34000"),
    "Grenoble": ("4 place Grenette", "38000"),
    "Dijon": ("18 rue de la Liberté", "21000"),
    "Marseille": ("40 La Canebière", "13001"),
}


class RelanceDemo(models.AbstractModel):
    """Demo data: French customers at every stage of both ladders, with the history the
    daily runs of the past weeks would have left, and today's proposal to validate."""

    _name = "relance.demo"
    _description = "Dunning demo data"

    @api.model
    def _load(self):
        if self.env["res.lang"]._lang_get("fr_FR"):
            # French is active but its terms are loaded after the demo data: the policies
            # copied for the demo company and the past reminders would be in English
            module = self.env["ir.module.module"].search([("name", "=", "relance_avancee")])
            module._update_translations("fr_FR")
            # and the notes of the simulated runs are written in French, like their levels
            self = self.with_context(lang="fr_FR")  # noqa: PLW0642
        company = self._demo_company()
        # the administrator you log in as sells, follows the dunning and answers the
        # customers (not OdooBot, who runs the module's installation)
        admin = self.env.ref("base.user_admin").id
        self = self.with_company(company).with_context(  # noqa: PLW0642
            default_invoice_user_id=admin, default_user_id=admin
        )
        today = fields.Date.context_today(self)
        invoices = self._create_invoices(company, today)
        invoices |= self._load_foreign_customer(company, today)
        invoices |= self._load_early_discount(company, today)
        self._load_copy_contact(invoices)
        disputed = invoices.filtered(lambda m: m.partner_id.name == "Garage Moreau & Fils")[:1]
        first_due = min(invoices.mapped("invoice_date_due"))
        self._simulate_past_runs(company, first_due - timedelta(days=6), today - timedelta(days=1))
        dispute = disputed._relance_open_dispute("not_delivered", "Livraison contestée")
        dispute.date_open = today - timedelta(days=9)
        self._load_settlements(invoices, today)
        self._load_payments(invoices, today)
        self._load_paid_history(invoices.partner_id, today)
        self._load_handover(invoices)
        self._load_portal_user(company, invoices)
        self._load_paid_declaration(invoices, today)
        run = self.env["relance.engine"]._prepare_run(today, company)
        if run:
            run._notify_controllers()

    @api.model
    def _print_invoices(self):
        """The demo invoices get their legal PDF, as if sent with Send & Print (else the
        portal shows them as pro forma). Called by `make demo` once its server runs:
        wkhtmltopdf fetches the style sheets from it."""
        moves = (
            self.env["account.move"]
            .search(
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                ]
            )
            .filtered(lambda move: not move.invoice_pdf_report_id)
        )
        self.env["relance.executor"]._store_invoice_pdfs(moves)
        moves.write({"is_move_sent": True})
        return moves

    @api.model
    def _demo_company(self):
        """A French company in euros with the French chart of accounts, where the
        administrator lands (the current company when the French localisation is not
        installed)."""
        if self.env["ir.module.module"]._get("l10n_fr_account").state != "installed":
            return self.env.company
        france = self.env.ref("base.fr")
        company = self.env["res.company"].create(
            {
                "name": "Atelier Durand SAS",
                "street": "25 rue des Artisans",
                "zip": "69003",
                "city": "Lyon",
                "country_id": france.id,
                "currency_id": self.env.ref("base.EUR").id,
                "email": "compta@atelier-durand.example",
                "phone": "04 78 00 00 00",
                "vat": "FR23334175221",
                "company_registry": "334 175 221 RCS Lyon",
            }
        )
        self.env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
        self.env["res.partner.bank"].create(
            {
                "acc_number": "FR76 3000 6000 0112 3456 7890 189",
                "partner_id": company.partner_id.id,
            }
        )
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        self._enable_demo_payment(company)
        return company

    @api.model
    def _enable_demo_payment(self, company):
        """Customers pay their invoices online from the portal with Odoo's demo payment
        provider (module payment_demo, installed by `make demo`) in test mode."""
        if "payment.provider" not in self.env:
            return
        self.env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", company.id)]
        ).write({"state": "test", "is_published": True})

    @api.model
    def _load_settlements(self, invoices, today):
        """A promise to pay agreed on the phone, a running payment plan and a customer's
        request for one."""

        def of(name):
            return invoices.filtered(lambda m: m.partner_id.name == name)

        of("Pâtisserie Leroy SARL")._relance_promise(
            fields.Date.add(today, days=5), 1480.0, "Virement promis par la gérante au téléphone."
        )
        plan = of("Nicolas Petit")._relance_request_payment_plan("Paiement en 3 fois accepté.")
        plan.action_confirm()
        # a request from the portal, for the accountant to accept or decline
        requester = of("Léa Bonnet")[:1]
        requester._relance_portal_plan_request(
            requester.partner_id, "Pourriez-vous m'accorder un paiement en deux fois ?"
        )

    @api.model
    def _load_handover(self, invoices):
        """The manager hands the worst payer over to a bailiff after the formal notice.
        Without the invoice PDFs: no web server runs while the demo loads, wkhtmltopdf would
        print them without their style sheets."""
        name, agency_name, note = DEMO_HANDOVER
        partner = invoices.partner_id.filtered(lambda p: p.name == name)
        agency = self.env["res.partner"].create(
            {"name": agency_name, "is_company": True, "city": "Marseille"}
        )
        self.env["relance.handover"].with_context(relance_handover_without_pdf=True).create(
            {"partner_id": partner.id, "agency_id": agency.id, "note": note}
        ).action_confirm()

    @api.model
    def _load_portal_user(self, company, invoices):
        """A customer with portal access, to see the dunning from the customer's side."""
        name, login = DEMO_PORTAL
        partner = invoices.partner_id.filtered(lambda p: p.name == name)
        self.env["res.users"].with_context(no_reset_password=True).create(
            {
                "login": login,
                "password": login,
                "partner_id": partner.id,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )

    @api.model
    def _load_payments(self, invoices, today):
        """Payments received a few days after a reminder, so that the managers' dashboard
        has a collection delay, a recovery rate and payment grades to show."""
        for name, amount_ratio, days_after in DEMO_PAYMENTS:
            invoice = invoices.filtered(lambda m, name=name: m.partner_id.name == name)[:1]
            last = invoice.relance_last_date
            if not invoice or not last:
                continue
            when = min(fields.Date.add(last, days=days_after), today)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {
                    "amount": invoice.currency_id.round(invoice.amount_residual * amount_ratio),
                    "payment_date": when,
                }
            )._create_payments()

    @api.model
    def _load_paid_history(self, partners, today):
        """Invoices of the past months paid on time or late, with the first reminder done
        for those paid a week late or more, and two promises to pay (one kept, one broken):
        the dashboard's previous period, recovery rates and payment grades."""
        by_name = {partner.name: partner for partner in partners}
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": by_name[name].id,
                    "invoice_date": today - timedelta(days=due_ago + 30),
                    "invoice_date_due": today - timedelta(days=due_ago),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Prestation de services", "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
                for name, amount, due_ago, _late in DEMO_PAID_HISTORY
            ]
        )
        invoices.action_post()
        paid_on = {
            invoice: invoice.invoice_date_due + timedelta(days=late)
            for invoice, (*_values, late) in zip(invoices, DEMO_PAID_HISTORY, strict=True)
        }
        self.env["relance.history"].create(
            [
                self._paid_history_reminder(invoice)
                for invoice, date in paid_on.items()
                if (date - invoice.invoice_date_due).days >= 7
            ]
        )
        promised = {(name, due_ago): after for name, due_ago, after in DEMO_PAST_PROMISES}
        promises = {}
        for invoice, (name, _amount, due_ago, _late) in zip(
            invoices, DEMO_PAID_HISTORY, strict=True
        ):
            if (name, due_ago) in promised:
                promises[invoice] = invoice._relance_promise(
                    invoice.invoice_date_due + timedelta(days=promised[name, due_ago]),
                    invoice.amount_residual,
                    "Paiement promis au téléphone.",
                )
        for invoice, date in paid_on.items():
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": date})._create_payments()
        for invoice, promise in promises.items():
            promise._settle("kept" if paid_on[invoice] <= promise.date else "broken", promise.date)

    @api.model
    def _paid_history_reminder(self, invoice):
        """The first reminder after the due date, done, as a past run would have left it."""
        level = invoice.relance_policy_id.level_ids.filtered(lambda lv: lv.offset_days > 0)[:1]
        return {
            "date": invoice.invoice_date_due + timedelta(days=level.offset_days),
            "company_id": invoice.company_id.id,
            "partner_id": invoice.commercial_partner_id.id,
            "contact_id": invoice.commercial_partner_id.id,
            "level_id": level.id,
            "channel_id": (
                level.channel_ids[:1] or self.env.ref("relance_avancee.channel_email")
            ).id,
            "state": "done",
            "amount_due": invoice.amount_residual_signed,
            "line_ids": [
                Command.create({"move_id": invoice.id, "amount_residual": invoice.amount_residual})
            ],
        }

    @api.model
    def _create_invoices(self, company, today):
        france = self.env.ref("base.fr")
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        invoice_vals = []
        for name, is_company, email, phone, city, invoices in DEMO_CUSTOMERS:
            partner = self.env["res.partner"].create(
                {
                    "name": name,
                    "is_company": is_company,
                    "email": email,
                    "phone": phone,
                    "street": ADDRESSES[city][0],
                    "zip": ADDRESSES[city][1],
                    "city": city,
                    "country_id": france.id,
                    "lang": lang,
                    "relance_user_id": self.env.ref("base.user_admin").id,
                }
            )
            for days_late, amount in invoices:
                due = today - timedelta(days=days_late)
                invoice_vals.append(
                    {
                        "move_type": "out_invoice",
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "invoice_date": due - timedelta(days=30),
                        "invoice_date_due": due,
                        "invoice_payment_term_id": False,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Prestation de services",
                                    "price_unit": amount,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                )
        invoices = self.env["account.move"].create(invoice_vals)
        invoices.action_post()
        return invoices

    @api.model
    def _simulate_past_runs(self, company, first_day, last_day):
        engine = self.env["relance.engine"].with_context(relance_no_pdf=True)
        day = first_day
        while day <= last_day:
            self._log_past_calls(company, day)
            run = engine.with_context(relance_date=day)._prepare_run(day, company)
            if run:
                run.line_ids.with_context(relance_date=day)._execute()
                run._update_state()
            day += timedelta(days=1)

    @api.model
    def _log_past_calls(self, company, day):
        """The controller logs the calls planned two days ago or before (the customer was
        reached); the more recent ones are still to make."""
        calls = self.env["relance.history"].search(
            [
                ("company_id", "=", company.id),
                ("channel", "=", "call"),
                ("state", "=", "todo"),
                ("date", "<=", day - timedelta(days=2)),
            ]
        )
        for call in calls:
            self.env["relance.call.log"].with_context(relance_date=day).create(
                {
                    "history_id": call.id,
                    "outcome": "reached",
                    "note": "Client joint : il s'engage à régler rapidement.",
                }
            ).action_confirm()

    @api.model
    def _load_foreign_customer(self, company, today):
        """A Swiss customer invoiced in US dollars and Swiss francs: every reminder shows
        the amounts in the invoices' currencies, totalled per currency."""
        name, city, rows = DEMO_FOREIGN
        partner = self.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": "accounts@alpine-tools.example",
                "phone": "+41 22 345 67 89",
                "street": "Rue du Rhône 14",
                "zip": "1204",
                "city": city,
                "country_id": self.env.ref("base.ch").id,
                "relance_user_id": self.env.ref("base.user_admin").id,
            }
        )
        vals_list = []
        for code, rate, days_late, amount in rows:
            currency = self.env.ref(f"base.{code}")
            currency.active = True
            if not currency.rate_ids.filtered(lambda r: r.company_id == company):
                self.env["res.currency.rate"].create(
                    {
                        "currency_id": currency.id,
                        "company_id": company.id,
                        "name": today - timedelta(days=365),
                        "rate": rate,
                    }
                )
            due = today - timedelta(days=days_late)
            vals_list.append(
                self._demo_invoice_values(company, partner, due, amount, currency_id=currency.id)
            )
        invoices = self.env["account.move"].create(vals_list)
        invoices.action_post()
        return invoices

    @api.model
    def _load_early_discount(self, company, today):
        """An invoice whose payment terms grant 2 % for an early payment: its pre-reminder,
        in today's proposal, offers to deduct it."""
        term = self.env["account.payment.term"].create(
            {
                "name": "30 jours, escompte 2 % à 28 jours",
                "company_id": company.id,
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 28,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})
                ],
            }
        )
        partner = self.env["res.partner"].search([("name", "=", DEMO_DISCOUNT[0])], limit=1)
        invoice_date = today - timedelta(days=25)
        invoice = self.env["account.move"].create(
            self._demo_invoice_values(
                company,
                partner,
                False,
                DEMO_DISCOUNT[1],
                invoice_date=invoice_date,
                invoice_payment_term_id=term.id,
            )
        )
        invoice.action_post()
        return invoice

    @api.model
    def _demo_invoice_values(self, company, partner, due, amount, **values):
        vals = {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": partner.id,
            "invoice_date": due and due - timedelta(days=30),
            "invoice_date_due": due,
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                Command.create(
                    {"name": "Prestation de services", "price_unit": amount, "tax_ids": []}
                )
            ],
        }
        vals.update(values)
        if not vals["invoice_date_due"]:
            del vals["invoice_date_due"]
        return vals

    @api.model
    def _load_copy_contact(self, invoices):
        """The accounting department of a customer receives the reminders in copy."""
        name, contact, email = DEMO_COPY_CONTACT
        partner = invoices.partner_id.filtered(lambda p: p.name == name)
        self.env["res.partner"].create(
            {
                "name": contact,
                "parent_id": partner.id,
                "email": email,
                "relance_reminder_copy": True,
            }
        )

    @api.model
    def _load_paid_declaration(self, invoices, today):
        """A customer said on the portal that it already paid: the invoice waits while the
        accountant looks for the transfer."""
        name, amount, message = DEMO_PAID_DECLARATION
        invoice = invoices.filtered(lambda m: m.partner_id.name == name and m.amount_residual)[:1]
        self.env["relance.payment.declaration"]._portal_declare(
            invoice,
            invoice.partner_id,
            str(today - timedelta(days=2)),
            str(amount or invoice.amount_residual),
            message,
        )
