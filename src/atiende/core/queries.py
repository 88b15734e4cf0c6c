"""Small query helpers shared by the domains."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TypeVar

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import BooleanField, Field, ForeignKey, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key (pk, number, token digest), or None.

    `.first()` would add ORDER BY pk, which Django builds by copying expressions: on the
    hottest lookups (every API request's token, every ticket page) that was a third of the
    query's Python time, for a sort of at most one row."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None


def column_list(model: type[Model], alias: str) -> str:
    """`alias."col", …` for every concrete field of `model`, in `from_row`'s order: for the
    few hand-written joins on hot paths (every API request's token lookup)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def from_row(model: type[M], row: Sequence, start: int = 0) -> tuple[M | None, int]:
    """The instance whose `column_list` begins at `row[start]` (None for the missing side of an
    outer join), and where the next model's columns begin."""
    fields, converters = _reading(model)
    end = start + len(fields)
    values = list(row[start:end])
    if values[0] is None:  # the primary key comes first: no row on this side
        return None, end
    for i, col, convert in converters:
        values[i] = convert(values[i], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values), end


@cache
def _reading(model: type[Model]) -> tuple[list, list]:
    """A model's concrete fields and the converters the ORM would apply to their raw values
    (SQLite returns datetimes as text, booleans as integers), worked out once."""
    fields = list(model._meta.concrete_fields)
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            converters.append((i, col, convert))
    return fields, converters


def one_with_related(queryset: QuerySet[M], related: Sequence[str]) -> M | None:
    """`one_or_none(queryset.select_related(*related))` for a lookup by a unique key (a ticket
    by its number), read by `rows_with_related`'s hand-written join."""
    rows = rows_with_related(queryset, related, limit=1)
    return rows[0] if rows else None


def rows_with_related(
    queryset: QuerySet[M],
    related: Sequence[str],
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> list[M]:
    """`list(queryset.select_related(*related).order_by(*order_by)[:limit])`, read by one
    hand-written join: on the desk ticket page, compiling the ORM's select_related queries
    cost more than running them. Of `queryset` only its WHERE is used, compiled by the ORM, so
    the caller's condition (an access rule) is the one applied; `related` are foreign keys of
    its model, whose rows (all columns) are cached on each instance as select_related caches
    them; `order_by` names its own fields ("-" for descending). A queryset that is more than
    a condition on its own table goes the ORM's way."""
    query = queryset.query
    used = [alias for alias in query.alias_map if query.alias_refcount[alias]]
    if (
        used != [queryset.model._meta.db_table]  # joins of its own (trimmed ones count 0)
        or query.is_sliced
        or query.distinct
        or query.combinator
        or query.annotations
        or query.extra
        or query.deferred_loading != (frozenset(), True)
        or query.select_related is not False
        or query.select_for_update
        or queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        or queryset._known_related_objects  # type: ignore[attr-defined]
        or queryset._iterable_class is not ModelIterable  # type: ignore[attr-defined]
    ):
        found = queryset.select_related(*related).order_by(*order_by)
        return list(found[:limit] if limit is not None else found)
    try:
        where, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return []
    except FullResultSet:
        where, params = "", ()
    model = queryset.model
    select, fields, columns = _joined_sql(model, tuple(related))
    sql = f"{select} WHERE {where}" if where else select
    if order_by:
        sql += " ORDER BY " + ", ".join(
            f"{columns[name.lstrip('-')]} {'DESC' if name.startswith('-') else 'ASC'}"
            for name in order_by
        )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found_rows = []
    for row in rows:
        instance, end = from_row(model, row)
        assert instance is not None
        for field, target in fields:
            joined, end = from_row(target, row, end)
            field.set_cached_value(instance, joined)
        found_rows.append(instance)
    return found_rows


@cache
def _joined_sql(
    model: type[Model], related: tuple[str, ...]
) -> tuple[str, list[tuple[ForeignKey, type[Model]]], dict[str, str]]:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)  # unaliased: the ORM's WHERE names its columns so
    own = {f.name: f"{table}.{quote(f.column)}" for f in model._meta.concrete_fields}
    own["pk"] = own[model._meta.pk.name]  # type: ignore[union-attr]
    columns, joins, fields = [column_list(model, table)], [], []
    for k, name in enumerate(related):
        field = model._meta.get_field(name)
        assert isinstance(field, ForeignKey)
        target = field.related_model
        assert not isinstance(target, str)  # resolved once the apps are ready
        alias = f"j{k}"
        columns.append(column_list(target, alias))
        join = "LEFT JOIN" if field.null else "JOIN"  # as select_related joins
        joins.append(
            f"{join} {quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{quote(field.target_field.column)} = {table}.{quote(field.column)}"
        )
        fields.append((field, target))
    # Names from the models, quoted; every value is a parameter of the ORM's WHERE.
    select = f"SELECT {', '.join(columns)} FROM {table} {' '.join(joins)}"  # noqa: S608
    return select, fields, own


def row_with_related(
    model: type[M], pk: int, through: type[Model], key: str, value: str
) -> tuple[M | None, list]:
    """The `model` row whose primary key is `pk` (None if there is none) and the `value`
    column of the `through` rows whose foreign key `key` points at it (in `value` order), in
    one statement: e.g. a user and their team ids (accounts' session user, every request).
    A LEFT JOIN, so one row per related row (or one with NULL when there is none)."""
    with connection.cursor() as cursor:
        cursor.execute(_row_with_related_sql(model, through, key, value), [pk])
        rows = cursor.fetchall()
    if not rows:
        return None, []
    instance, end = from_row(model, rows[0])
    return instance, [row[end] for row in rows if row[end] is not None]


@cache
def _row_with_related_sql(model: type[Model], through: type[Model], key: str, value: str) -> str:
    quote = connection.ops.quote_name

    def column(of: type[Model], name: str) -> str:
        found = of._meta.get_field(name)
        assert isinstance(found, Field)  # a concrete column, not a relation's reverse side
        return quote(found.get_attname_column()[1])

    table, related = quote(model._meta.db_table), quote(through._meta.db_table)
    key_column, value_column = column(through, key), column(through, value)
    pk_column = column(model, model._meta.pk.name)  # type: ignore[union-attr]
    # Names from the models, quoted; the key is a parameter.
    return (
        f"SELECT {column_list(model, 'r')}, j.{value_column} FROM {table} r "  # noqa: S608
        f"LEFT JOIN {related} j ON j.{key_column} = r.{pk_column} "
        f"WHERE r.{pk_column} = %s ORDER BY j.{value_column}"
    )


def loaded_related(instance: Model, name: str, objects: Sequence[Model]) -> None:
    """Put the rows of `instance`'s reverse relation `name` that the caller has just written
    where `prefetch_related` would have put them, so `instance.<name>.all()` answers them
    without a query: e.g. the SLA clocks a ticket's creation started, which the API's 201
    shows. Reading stays ordinary ORM: without this, the same call reads the database."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    instance._prefetched_objects_cache[name] = queryset  # type: ignore[attr-defined]


def referenced(references: Sequence[str], ids: Sequence[int]) -> set[tuple[str, int]]:
    """Which of `ids` each reference ("app_label.Model.field", a column holding such ids)
    holds: {(reference, id)}, in one statement whatever the number of references (a
    UNION ALL of index lookups, `SELECT DISTINCT col … WHERE col IN (…)` each). For the
    ticket page's optional cards: which have rows at all, so that an empty card costs
    nothing (tickets.panels). Every column named must be indexed (the lead of an index)."""
    if not references or not ids:
        return set()
    ids = sorted(set(ids))
    sql = _referenced_sql(tuple(references), len(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids] * len(references))
        return {(references[k], value) for k, value in cursor.fetchall()}


@cache
def _referenced_sql(references: tuple[str, ...], count: int) -> str:
    from django.apps import apps

    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * count)
    parts = []
    for k, reference in enumerate(references):
        label, field_name = reference.rsplit(".", 1)
        model = apps.get_model(label)
        table = quote(model._meta.db_table)
        column = quote(model._meta.get_field(field_name).column)
        # Names from the models, quoted; every value is a parameter.
        parts.append(f"SELECT DISTINCT {k}, {column} FROM {table} WHERE {column} IN ({marks})")  # noqa: S608
    return " UNION ALL ".join(parts)


def literal_in(model: type[Model], field: str, values: Sequence[str]) -> RawSQL:
    """`table.column IN ('a', 'b')` with the values written into the SQL, as a filter.

    For a partial index whose WHERE is that same list: SQLite only uses a partial index when
    the query's condition matches the index's terms literally, never for bound parameters.
    The values are code constants (never input); quotes are doubled all the same."""
    quote = connection.ops.quote_name
    found = model._meta.get_field(field)
    assert isinstance(found, Field)  # a concrete column, not a relation's reverse side
    column = f"{quote(model._meta.db_table)}.{quote(found.get_attname_column()[1])}"
    listed = ", ".join("'{}'".format(str(v).replace("'", "''")) for v in values)
    return RawSQL(f"{column} IN ({listed})", [], output_field=BooleanField())  # noqa: S611
