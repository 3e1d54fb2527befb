from odoo import api, models
from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL

INSERT_BATCH = 1000  # rows per INSERT


class RelanceBulkMixin(models.AbstractModel):
    """``create`` for the thousands of rows a dunning run makes at once (its proposal's
    lines, its actions' invoices) from plain values: the rows inserted by a few queries,
    then the ORM told as ``create`` tells it, so that what depends on them is computed
    (``modified``, the stored computed fields not given) and checked (constraints,
    companies, access rules). ``create`` spends most of its time on such rows in
    per-record cache work, above all in rounding each amount through the currency of a
    record of its own.

    The values give the stored related fields (those not given are computed after, by
    the ORM), many2many fields as ``[Command.set(ids)]``, no one2many; the caller gives
    each row's currency when there are amounts. A value shared by many rows (a level, a
    mail body) is converted once."""

    _name = "relance.bulk.mixin"
    _description = "Dunning rows created in bulk"

    @api.model
    def _relance_bulk_create(self, vals_list, currencies=None):
        """The records of ``vals_list``, in its order, their amounts rounded in
        ``currencies`` (one ``res.currency`` per values)."""
        self.check_access("create")
        defaults = self._add_missing_default_values({})
        given = set(defaults).union(*vals_list)
        # as create: the columns given or defaulted, the others left to the database
        columns = [
            field
            for name, field in self._fields.items()
            if field.store
            and field.column_type
            and name in given
            and name not in ("id", *LOG_ACCESS_COLUMNS)
        ]
        many2many = [
            field
            for field in self._fields.values()
            if field.type == "many2many" and field.store and field.name in given
        ]
        converted = {}

        def column_value(field, value, currency):
            if field.type == "monetary":
                return currency.round(value or 0.0)
            try:
                key = (field.name, type(value), value)
                if key not in converted:
                    converted[key] = field.convert_to_column_insert(value, self)
                return converted[key]
            except TypeError:  # not hashable
                return field.convert_to_column_insert(value, self)

        now, uid = self.env.cr.now(), self.env.uid
        log_access = (uid, now, uid, now) if self._log_access else ()
        rows = []
        for vals, currency in zip(vals_list, currencies or [None] * len(vals_list), strict=True):
            values = {**defaults, **vals}
            rows.append(
                (
                    *(column_value(field, values.get(field.name), currency) for field in columns),
                    *log_access,
                )
            )
        self.flush_model()
        names = SQL(", ").join(
            SQL.identifier(name)
            for name in [
                *(field.name for field in columns),
                *(LOG_ACCESS_COLUMNS if self._log_access else ()),
            ]
        )
        ids = []
        for start in range(0, len(rows), INSERT_BATCH):
            result = self.env.execute_query(
                SQL(
                    "INSERT INTO %s (%s) VALUES %s RETURNING id",
                    SQL.identifier(self._table),
                    names,
                    SQL(", ").join(rows[start : start + INSERT_BATCH]),
                )
            )
            ids += [row[0] for row in result]
        for field in many2many:
            self._relance_bulk_insert_relation(
                field, ids, [vals.get(field.name, ()) for vals in vals_list]
            )
        records = self.browse(ids)
        written = [field.name for field in (*columns, *many2many)]
        with self.env.protecting([self._fields[name] for name in written], records):
            records.modified(written, create=True)
        for field in self._fields.values():
            if field.store and field.compute and field.name not in given:
                self.env.add_to_compute(field, records)
        # the one2many and many2many of the other side read the new rows afresh
        for field in (*columns, *many2many):
            for inverse in self.pool.field_inverses[field]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        records._validate_fields(written)
        if self._check_company_auto:
            records._check_company()
        records.check_access("create")
        return records

    @api.model
    def _relance_bulk_insert_relation(self, field, ids, commands_list):
        pairs = [
            (id_, co_id)
            for id_, commands in zip(ids, commands_list, strict=True)
            for command in commands
            for co_id in command[2]
        ]
        if pairs:
            self.env.execute_query(
                SQL(
                    "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int[], %s::int[])",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    [id_ for id_, _co_id in pairs],
                    [co_id for _id, co_id in pairs],
                )
            )
