"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from contextvars import ContextVar

from django.db.models import Count, Q, QuerySet

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
    found = Notification.objects.filter(user_id=user_id, read_at__isnull=True).aggregate(
        total=Count("id"), here=Count("id", filter=Q(ticket_id=ticket_id))
    )
    return found["total"], found["here"]


# Opening a ticket reads the person's unread notifications (notifications.rules.viewed); the
# page's top bar then shows their count without counting again. For this request only:
# forgotten when the next one starts or this one ends (apps.py).
_known_unread: ContextVar[tuple[int, int] | None] = ContextVar("known_unread", default=None)


def remember_unread(user_id: int, count: int) -> None:
    _known_unread.set((user_id, count))


def forget_unread(**_signal_kwargs) -> None:
    if _known_unread.get() is not None:
        _known_unread.set(None)
