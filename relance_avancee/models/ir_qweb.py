from lxml import etree

from odoo import models

# in the context while this module renders many mails of the same templates
COMPILE_ONCE_KEY = "relance_qweb_compile_once"


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Odoo's mail rendering gives QWeb a new tree of the template's body for each
        record, which QWeb compiles again each time (a few milliseconds a mail). While this
        module renders a batch of reminders (``relance_qweb_compile_once`` in the context),
        a body is compiled once per source and cache keys (language…) for the cursor."""
        if not self.env.context.get(COMPILE_ONCE_KEY) or not isinstance(template, etree._Element):
            return super()._compile(template)
        key = (
            COMPILE_ONCE_KEY,
            etree.tostring(template),
            tuple(self.env.context.get(k) or False for k in self._get_template_cache_keys()),
        )
        compiled = self.env.cr.cache.get(key)
        if compiled is None:
            compiled = self.env.cr.cache[key] = super()._compile(template)
        return compiled
