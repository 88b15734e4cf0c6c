"""Reactions to ticket events (registered in SlaConfig.ready).

A new ticket's clocks start inside the ticket's own transaction: they commit together, so a
crash can never leave a ticket without its service level, and creation pays no second
commit. The other handlers run after commit: the registry logs and swallows a handler's
exception so a ticket change never fails because of its clocks; the sweep and the next event
then repair what can be repaired (e.g. a missing clock is started when the policy is
re-matched)."""

from __future__ import annotations

from atiende.core.events import batch_form, subscribe
from atiende.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
)

from . import actions


@subscribe(TicketCreated, in_transaction=True)
def start_clocks(event: TicketCreated) -> None:
    actions.clocks_start_new(ticket=event.ticket)


@subscribe(TicketUpdated)
def follow_fields(event: TicketUpdated) -> None:
    if actions.POLICY_FIELDS & set(event.fields):
        actions.clocks_follow_policy(ticket_id=event.ticket_id)


@subscribe(TicketStatusChanged)
def follow_status(event: TicketStatusChanged) -> None:
    actions.clocks_follow_status(ticket_id=event.ticket_id, old=event.old, new=event.new)


@batch_form(follow_status)
def follow_status_many(events: list[TicketStatusChanged]) -> None:
    actions.clocks_follow_status_many([(e.ticket_id, e.old, e.new) for e in events])


@subscribe(TicketCommented)
def follow_reply(event: TicketCommented) -> None:
    actions.clocks_follow_reply(
        ticket_id=event.ticket_id,
        actor_id=event.actor_id,
        public=event.public,
        by_agent=event.by_agent,
    )
