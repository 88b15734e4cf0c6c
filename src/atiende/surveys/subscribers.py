"""Surveys react to tickets being finished (core.events)."""

from __future__ import annotations

from atiende.core.events import subscribe
from atiende.tickets.events import TicketStatusChanged

from . import actions


@subscribe(TicketStatusChanged, in_transaction=True)
def invite(event: TicketStatusChanged) -> None:
    """Resolved or closed: the survey (if the settings ask for one) and its e-mail commit with
    the transition, exactly once (one invitation per ticket, ever). In the transaction like
    the resolution e-mail: a few indexed reads and two small INSERTs."""
    if event.new in actions.FINISHED and event.old not in actions.FINISHED:
        actions.invite_for_ticket(ticket_id=event.ticket_id)
