"""Insert rows without the ORM's per-statement machinery.

`insert` writes many rows fast: COPY on PostgreSQL (several times faster than INSERT for the
thousands of timeline events and notifications one sweep writes), one INSERT … VALUES for a
few rows. Rows are plain tuples in the order of `fields` (attribute names, e.g. "ticket_id"):
building tens of thousands of model instances would cost more than the database does; callers
never need the new ids. `insert_instance` saves one new model instance and reads its id back
(a ticket's row and its timeline events, a queued mail and its threading reference).
`update` writes new values of some fields of many instances in one UPDATE … FROM (VALUES …)
(Django's bulk_update builds a CASE per field and row: seconds of Python for 500 rows).

Statements are built from the models' fields, never written out by hand: a column added
later is written with its default, as save() would write it."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

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


def update(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` (names or attribute names) of saved instances of one model: one
    UPDATE … FROM (VALUES …) per VALUES_BATCH rows, each value prepared by its field.
    Answers how many rows were given."""
    if not objs:
        return 0
    meta = type(objs[0])._meta
    quote = connection.ops.quote_name
    by_name = {f.name: f for f in meta.concrete_fields} | {
        f.attname: f for f in meta.concrete_fields
    }
    columns = [by_name[name] for name in fields]  # KeyError: not a column of this model
    pk = meta.pk
    assert pk is not None
    typed = connection.vendor == "postgresql"  # VALUES' columns typed like the table's

    def mark(field: models.Field) -> str:
        return f"CAST(%s AS {field.db_type(connection)})" if typed else "%s"

    row = "(" + ", ".join(mark(f) for f in [pk, *columns]) + ")"
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(f.column)} = v.column{i}" for i, f in enumerate(columns, start=2))
    if typed and not any(isinstance(f, models.JSONField) for f in columns):
        # One array a column (UNNEST): a statement of a few parameters, whatever the rows
        # (psycopg parses every placeholder of a statement on the client).
        arrays = ", ".join(f"CAST(%s AS {f.db_type(connection)}[])" for f in [pk, *columns])
        names = ", ".join(f"column{i}" for i in range(1, len(columns) + 2))
        sql = (
            f"UPDATE {table} SET {sets} FROM UNNEST({arrays}) AS v({names}) "  # noqa: S608
            f"WHERE {table}.{quote(pk.column)} = v.column1"
        )
        params = [
            [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]
            for field in [pk, *columns]
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return len(objs)
    for start in range(0, len(objs), VALUES_BATCH):
        part = objs[start : start + VALUES_BATCH]
        params = [
            field.get_db_prep_save(getattr(obj, field.attname), connection)
            for obj in part
            for field in [pk, *columns]
        ]
        sql = (
            f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(part))}) AS v "  # noqa: S608
            f"WHERE {table}.{quote(pk.column)} = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return len(objs)


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


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    """`INSERT INTO table (every concrete column) VALUES (%s, …)` and its fields, in order.
    Derived from the model, never written by hand, so a new column is written as save() would
    write it; built once per model (`vendor` keys the cache: quoting is the backend's)."""
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key or f.generated))
    quote = connection.ops.quote_name
    # Identifiers come from the model, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql, fields


# Fields whose prepared value is the value itself when it is a str: skipping their
# preparation kept a queued mail's Python time near that of a hand-written INSERT.
_PLAIN_TEXT = (models.CharField, models.TextField)


def _values(
    obj: models.Model,
    fields: Sequence[models.Field],
    db: BaseDatabaseWrapper,
    adapted: dict[int, Any],
) -> list[Any]:
    """Each field's value prepared as save() would. A timestamp written to several columns
    (created, next attempt, its reference's created) is adapted once: `adapted` maps the id of
    a datetime, alive in the instances for the whole statement, to its prepared value."""
    values = []
    for f in fields:
        value = f.pre_save(obj, True)
        kind = type(f)
        if type(value) is str and kind in _PLAIN_TEXT:
            values.append(value)
        elif kind is models.DateTimeField and value is not None:
            prepared = adapted.get(id(value))
            if prepared is None:
                prepared = adapted[id(value)] = f.get_db_prep_save(value, db)
            values.append(prepared)
        else:
            values.append(f.get_db_prep_save(value, db))
    return values


def insert_instance(
    obj: models.Model,
    *,
    unless_conflict_on: str | None = None,
    also: Sequence[models.Model] = (),
) -> bool:
    """Save a new instance with one plain INSERT … RETURNING its id, as `save()` would
    (defaults, auto_now_add, prepared values) without the ORM's per-statement compile, which
    cost more than the database on the paths every ticket takes (its row, its timeline
    events). Sends no model signals; not for fields with a db_default. With `unless_conflict_on` (a unique column), an existing
    row is left alone and False is returned (ON CONFLICT DO NOTHING, on both databases).

    `also`: more new instances saved with it, in the same round trip on PostgreSQL (one
    statement of data-modifying WITH clauses), one INSERT each elsewhere; their ids are not
    read back (a queued mail's threading reference)."""
    meta = obj._meta
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` costs a lookup per use
    quote = db.ops.quote_name
    sql, fields = _insert_sql(type(obj), db.vendor)
    adapted: dict[int, Any] = {}
    values = _values(obj, fields, db, adapted)
    if unless_conflict_on:
        sql += f" ON CONFLICT ({quote(unless_conflict_on)}) DO NOTHING"
    sql += f" RETURNING {quote(meta.pk.column)}"
    extras = [(*_insert_sql(type(other), db.vendor), other) for other in also]
    with db.cursor() as cursor:
        if extras and db.vendor == "postgresql" and not unless_conflict_on:
            clauses = [f"o AS ({sql})"] + [
                f"a{i} AS ({extra_sql})" for i, (extra_sql, _f, _o) in enumerate(extras)
            ]
            params = values + [
                v for _s, fs, other in extras for v in _values(other, fs, db, adapted)
            ]
            cursor.execute(f"WITH {', '.join(clauses)} SELECT * FROM o", params)  # noqa: S608
            inserted = cursor.fetchone()
            extras = []
        else:
            cursor.execute(sql, values)
            inserted = cursor.fetchone()
        if inserted is not None:
            for extra_sql, extra_fields, other in extras:
                cursor.execute(extra_sql, _values(other, extra_fields, db, adapted))
    if inserted is None:
        return False
    obj.pk = inserted[0]
    obj._state.adding = False
    obj._state.db = db.alias
    return True


def insert_spread(
    model: type[models.Model],
    common: dict[str, Any],
    spread: str,
    values: Sequence[Any],
    *,
    unless_conflict: bool = False,
) -> int:
    """Rows that differ in one column only (one notification to many people): one
    `INSERT … SELECT` whose varying column comes from a single array parameter (`unnest` on
    PostgreSQL, `json_each` on SQLite), so a fan-out of N rows sends len(common) + 1 values
    instead of N times the columns, each prepared once. `common` maps attribute names to the value
    every row shares; `spread` names the varying column. Columns come from the model, as in
    `insert`. With `unless_conflict`, rows that would break a unique constraint are skipped
    (ON CONFLICT DO NOTHING, on both databases): queueing an id already queued."""
    if not values:
        return 0
    db = connections[DEFAULT_DB_ALIAS]
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    quote = db.ops.quote_name
    names = [*common, spread]
    columns = ", ".join(quote(concrete[name].column) for name in names)
    params = [concrete[name].get_db_prep_save(value, db) for name, value in common.items()]
    spread_field = concrete[spread]
    prepared = [spread_field.get_db_prep_save(v, db) for v in values]
    table = quote(model._meta.db_table)
    if db.vendor == "postgresql":
        # typed placeholders: a bare NULL or text in a SELECT list is not the column's type
        selected = [f"CAST(%s AS {concrete[name].db_type(db)})" for name in common]
        source = f"unnest(CAST(%s AS {spread_field.db_type(db)}[])) AS spread(value)"
        params.append(prepared)
    else:
        selected = ["%s"] * len(common)
        source = "json_each(%s) AS spread"
        params.append(json.dumps(prepared))
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(selected)}, spread.value FROM {source}"  # noqa: S608
    )
    if unless_conflict:
        # SQLite needs a WHERE to tell the upsert clause from a join's ON (its documented
        # parsing ambiguity of INSERT … SELECT … ON CONFLICT).
        sql += " WHERE true ON CONFLICT DO NOTHING"
    with db.cursor() as cursor:
        cursor.execute(sql, params)
    return len(values)


def add_to(
    model: type[models.Model],
    keys: Sequence[str],
    counts: Sequence[str],
    rows: Sequence[tuple],
) -> None:
    """Add to counters: for each row (the `keys` values then the `counts` values, in order),
    `INSERT … ON CONFLICT (keys) DO UPDATE SET c = c + excluded.c` for every count: one
    statement for any number of rows, on SQLite (≥ 3.24) and PostgreSQL. `keys` must be the
    fields of a unique constraint of `model`. Adding is what lets concurrent writers and a
    rebuild meet on the same row without losing each other's deltas (reports' daily
    aggregates)."""
    if not rows:
        return
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    fields = [concrete[name] for name in (*keys, *counts)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sets = ", ".join(
        f"{quote(concrete[c].column)} = {table}.{quote(concrete[c].column)} + "
        f"excluded.{quote(concrete[c].column)}"
        for c in counts
    )
    conflict = ", ".join(quote(concrete[k].column) for k in keys)
    per_batch = max(1, min(VALUES_BATCH, 30_000 // len(fields)))  # SQLite's parameter cap
    for start in range(0, len(rows), per_batch):
        batch = rows[start : start + per_batch]
        # Integers and strings are their own database value; others (dates) are prepared.
        params = [
            value if type(value) in (int, str) else field.get_db_prep_save(value, connection)
            for row in batch
            for field, value in zip(fields, row, strict=True)
        ]
        sql = (
            f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(batch))} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def insert_select(model: type[models.Model], fields: Sequence[str], query: Any) -> int:
    """`INSERT INTO table (fields) SELECT …` of an ORM queryset whose selected columns are, in
    order, the values of `fields` (attribute names): a set-based copy of rows the database
    computes (the reports' first fill of their duration histograms: a million facts grouped
    without reading them into Python). Answers the rows inserted."""
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    names = ", ".join(quote(concrete[name].column) for name in fields)
    select, params = query.query.sql_with_params()
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {select}", params)
        return max(cursor.rowcount, 0)
