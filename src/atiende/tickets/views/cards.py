"""Tickets' own cards on the desk ticket page, registered as panels like any other domain's
(TicketsConfig.ready()), so that every card, ours or not, takes its place by `order`:
status 100, details 300, requester 400, links 500 (SLA's clocks come at 200, the CMDB's
affected items at 600). Status and details render the page's forms; the others load."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User

from .. import selectors
from ..models import Ticket
from ..panels import Audience, Panel, Placement, register

OTHER_TICKETS_SHOWN = 5


def load_requester(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """The requester's other recent tickets (a ticket page loads one ticket: one query)."""
    return {
        ticket.pk: {
            "other_tickets": list(
                selectors.tickets_visible_to(actor)
                .filter(requester_id=ticket.requester_id)
                .exclude(pk=ticket.pk)
                .only("id", "number", "title", "status", "updated_at")
                .order_by("-updated_at", "-id")[:OTHER_TICKETS_SHOWN]
            )
        }
        for ticket in tickets
    }


def load_links(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    return {ticket.pk: {"links": selectors.links_of(actor, ticket)} for ticket in tickets}


def load_followers(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """Who follows the ticket, and whether the viewer does (one query a ticket page)."""
    found = {}
    for ticket in tickets:
        people = selectors.followers_of(actor, ticket)
        found[ticket.pk] = {"followers": people, "following": any(p.pk == actor.pk for p in people)}
    return found


def load_participants(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """The people in copy (one query a ticket page): desk side card and portal card."""
    return {ticket.pk: {"people": selectors.participants_of(actor, ticket)} for ticket in tickets}


def register_cards() -> None:
    side, agents = Placement.SIDE, Audience.AGENTS
    register(
        Panel(
            name="status",
            template="tickets/desk/_status_card.html",
            placement=side,
            order=100,
            audience=agents,
            jump=_("Status"),
        )
    )
    register(
        Panel(
            name="details",
            template="tickets/desk/_details_card.html",
            placement=side,
            order=300,
            audience=agents,
            jump=_("Details"),
        )
    )
    register(
        Panel(
            name="requester",
            template="tickets/desk/_requester_card.html",
            placement=side,
            order=400,
            audience=agents,
            load=load_requester,
        )
    )
    register(
        Panel(
            name="links",
            template="tickets/desk/_links_card.html",
            placement=side,
            order=500,
            audience=agents,
            load=load_links,
            only_with=("tickets.TicketLink.from_ticket", "tickets.TicketLink.to_ticket"),
        )
    )
    register(
        Panel(
            name="followers",
            template="tickets/desk/_followers_card.html",
            placement=side,
            order=550,
            audience=agents,
            load=load_followers,
            only_with=("tickets.TicketFollower.ticket",),
        )
    )
    register(
        Panel(
            name="participants",
            template="tickets/desk/_participants_card.html",
            placement=side,
            order=560,
            audience=agents,
            load=load_participants,
            only_with=("tickets.TicketParticipant.ticket",),
        )
    )
    register(
        Panel(
            name="participants_portal",
            template="tickets/portal/_participants_card.html",
            placement=side,  # the portal shows its side cards after the conversation
            order=900,
            audience=Audience.REQUESTERS,
            load=load_participants,
            only_with=("tickets.TicketParticipant.ticket",),
        )
    )
