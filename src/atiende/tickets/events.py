"""The tickets domain's events (core.events): what other domains may react to. Ids, not rows,
except `TicketCreated.ticket` for the in-transaction handlers that start a new ticket's work
(its SLA clocks) from the row being written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Ticket


@dataclass(frozen=True)
class TicketCreated:
    ticket_id: int
    actor_id: int
    # The row just inserted (in-transaction handlers only: after commit, read it again).
    ticket: Ticket = field(repr=False, compare=False)
    # Who chose the assignee when it was not the creator (routing.py: the system account of
    # automatic assignment), for "assigned to you by …"; None: the creator, or no assignee.
    assigned_by: int | None = None


@dataclass(frozen=True)
class TicketUpdated:
    """Agent-editable fields changed (the desk, the API, a change's page, an escalation);
    `fields` includes the priority or status they moved."""

    ticket_id: int
    actor_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class TicketStatusChanged:
    """Any status move: a transition, (un)assignment, a change's lifecycle, an approval.
    `comment_id`: the public reply given with the transition, if any (mailed with it)."""

    ticket_id: int
    actor_id: int
    old: str
    new: str
    comment_id: int | None = None
    # A requester's message reopened the ticket (tickets.actions.comment_add): its
    # TicketCommented follows with `reopened=True`, and people are told once, of that.
    by_reply: bool = False


@dataclass(frozen=True)
class TicketCommented:
    """A public reply or an internal note (`public=False`). `by_agent` and `requester_id` are
    facts subscribers would otherwise read back (SLA, mail)."""

    ticket_id: int
    event_id: int
    actor_id: int
    public: bool
    by_agent: bool
    requester_id: int | None
    # The agents an internal note mentions who may see the ticket (selectors.mentions_in).
    mentioned: tuple[int, ...] = ()
    # The address of the person the system account wrote for (a reply by mail from someone
    # who may not act as themselves, e.g. in copy): never sent their own message.
    author_email: str = ""
    # This message reopened the resolved ticket (a TicketStatusChanged with `by_reply` came
    # first): notifications tell of both at once.
    reopened: bool = False


@dataclass(frozen=True)
class TicketAttachmentAdded:
    ticket_id: int
    attachment_id: int
    actor_id: int
    public: bool


@dataclass(frozen=True)
class TicketLinked:
    ticket_id: int
    other_id: int
    link_id: int


@dataclass(frozen=True)
class TicketViewed:
    """Someone opened a ticket's page (desk or portal): what they were told about it is read
    (notifications)."""

    ticket_id: int
    user_id: int


@dataclass(frozen=True)
class TicketMerged:
    """Ticket `source_id` was merged into `target_id`: its timeline, files and links moved
    there and it was closed with a `merged_into` link (mail threading follows it)."""

    source_id: int
    target_id: int
    actor_id: int
