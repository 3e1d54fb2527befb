"""Who reads the dunning fields this module adds to invoices, customers and companies.

They are internal: what a customer is reminded, paused, contested, excluded or graded for,
what an unpaid invoice costs, who took a file over, the company's margin and rates. Only
the dunning groups read them (the accountants are credit controllers, see
security/relance_security.xml), and the read-only accountants, who see all of accounting.
A portal customer or an employee without an accounting role does not, not even over RPC.
The portal pages read the little they show as sudo (controllers/portal.py)."""

DUNNING_READERS = "relance_avancee.group_relance_user,account.group_account_readonly"


def copy_data_readable(records, default, copy_data):
    """``copy_data(default)`` of ``records`` without the copied fields their user may not
    read: Odoo's ``copy_data`` would read them, and fail. The copies get their defaults.
    The fields given in ``default`` are left as they are."""
    default = dict(default or {})
    hidden = [
        name
        for name, field in records._fields.items()
        if field.copy and name not in default and not records._has_field_access(field, "read")
    ]
    if not hidden:
        return copy_data(default)
    # given a default, copy_data does not read them: the default is then taken out again
    vals_list = copy_data({**dict.fromkeys(hidden, False), **default})
    for vals in vals_list:
        for name in hidden if vals else ():
            vals.pop(name, None)
    return vals_list
