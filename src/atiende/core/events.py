"""Domain events: an explicit registry of subscribers, called after the transaction commits.

Actions call `publish("ticket.created", ticket_id=...)`; other domains (SLA, notifications,
automation) register with `@subscribe("ticket.created")`. No Django model signals.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _subscribers[event]:
            _subscribers[event].append(handler)
        return handler

    return register


def subscribers(event: str) -> list[Handler]:
    return list(_subscribers.get(event, ()))


def publish(event: str, **payload: Any) -> None:
    """Deliver `event` to its subscribers once the current transaction commits."""

    def deliver() -> None:
        for handler in subscribers(event):
            try:
                handler(**payload)
            except Exception:  # a subscriber must never undo or break the committed change
                logger.exception("event subscriber failed", extra={"event": event})

    transaction.on_commit(deliver)
