from odoo import api, fields, models


class RelancePolicy(models.Model):
    """How a company reminds one kind of customer: its tone, thresholds and ordered levels."""

    _name = "relance.policy"
    _description = "Dunning policy"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_type = fields.Selection(
        [("b2b", "Businesses (B2B)"), ("b2c", "Consumers (B2C)")],
        string="Customers",
        required=True,
        default="b2b",
        help="Companies default to the B2B policy, individuals to the B2C one.",
    )
    mode = fields.Selection(
        [("auto", "Automatic"), ("validate", "To validate")],
        required=True,
        default="validate",
        help="Automatic: the daily run executes the reminders. To validate: the daily "
        "run prepares them and an accountant validates the proposal.",
    )
    min_amount = fields.Monetary(
        "Minimum overdue amount",
        currency_field="currency_id",
        help="A customer whose overdue balance (in company currency, credit notes "
        "deducted) is below this amount is not reminded.",
    )
    grace_days = fields.Integer(
        help="Days after the due date during which no overdue reminder is sent."
    )
    default_user_id = fields.Many2one(
        "res.users",
        "Default credit controller",
        check_company=True,
        help="Responsible for the customers that have no credit controller nor salesperson.",
    )
    call_window = fields.Boolean(
        "Calling window",
        compute="_compute_call_window",
        store=True,
        readonly=False,
        help="Good practice with consumers: call from Monday to Friday, 10:00-13:00 and "
        "14:00-20:00. Call activities then fall on a weekday and say so.",
    )
    level_ids = fields.One2many("relance.level", "policy_id", "Levels", copy=True)
    level_count = fields.Integer(compute="_compute_level_count")

    _min_amount_positive = models.Constraint(
        "CHECK(min_amount >= 0)", "The minimum overdue amount cannot be negative."
    )
    _grace_days_positive = models.Constraint(
        "CHECK(grace_days >= 0)", "Grace days cannot be negative."
    )

    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        # invoices left without a policy (no policy of their type until now) take this one
        self.env["relance.engine"]._backfill(policies.company_id)
        return policies

    @api.depends("policy_type")
    def _compute_call_window(self):
        for policy in self:
            policy.call_window = policy.policy_type == "b2c"

    @api.depends("level_ids")
    def _compute_level_count(self):
        counts = dict(
            self.env["relance.level"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.level_count = counts.get(policy, 0)

    @api.model
    def _ensure_default_policies(self, companies):
        """Copies the shipped policies to the companies that have none."""
        templates = self.env.ref("relance_avancee.policy_b2b", raise_if_not_found=False)
        templates |= self.env.ref("relance_avancee.policy_b2c", raise_if_not_found=False)
        if not templates:
            return self.browse()
        equipped = (
            self.with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
            .company_id
        )
        copies = self.browse()
        for company in companies - equipped:
            for template in templates:
                copies |= template.sudo().copy({"company_id": company.id})
        return copies

    @api.model
    def _default_policies(self, companies):
        """{(company, policy_type): policy}: the first active policy of each type."""
        policies = self.search(
            [("company_id", "in", companies.ids)], order="sequence desc, id desc"
        )
        return {(p.company_id, p.policy_type): p for p in policies}
