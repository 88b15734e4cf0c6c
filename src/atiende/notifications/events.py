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
