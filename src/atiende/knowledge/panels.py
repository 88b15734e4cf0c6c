"""The knowledge base on other domains' pages: the desk ticket page's suggested articles
(tickets' panel registry) and the portal new-ticket form's suggestions (its form parts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from atiende.tickets import panels
from atiende.tickets.models import Kind as TicketKind
from atiende.tickets.models import Status as TicketStatus


def load_suggested(actor: Any, tickets: Sequence[Any]) -> dict[int, dict]:
    selectors = _selectors()
    found = selectors.suggestions_for_tickets(actor, tickets)
    shown = selectors.suggestions_of_tickets(actor, [t.pk for t in tickets])
    for ticket in tickets:
        found.setdefault(ticket.pk, {})["shown"] = shown.get(ticket.pk, [])
        found.setdefault(ticket.pk, {})["resolved"] = ticket.status in (
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        )
    return found


def load_known_errors(actor: Any, tickets: Sequence[Any]) -> dict[int, dict]:
    """The known-error card: a problem's workaround article (with link/unlink), and on any
    ticket linked to a problem, that problem's. One query for the ticket page."""
    found = _selectors().known_errors_for_tickets(actor, tickets)
    return {
        t.pk: {"rows": found.get(t.pk, []), "is_problem": t.kind == TicketKind.PROBLEM}
        for t in tickets
    }


KNOWN_ERROR_ROWS = (
    "knowledge.KnownError.problem",
    "tickets.TicketLink.from_ticket",
    "tickets.TicketLink.to_ticket",
)


def known_errors_empty(actor: Any, ticket: Any) -> dict:
    """The card without rows: a problem still offers to link its workaround article."""
    return {"rows": [], "is_problem": ticket.kind == TicketKind.PROBLEM}


def _selectors():
    from . import selectors

    return selectors


def ticket_sent(actor: Any, ticket: Any, data: Mapping[str, Any]) -> None:
    from . import actions

    getlist = getattr(data, "getlist", None)
    shown = getlist("kb_shown") if getlist is not None else data.get("kb_shown") or []
    actions.suggestions_shown_record(actor=actor, ticket=ticket, article_ids=shown)


def register() -> None:
    panels.register(
        panels.Panel(
            name="known-error",
            template="knowledge/_known_error_panel.html",
            placement=panels.Placement.SIDE,
            order=640,
            audience=panels.Audience.AGENTS,
            load=load_known_errors,
            # A problem's own known error, or one of a problem it is linked to.
            only_with=KNOWN_ERROR_ROWS,
            empty=known_errors_empty,
        )
    )
    panels.register(
        panels.Panel(
            name="knowledge",
            template="knowledge/_ticket_panel.html",
            placement=panels.Placement.SIDE,
            order=650,
            audience=panels.Audience.AGENTS,
            # No loader: the page draws the card and htmx fetches its content
            # (views.desk.ticket_suggestions). The suggestions are a full-text search over
            # every article (tens of ms with 100,000), which would make every view of a ticket
            # wait for an aside; the ticket page stays at its own cost (performance.md).
        )
    )
    panels.register_form_part(
        panels.FormPart(
            name="knowledge",
            template="knowledge/portal/_new_ticket_part.html",
            sent=ticket_sent,
        )
    )
