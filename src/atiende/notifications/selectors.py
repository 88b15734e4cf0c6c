"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache

from django.db import connection
from django.db.models import QuerySet

from atiende.accounts.models import User

from .models import Notification


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    found = Notification.objects.filter(user_id=user.pk).select_related("ticket")
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    known = _known_unread.get()
    if known is not None and known[0] == user.pk:
        return known[1]
    return notifications_for(user, unread_only=True).count()


def unread_on_ticket(user_id: int, ticket_id: int) -> tuple[int, int]:
    """How many of the user's notifications are unread, and how many of them are about the
    ticket: one COUNT on the unread partial index."""
    # Written out (one statement on every ticket page, the ORM's aggregate() cost it more
    # than the database's work); the same condition as the top bar's COUNT, on its index.
    with connection.cursor() as cursor:
        cursor.execute(_unread_on_ticket_sql(), [ticket_id, user_id])
        total, here = cursor.fetchone()
    return total, here or 0


@cache
def _unread_on_ticket_sql() -> str:
    quote = connection.ops.quote_name
    meta = Notification._meta
    table = quote(meta.db_table)
    ticket, user, read_at = (
        quote(meta.get_field(name).column)  # type: ignore[union-attr,arg-type]
        for name in ("ticket", "user", "read_at")
    )
    # Names from the model, quoted; the values are parameters.
    return (
        f"SELECT COUNT(*), SUM(CASE WHEN {ticket} = %s THEN 1 ELSE 0 END) FROM {table} "  # noqa: S608
        f"WHERE {user} = %s AND {read_at} IS NULL"
    )


# Opening a ticket reads the person's unread notifications (notifications.rules.viewed); the
# page's top bar then shows their count without counting again. For this request only:
# forgotten when the next one starts or this one ends (apps.py).
_known_unread: ContextVar[tuple[int, int] | None] = ContextVar("known_unread", default=None)


def remember_unread(user_id: int, count: int) -> None:
    _known_unread.set((user_id, count))


def forget_unread(**_signal_kwargs) -> None:
    if _known_unread.get() is not None:
        _known_unread.set(None)
