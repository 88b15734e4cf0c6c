"""Event rules run on tickets' events inside the transaction of the change that triggered
them: the change and what rules did because of it commit together (a new ticket is never
seen in the wrong queue), while each rule runs in a savepoint, so a rule that fails is
traced and the change itself stands (engine.apply). SLA warnings and breaches come from the
sweep, not from a person: their rules run after the sweep's batch commits, each rule in its
own transaction."""

from __future__ import annotations

from atiende.catalogue.events import RequestSubmitted
from atiende.core.events import subscribe
from atiende.sla.events import SlaBreached, SlaWarned
from atiende.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
)

from .engine import run_rules
from .models import Trigger


@subscribe(TicketCreated, in_transaction=True)
def on_created(event: TicketCreated) -> None:
    if run_rules(Trigger.CREATED, event.ticket_id, ticket=event.ticket):
        # The caller answers with this row (the API's 201, the desk's redirect): let it
        # show what the rules changed.
        event.ticket.refresh_from_db()


@subscribe(TicketUpdated, in_transaction=True)
def on_updated(event: TicketUpdated) -> None:
    run_rules(Trigger.UPDATED, event.ticket_id, changed=event.fields)


@subscribe(TicketStatusChanged, in_transaction=True)
def on_status(event: TicketStatusChanged) -> None:
    run_rules(Trigger.STATUS, event.ticket_id, changed=("status",))


@subscribe(TicketCommented, in_transaction=True)
def on_commented(event: TicketCommented) -> None:
    run_rules(Trigger.COMMENTED, event.ticket_id, comment_id=event.event_id)


@subscribe(SlaWarned)
def on_sla_warning(event: SlaWarned) -> None:
    run_rules(Trigger.SLA_WARNING, event.ticket_id)


@subscribe(SlaBreached)
def on_sla_breach(event: SlaBreached) -> None:
    run_rules(Trigger.SLA_BREACH, event.ticket_id)


@subscribe(RequestSubmitted, in_transaction=True)
def on_submitted(event: RequestSubmitted) -> None:
    """A request from the catalogue, its answers stored: rules on the item and the answers
    (the `created` rules ran before the answers existed)."""
    run_rules(Trigger.SUBMITTED, event.ticket_id)
