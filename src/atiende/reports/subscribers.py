"""Keeping the ticket facts current (registered in ReportsConfig.ready): a change queues its
ticket for recomputation, inside the transaction that makes it.

That one INSERT (actions.facts_queue) is all a ticket action pays for its reports: the
facts are recomputed from the raw rows by `actions.facts_catch_up`, in batches, by the
periodic job and before a report is read (docs/metrics.md, "How the facts are kept"). The
queue row commits or rolls back with the change, so a crash never loses one nor counts one
twice.

SLA clocks move after the ticket's commit (sla/subscribers.py) and say so with ClocksMoved
inside their own transaction; the sweep's breaches with SlaBreached."""

from __future__ import annotations

from atiende.core.events import batch_form, subscribe
from atiende.sla.events import ClocksMoved, SlaBreached
from atiende.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketMerged,
    TicketStatusChanged,
    TicketUpdated,
)

from .actions import facts_queue


@subscribe(TicketCreated, in_transaction=True)
def queue_created(event: TicketCreated) -> None:
    facts_queue([event.ticket.pk])


@subscribe(TicketUpdated, in_transaction=True)
def queue_updated(event: TicketUpdated) -> None:
    facts_queue([event.ticket_id])


@subscribe(TicketStatusChanged, in_transaction=True)
def queue_status(event: TicketStatusChanged) -> None:
    facts_queue([event.ticket_id])


@batch_form(queue_status)
def queue_status_many(events: list[TicketStatusChanged]) -> None:
    facts_queue([e.ticket_id for e in events])


@subscribe(TicketCommented, in_transaction=True)
def queue_commented(event: TicketCommented) -> None:
    # Only an agent's public reply is measured (replies, first response); the requester's
    # replies and internal notes change no fact.
    if event.public and event.by_agent:
        facts_queue([event.ticket_id])


@subscribe(TicketMerged, in_transaction=True)
def queue_merged(event: TicketMerged) -> None:
    # Merging moves the source's timeline to the target: both are recomputed.
    facts_queue([event.source_id, event.target_id])


@subscribe(ClocksMoved, in_transaction=True)
def queue_clocks(event: ClocksMoved) -> None:
    facts_queue(event.ticket_ids)


@subscribe(SlaBreached, in_transaction=True)
def queue_breached(event: SlaBreached) -> None:
    facts_queue([event.ticket_id])
