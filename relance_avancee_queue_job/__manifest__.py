{
    "name": "Relance avancée — background execution on queue_job",
    "summary": "Dunning runs executed in parallel background jobs (OCA queue_job): "
    "validation returns at once, progress, retries, crash-safe",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/relance-avancee/relance_avancee",
    "author": "relance_avancee developers",
    "license": "LGPL-3",
    "depends": ["relance_avancee", "queue_job"],
    "auto_install": True,
    "data": [
        "data/queue_job_data.xml",
        "views/relance_run_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "installable": True,
}
