"""Who gets a new ticket: the extension point through which a domain above tickets (the
assignment app) chooses the assignee of a ticket before its row is written, so the ticket is
inserted already assigned, with one timeline entry explaining the choice, instead of being
created unassigned and then updated (a second version, status change and every subscriber
of TicketUpdated and TicketStatusChanged again). Like panels.py: tickets cannot import the
domains above it, so they register here from their AppConfig.ready().

    # myapp/apps.py, ready()
    from atiende.tickets.routing import register_assignee_chooser
    register_assignee_chooser(choose_for_new)

`ticket_create` calls the chooser inside its transaction, before the insert, only when the
creator chose no assignee and the ticket has a team. The chooser answers None when it has
nothing to say (e.g. the team has no automatic policy: it must decide that without a query
for the common case), or a `Routed`: the agent (or None when nobody could take it) and the
note recorded on the new ticket's timeline. Whatever it locks stays locked until the
creation commits, so concurrent creations choose one after another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atiende.accounts.models import User


@dataclass(frozen=True)
class NewTicket:
    """The facts of the ticket about to be created (not yet written: no id, no number)."""

    kind: str
    category_id: int | None
    priority: int
    language: str  # the requester's ("" when unknown)


@dataclass(frozen=True)
class Note:
    """The internal timeline entry explaining the choice, of the chooser's own event type
    (rendered by the template it registered with panels.register_timeline_entry)."""

    type: str
    field: str = ""
    old: str = ""
    new: str = ""
    body: str = ""


@dataclass(frozen=True)
class Routed:
    assignee_id: int | None  # None: nobody could take it; the ticket waits in its team's queue
    actor: User  # who chose (the system account): the note's author, "assigned by" in notices
    note: Note


Chooser = Callable[[int, NewTicket], Routed | None]

_chooser: Chooser | None = None


def register_assignee_chooser(fn: Chooser) -> None:
    """Set the one chooser (registering the same function again is harmless)."""
    global _chooser
    if _chooser is not None and _chooser is not fn:
        raise RuntimeError("an assignee chooser is already registered")
    _chooser = fn


_automatic: Callable[[int], bool] | None = None


def register_automatic_teams(fn: Callable[[int], bool]) -> None:
    """Set the one answer to "does this team assign its tickets automatically?" (the
    assignment app; without a query for the common case). Notifications ask it before telling
    a team's queue of a ticket moved in unassigned: for such a team, the assignment decides
    first and tells the queue itself only when nobody could take the ticket."""
    global _automatic
    if _automatic is not None and _automatic is not fn:
        raise RuntimeError("an automatic-teams answer is already registered")
    _automatic = fn


def assigns_automatically(team_id: int | None) -> bool:
    return team_id is not None and _automatic is not None and _automatic(team_id)


def choose_assignee(team_id: int, ticket: NewTicket) -> Routed | None:
    """The registered chooser's answer for a new ticket of `team_id` (None without one)."""
    if _chooser is None:
        return None
    return _chooser(team_id, ticket)
