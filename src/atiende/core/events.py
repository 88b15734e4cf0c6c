"""Domain events: an explicit registry of subscribers, keyed by the event's class.

An event is a small frozen dataclass declared in its domain's `events.py` (tickets/events.py,
changes/events.py, cmdb/events.py, notifications/events.py; listed in docs/architecture.md).
Actions call `publish(TicketCreated(ticket_id=..., actor_id=..., ticket=...))`; other domains
register with `@subscribe(TicketCreated)` a handler taking the event. "Find usages" and mypy
follow an event from its publisher to every subscriber. No Django model signals, and no
subscriptions inside one domain: a domain calls its own code directly.

Two phases:
- after commit (default): handlers run once the publishing transaction commits, and can never
  undo the change (their exceptions are logged and swallowed);
- `@subscribe(TicketCreated, in_transaction=True)`: handlers run inside `publish`, i.e. inside
  the publishing action's transaction, for writes that must commit or roll back with the
  change (a new ticket's SLA clocks, the mail outbox). An exception they raise propagates and
  rolls the change back, so they must be small, cheap, database-only writes.

Many events of one class at once (`publish_many`: a time rule closing 500 tickets): each
handler runs on the whole list when it declares a batch form (`@batch_form(handler)`, one
pass per batch: a few queries whatever the size), otherwise once per event, as `publish`
would. The batch form must have exactly the effects of the handler on each event.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]
_subscribers: dict[type, list[Handler]] = defaultdict(list)
_in_transaction: dict[type, list[Handler]] = defaultdict(list)
# A handler's one-pass form for a list of its events (publish_many).
_batch_forms: dict[Handler, Callable[[list[Any]], None]] = {}


def subscribe(
    event: type[E], *, in_transaction: bool = False
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register a handler of events of class `event`: after commit (default), or inside the
    publishing transaction with `in_transaction=True`. Registering twice is harmless."""
    registry = _in_transaction if in_transaction else _subscribers

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in registry[event]:
            registry[event].append(handler)
        return handler

    return register


def unsubscribe(event: type, handler: Handler) -> None:
    """Remove a handler from both phases (tests, benchmarks)."""
    for registry in (_subscribers, _in_transaction):
        if handler in registry.get(event, ()):
            registry[event].remove(handler)


def subscribers(event: type) -> list[Handler]:
    return list(_subscribers.get(event, ()))


def transaction_subscribers(event: type) -> list[Handler]:
    return list(_in_transaction.get(event, ()))


def publish(event: object) -> None:
    """Run the in-transaction handlers of `event` now (their exceptions propagate: the change
    rolls back with them), and deliver it to its subscribers once the transaction commits."""
    kind = type(event)
    for handler in transaction_subscribers(kind):
        handler(event)

    def deliver() -> None:
        for handler in subscribers(kind):
            try:
                handler(event)
            except Exception:  # a subscriber must never undo or break the committed change
                logger.exception("event subscriber failed", extra={"event": kind.__name__})

    transaction.on_commit(deliver)


def batch_form(
    handler: Callable[[E], None],
) -> Callable[[Callable[[list[E]], None]], Callable[[list[E]], None]]:
    """Declare the decorated function `handler`'s form for a list of events (publish_many):
    the same effects as `handler` on each of them, in one pass."""

    def register(batch: Callable[[list[E]], None]) -> Callable[[list[E]], None]:
        _batch_forms[handler] = batch
        return batch

    return register


def publish_many(events: Sequence[object]) -> None:
    """`publish` each of `events` (all of one class), handler by handler: a handler with a
    batch form runs once on the list, the others once per event. In the transaction, an
    exception propagates (the whole batch rolls back); after commit, it is logged and
    swallowed (per event for handlers without a batch form, as `publish` does)."""
    events = list(events)
    if not events:
        return
    kind = type(events[0])
    if any(type(e) is not kind for e in events):
        raise TypeError("publish_many: events of one class only")
    for handler in transaction_subscribers(kind):
        batch = _batch_forms.get(handler)
        if batch is not None:
            batch(events)
        else:
            for event in events:
                handler(event)

    def deliver() -> None:
        for handler in subscribers(kind):
            batch = _batch_forms.get(handler)
            for part in [events] if batch is not None else [[e] for e in events]:
                try:
                    if batch is not None:
                        batch(part)
                    else:
                        handler(part[0])
                except Exception:  # never undo or break the committed change
                    logger.exception("event subscriber failed", extra={"event": kind.__name__})

    transaction.on_commit(deliver)
