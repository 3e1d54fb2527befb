{
    "name": "Relance avancée — letters posted by Odoo Snailmail",
    "summary": "Dunning letters printed and posted by Odoo's Snailmail service, "
    "the action done once the post has the letter",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/relance-avancee/relance_avancee",
    "author": "relance_avancee developers",
    "license": "LGPL-3",
    "depends": ["relance_avancee", "snailmail"],
    "auto_install": True,
    "data": ["views/relance_level_views.xml"],
    "installable": True,
}
