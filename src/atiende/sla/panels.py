"""What SLA adds to the ticket pages and the desk queue, through tickets' panel registry
(registered in SlaConfig.ready()): the agents' clock card, the requester's expectations and
the queue's SLA column. Each loader reads the clocks of all its tickets in one query."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User
from atiende.tickets.models import Ticket
from atiende.tickets.panels import (
    Audience,
    Panel,
    Placement,
    register,
    register_queue_view,
    register_timeline_entry,
)

from . import display


def load_card(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    return {
        ticket_id: {"clocks": views}
        for ticket_id, views in display.clocks_of_page(actor, tickets).items()
    }


def load_column(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    urgent = display.urgent_by_ticket(actor, tickets)
    return {ticket_id: {"clock": view} for ticket_id, view in urgent.items()}


def load_expectations(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    return {
        ticket_id: {"expectations": lines}
        for ticket_id, lines in display.portal_expectations(actor, tickets).items()
    }


def register_panels() -> None:
    from .views import breaching

    register(
        Panel(
            name="sla",
            template="sla/_card.html",
            placement=Placement.SIDE,
            order=200,
            audience=Audience.AGENTS,  # policies, targets and breaches are internal
            load=load_card,
            only_with=("sla.SlaClock.ticket",),
            jump=_("Service level"),
        )
    )
    register(
        Panel(
            name="sla_column",
            template="sla/_queue_cell.html",
            placement=Placement.QUEUE_COLUMN,
            order=200,
            audience=Audience.AGENTS,
            load=load_column,
            heading=_("SLA"),
        )
    )
    register(
        Panel(
            name="sla_expectations",
            template="sla/_expectations.html",
            placement=Placement.MAIN,
            order=200,
            audience=Audience.REQUESTERS,
            load=load_expectations,
            only_with=("sla.SlaClock.ticket",),
        )
    )
    register_queue_view("breaching", breaching)
    # Clock events in the timeline (internal: timeline_for never gives them to requesters).
    register_timeline_entry("sla", "sla/_event.html")
