"""Insert rows without the ORM's per-statement machinery.

`insert` writes many rows fast: COPY on PostgreSQL (several times faster than INSERT for the
thousands of timeline events and notifications one sweep writes), one INSERT … VALUES for a
few rows. Rows are plain tuples in the order of `fields` (attribute names, e.g. "ticket_id"):
building tens of thousands of model instances would cost more than the database does; callers
never need the new ids. `insert_instance` saves one new model instance and reads its id back
(a ticket's row and its timeline events)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models

# COPY takes several round trips to start and finish: below this many rows one INSERT of
# several VALUES is faster (a ticket's creation writes one SLA event this way).
COPY_FROM_ROWS = 50
VALUES_BATCH = 500  # rows per INSERT (SQLite allows 32,766 parameters per statement)


def _insert_values(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """One INSERT … VALUES (…), (…) with each value prepared by its field, as the ORM would,
    without building model instances (bulk_create cost more than the database on the path
    of every ticket's creation)."""
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    columns = [concrete[name] for name in fields]
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params = [
        field.get_db_prep_save(value, connection)
        for row in rows
        for field, value in zip(columns, row, strict=True)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(rows))}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> int:
    if not rows:
        return 0
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM_ROWS:
        for start in range(0, len(rows), VALUES_BATCH):
            _insert_values(model, fields, rows[start : start + VALUES_BATCH])
        return len(rows)
    meta = model._meta
    concrete = {f.attname: f for f in meta.concrete_fields}
    json_at = [i for i, name in enumerate(fields) if isinstance(concrete[name], models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(concrete[name].column) for name in fields)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_at:
                values = list(row)
                for i in json_at:
                    values[i] = json.dumps(values[i])
                copy.write_row(values)
            else:
                copy.write_row(row)
    return len(rows)


def insert_instance(obj: models.Model, *, unless_conflict_on: str | None = None) -> bool:
    """Save a new instance with one plain INSERT … RETURNING its id, as `save()` would
    (defaults, auto_now_add, prepared values) without the ORM's per-statement compile, which
    cost more than the database on the paths every ticket takes (its row, its timeline
    events). Sends no model signals; not for fields with a db_default. With `unless_conflict_on` (a unique column), an existing
    row is left alone and False is returned (ON CONFLICT DO NOTHING, on both databases)."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key or f.generated)]
    quote = connection.ops.quote_name
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    conflict = (
        f" ON CONFLICT ({quote(unless_conflict_on)}) DO NOTHING" if unless_conflict_on else ""
    )
    # Identifiers come from the model, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}){conflict} RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    obj.pk = inserted[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True
