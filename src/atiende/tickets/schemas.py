"""Input and output schemas of the tickets API (see DESIGN.md, "REST API")."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from atiende.core.api import Id, InputSchema, OrganizationRef, PersonRef, TeamRef

from .models import Impact, Kind, Urgency

# --- output ---------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    name: str


class SlaClockOut(Schema):
    """A service-level clock of the ticket. Times are business time (the calendar's working
    hours only); `deadline` is null while the clock is paused."""

    kind: str = Field(description="first_response | resolution | next_response")
    state: str = Field(description="running | paused | met | breached | stopped")
    target_minutes: int = Field(description="The target, in business minutes.")
    deadline: datetime | None
    remaining_seconds: int = Field(description="Business seconds left; negative when late.")
    elapsed_seconds: int = Field(description="Business seconds counted so far.")
    breached_at: datetime | None
    paused: bool


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    title: str
    description: str
    status: str
    channel: str = Field(
        description="How the ticket reached the desk: web, portal, api, email, phone."
    )
    pending_reason: str
    impact: int | None = Field(description="1 (high) to 3 (low); null for requesters.")
    urgency: int | None = Field(description="1 (high) to 3 (low); null for requesters.")
    priority: int | None = Field(
        description="1 (critical) to 5 (planning), from impact x urgency unless overridden; "
        "null for requesters."
    )
    priority_overridden: bool | None = Field(
        description="true when an agent set the priority instead of impact x urgency; "
        "null for requesters."
    )
    priority_reason: str | None = Field(
        description="Why the priority is overridden (empty when it is not); null for requesters."
    )
    requester: PersonRef
    assignee: PersonRef | None = Field(description="null when unassigned, and for requesters.")
    team: TeamRef | None = Field(description="null when none, and for requesters.")
    handled_by: str = Field(
        description="Who handles it, as requesters see it: the assignee's first name, or "
        "“Service desk” (in the caller's language) while unassigned or without a first name."
    )
    category: CategoryRef | None
    organization: OrganizationRef | None
    sla: list[SlaClockOut] = Field(description="Service-level clocks, oldest first.")
    resolution_code: str
    resolution_notes: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    url: str


class TicketPageOut(Schema):
    items: list[TicketOut]
    count: int
    count_exact: bool
    next: str | None


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int
    content_type: str
    public: bool
    url: str


class TicketRefOut(Schema):
    id: int
    number: str
    kind: str
    title: str
    status: str


class EventOut(Schema):
    id: int
    type: str
    actor: PersonRef | None = Field(
        description="Who did it (null: the desk itself); requesters see agents by first name."
    )
    created_at: datetime
    public: bool
    body: str
    field: str
    old_value: str
    new_value: str
    attachments: list[AttachmentOut]
    follow_up: TicketRefOut | None = Field(
        default=None,
        description="A requester's reply to a finished ticket: the follow-up ticket it opened.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="An internal note's @mentions that told nobody (no agent by that name "
        "may see the ticket).",
    )


class LinkOut(Schema):
    id: int
    link_type: str = Field(description="related, duplicate_of, caused_by or follow_up_of.")
    direction: str = Field(
        description="`outgoing`: this ticket is the link's subject "
        "(e.g. caused by the other); `incoming`: the other way round."
    )
    label: str = Field(description="How the link reads from this ticket, in your language.")
    ticket: TicketRefOut


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None


class ResolutionCodeOut(Schema):
    code: str
    name: str


# --- input ----------------------------------------------------------------------------------


class TicketCreateIn(InputSchema):
    kind: str = Kind.INCIDENT.value
    title: str
    description: str = ""
    category: Id | None = None
    impact: int = Impact.LOW.value
    urgency: int = Urgency.LOW.value
    # Agents only: open on behalf of someone, already routed and assigned.
    requester: Id | None = None
    team: Id | None = None
    assignee: Id | None = None


class TicketPatchIn(InputSchema):
    """Only the fields present are changed; null clears category, team or assignee."""

    version: int
    kind: str | None = None
    title: str | None = None
    category: Id | None = None
    impact: int | None = None
    urgency: int | None = None
    team: Id | None = None
    assignee: Id | None = None


class LinkIn(InputSchema):
    other: str = Field(
        description="The other ticket: its id or its number (INC-000123).", max_length=40
    )
    link_type: str = "related"


class TransitionIn(InputSchema):
    to: str
    resolution_code: str = ""
    resolution_notes: str = ""
    pending_reason: str = ""
    comment: str = ""
    version: int | None = None
    duplicate_of: str | None = Field(
        None,
        max_length=40,
        description="Resolving as `duplicate`: the ticket this one duplicates (id or number).",
    )


class SplitIn(InputSchema):
    event_id: int = Field(ge=1, description="The reply or note to open a new ticket from.")
    title: str = Field("", max_length=200, description="Defaults to the reply's first line.")


class MergeIn(InputSchema):
    into: str = Field(
        description="The ticket to merge into: its id or its number (INC-000123).", max_length=40
    )
    version: int | None = None


class PriorityIn(InputSchema):
    version: int = Field(description="The ticket's version you read.")
    priority: int | None = Field(
        description="1 (critical) to 5 (planning); null goes back to impact x urgency."
    )
    reason: str = Field(
        default="", max_length=500, description="Required when setting a priority; internal."
    )


class CommentIn(InputSchema):
    body: str
    public: bool = True


class FollowerOut(Schema):
    id: int
    username: str
    display_name: str


class ParticipantIn(InputSchema):
    email: str = Field(
        description="Agents: any address. Requesters: an active user of their own organisation.",
        max_length=320,
    )


class ParticipantOut(Schema):
    id: int
    email: str
    user: PersonRef | None = Field(description="The account with this address, if any.")
    added_by: PersonRef | None
    created_at: datetime


class FollowingOut(Schema):
    following: bool
    changed: bool = Field(description="False when the caller already followed (or did not).")
