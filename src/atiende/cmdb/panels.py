"""The CMDB's card on the desk ticket page, through tickets' panel registry (registered in
CmdbConfig.ready()): the services and CIs a ticket affects, with the form to link more."""

from __future__ import annotations

from collections.abc import Sequence

from atiende.accounts.models import User
from atiende.tickets.models import Ticket
from atiende.tickets.panels import Audience, Panel, Placement, register

from .selectors import items_of_tickets


def load_affected(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    found = items_of_tickets(actor, tickets)
    return {ticket.pk: {"items": found.get(ticket.pk, [])} for ticket in tickets}


def register_panels() -> None:
    register(
        Panel(
            name="affected",
            template="cmdb/ticket_affected.html",
            placement=Placement.SIDE,
            order=600,
            audience=Audience.AGENTS,
            load=load_affected,
            only_with=("cmdb.TicketItem.ticket",),
        )
    )
