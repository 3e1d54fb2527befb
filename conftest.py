"""pytest runs the TransactionCase tests; HttpCase tours need Odoo's HTTP server, so they are
left to Odoo's own runner (scripts/test.sh runs them with --test-tags relance_tour)."""


def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.has_plugin("odoo"):
        return  # the plain tests of tests/ (French law): no Odoo to import
    from odoo.tests import HttpCase

    kept = [i for i in items if not (i.cls and issubclass(i.cls, HttpCase))]
    deselected = [i for i in items if i not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
