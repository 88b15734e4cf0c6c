"""Keeping the ticket facts current (registered in ReportsConfig.ready).

The ticket's own changes are applied inside the publishing transaction (`in_transaction=True`):
the fact commits or rolls back with the change, so a crash can never count a change twice or
lose it. Each handler costs one read of the ticket row, one of the fact and one write.

SLA clocks move after the ticket's commit, in SLA's own handlers (sla/subscribers.py), which
are registered before these (the SLA app loads first): `clocks_after_*` run after them and
copies the clocks' states. The sweep's breaches publish no event: the periodic job
`atiende.reports.refresh` picks them up (tasks.py)."""

from __future__ import annotations

from atiende.core.events import batch_form, subscribe
from atiende.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketMerged,
    TicketStatusChanged,
    TicketUpdated,
)

from . import facts


@subscribe(TicketCreated, in_transaction=True)
def fact_created(event: TicketCreated) -> None:
    facts.on_created(event.ticket)


@subscribe(TicketUpdated, in_transaction=True)
def fact_updated(event: TicketUpdated) -> None:
    facts.on_updated(event.ticket_id, event.fields)


@subscribe(TicketStatusChanged, in_transaction=True)
def fact_status(event: TicketStatusChanged) -> None:
    facts.on_status(event.ticket_id, event.old, event.new, event.comment_id)


@batch_form(fact_status)
def fact_status_many(events: list[TicketStatusChanged]) -> None:
    facts.on_status_many([(e.ticket_id, e.old, e.new, e.comment_id) for e in events])


@subscribe(TicketCommented, in_transaction=True)
def fact_commented(event: TicketCommented) -> None:
    facts.on_commented(
        event.ticket_id, event.event_id, event.public, event.by_agent, event.actor_id
    )


@subscribe(TicketMerged, in_transaction=True)
def fact_merged(event: TicketMerged) -> None:
    # Merging moves the source's timeline to the target: recompute both from their rows.
    facts.reconcile([event.source_id, event.target_id])


# After commit, after SLA's handlers of the same events: copy the clocks' states.
@subscribe(TicketUpdated)
def clocks_after_update(event: TicketUpdated) -> None:
    facts.refresh_sla([event.ticket_id])


@subscribe(TicketStatusChanged)
def clocks_after_status(event: TicketStatusChanged) -> None:
    facts.refresh_sla([event.ticket_id])


@batch_form(clocks_after_status)
def clocks_after_status_many(events: list[TicketStatusChanged]) -> None:
    facts.refresh_sla([e.ticket_id for e in events])


@subscribe(TicketCommented)
def clocks_after_reply(event: TicketCommented) -> None:
    facts.refresh_sla([event.ticket_id])
