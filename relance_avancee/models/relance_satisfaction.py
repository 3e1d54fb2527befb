from datetime import datetime, time, timedelta

from odoo import api, fields, models

from odoo.addons.rating.models.rating_data import RATING_LIMIT_MIN

# a paid invoice is worth a rating request when a reminder was done within these days
RATING_REMINDED_DAYS = 60
RATING_PAID_STATES = ("paid", "in_payment")
RATING_TEMPLATE = "relance_avancee.mail_template_satisfaction"


class RelanceSatisfaction(models.Model):
    """What a customer thought of the dunning once its reminded invoices were paid: one
    rating request by email (Odoo's ``rating``: smileys linking to /rate/<token>/<score>)
    per customer and set of invoices paid together, never twice for an invoice
    (``account.move.relance_satisfaction_id``). A record of its own rather than the invoice
    rated: one request covers the invoices a customer paid together, and invoices do not
    carry the rating mixin's fields and statistics."""

    _name = "relance.satisfaction"
    _description = "Customer satisfaction after dunning"
    _inherit = ["rating.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", "Credit controller")
    date = fields.Date("Requested on", required=True, default=fields.Date.context_today)
    move_ids = fields.One2many(
        "account.move", "relance_satisfaction_id", "Invoices paid", readonly=True
    )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for satisfaction in self:
            satisfaction.display_name = self.env._(
                "Satisfaction of %(customer)s, %(date)s",
                customer=satisfaction.partner_id.name or "",
                date=satisfaction.date or "",
            )

    # ------------------------------------------------------------------------------------
    # Requests: a daily cron, for the companies that ask (res.company.relance_rating_request)
    # ------------------------------------------------------------------------------------

    @api.model
    def _cron_request_ratings(self):
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search([("relance_rating_request", "=", True)])
        if companies:
            moves = self.env["account.move"].search(self._due_domain(companies, today))
            self._request_for(moves, today)._send_request()

    @api.model
    def _due_domain(self, companies, today):
        """The invoices of these companies paid after a reminder done lately, not handed
        over to legal recovery, of a customer with an email, not asked about yet."""
        reminded_since = today - timedelta(days=RATING_REMINDED_DAYS)
        return [
            ("company_id", "in", companies.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", RATING_PAID_STATES),
            ("relance_satisfaction_id", "=", False),
            ("relance_handed_over", "=", False),
            ("commercial_partner_id.email", "!=", False),
            (
                "relance_history_line_ids",
                "any",
                [("state", "=", "done"), ("date", ">=", reminded_since)],
            ),
        ]

    @api.model
    def _request_for(self, moves, date):
        """One satisfaction per company and customer of these invoices, linked to them."""
        groups = moves.grouped(lambda m: (m.company_id, m.commercial_partner_id))
        satisfactions = self.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "user_id": invoices[0]._relance_controller().id,
                    "date": date,
                }
                for (company, partner), invoices in groups.items()
            ]
        )
        for satisfaction, invoices in zip(satisfactions, groups.values(), strict=True):
            invoices._relance_light_write({"relance_satisfaction_id": satisfaction.id})
        return satisfactions

    def _send_request(self):
        """The rating emails, through the mail queue (sent once the transaction commits)."""
        if self:
            self.rating_send_request(self.env.ref(RATING_TEMPLATE), force_send=False)

    # ------------------------------------------------------------------------------------
    # The dashboard's KPI (relance.dashboard._kpis)
    # ------------------------------------------------------------------------------------

    @api.model
    def _kpi(self, company, date_from, date_to):
        """(average rating out of 5, number of ratings) the customers of ``company`` gave
        from ``date_from`` to ``date_to`` included."""
        [(count, average)] = self.env["rating.rating"]._read_group(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self._search([("company_id", "=", company.id)])),
                ("consumed", "=", True),
                ("rating", ">=", RATING_LIMIT_MIN),
                ("rated_on", ">=", datetime.combine(date_from, time.min)),
                ("rated_on", "<", datetime.combine(date_to + timedelta(days=1), time.min)),
            ],
            [],
            ["__count", "rating:avg"],
        )
        return (round(average, 1) if count else None), count
