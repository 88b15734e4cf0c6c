"""The notifications domain's events (core.events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (user_id, ticket_id, verb, params) of one in-app notification.
NotificationRow = tuple[int, int | None, str, dict[str, Any]]


@dataclass(frozen=True)
class NotificationsCreated:
    """In-app notifications were written (in-transaction subscribers add other channels,
    e.g. e-mail, in the same transaction)."""

    rows: tuple[NotificationRow, ...]


@dataclass(frozen=True)
class NotificationsMailed:
    """These people want `verb` about a ticket by e-mail too (their preferences): the mail
    domain queues one message each through the outbox, in the same transaction."""

    verb: str
    ticket_id: int | None
    params: dict[str, Any]
    user_ids: tuple[int, ...]
