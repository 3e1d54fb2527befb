{
    "name": "Relance avancée — French invoice dunning",
    "summary": "Escalating reminders of unpaid customer invoices: B2B/B2C policies, "
    "email, SMS, calls, letters, formal notice, French late-payment law",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/relance-avancee/relance_avancee",
    "author": "relance_avancee developers",
    "license": "LGPL-3",
    "depends": ["account", "mail", "sms"],
    "external_dependencies": {"python": ["phonenumbers", "xlsxwriter"]},
    "data": [
        "security/relance_security.xml",
        "security/ir.model.access.csv",
        "data/relance_channel_data.xml",
        "views/relance_policy_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/relance_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["relance_avancee/static/tests/tours/*.js"],
    },
    "installable": True,
    "application": False,
}
