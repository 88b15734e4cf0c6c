"""Small query helpers shared by the domains."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key (pk, number, token digest), or None.

    `.first()` would add ORDER BY pk, which Django builds by copying expressions: on the
    hottest lookups (every API request's token, every ticket page) that was a third of the
    query's Python time, for a sort of at most one row."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None
