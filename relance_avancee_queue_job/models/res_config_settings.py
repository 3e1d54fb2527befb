from odoo import fields, models

from .relance_run import DEFAULT_JOB_SIZE, JOB_SIZE_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_job_size = fields.Integer(
        "Customers per dunning job",
        config_parameter=JOB_SIZE_PARAM,
        default=DEFAULT_JOB_SIZE,
        help="A run is executed by background jobs of this many customers each, in parallel.",
    )
