"""Insert many rows fast: COPY on PostgreSQL (several times faster than INSERT for the
thousands of timeline events and notifications one sweep writes), bulk_create elsewhere.
Rows are plain tuples in the order of `fields` (attribute names, e.g. "ticket_id"): building
tens of thousands of model instances would cost more than the database does. Returns the
number of rows; callers of a bulk insert never need the new ids. Used by the SLA sweep
(timeline events) and notifications."""

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
