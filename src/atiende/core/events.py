"""Domain events: an explicit registry of subscribers, called after the transaction commits.

Actions call `publish("ticket.created", ticket_id=...)`; other domains (SLA, notifications,
automation) register with `@subscribe("ticket.created")`. No Django model signals.

A second, explicit phase exists for writes that must be atomic with the change itself (the
mail outbox: "a row committed together with the change"):
`@subscribe("ticket.created", in_transaction=True)` handlers run inside `publish`, i.e. inside
the publishing action's transaction. Their writes commit or roll back with the change, and an
exception they raise propagates and rolls the change back, so they must be small, cheap,
database-only writes (no network, no slow work). After-commit handlers are unchanged.
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
_in_transaction: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, *, in_transaction: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler of `event`: after commit (default), or inside the publishing
    transaction with `in_transaction=True`."""
    registry = _in_transaction if in_transaction else _subscribers

    def register(handler: Handler) -> Handler:
        if handler not in registry[event]:
            registry[event].append(handler)
        return handler

    return register


def subscribers(event: str) -> list[Handler]:
    return list(_subscribers.get(event, ()))


def transaction_subscribers(event: str) -> list[Handler]:
    return list(_in_transaction.get(event, ()))


def publish(event: str, **payload: Any) -> None:
    """Run the in-transaction handlers of `event` now (their exceptions propagate: the change
    rolls back with them), and deliver it to its subscribers once the transaction commits."""
    for handler in transaction_subscribers(event):
        handler(**payload)

    def deliver() -> None:
        for handler in subscribers(event):
            try:
                handler(**payload)
            except Exception:  # a subscriber must never undo or break the committed change
                logger.exception("event subscriber failed", extra={"event": event})

    transaction.on_commit(deliver)
