from lxml import etree

from odoo import models, tools

# in the context while this module renders many mails of the same templates
COMPILE_ONCE_KEY = "relance_qweb_compile_once"


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Odoo's mail rendering gives QWeb a new tree of the template's body for each
        record, which QWeb compiles again each time (a few milliseconds a mail). While this
        module renders a batch of reminders (``relance_qweb_compile_once`` in the context),
        a body is compiled once per source and cache keys (language…), and kept with the
        compiled views (the registry's ``templates`` cache): each job of a run renders the
        same bodies."""
        if not self.env.context.get(COMPILE_ONCE_KEY) or not isinstance(template, etree._Element):
            return super()._compile(template)
        cache_keys = tuple(
            self.env.context.get(key) or False for key in self._get_template_cache_keys()
        )
        return self._relance_compile_source(etree.tostring(template), cache_keys, template)

    @tools.ormcache("source", "cache_keys", cache="templates")
    def _relance_compile_source(self, source, cache_keys, template):
        # the compiled code depends on the source and the cache keys only, as Odoo's own
        # cache of the views' compiled code (``_generate_code_cached``)
        return super()._compile(template)
