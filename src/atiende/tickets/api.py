"""The tickets API: thin handlers that parse, call a selector or an action, and shape the
answer. Who sees what is decided by the selectors alone; every change goes through actions."""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from pydantic import Field

from atiende.accounts.models import User
from atiende.core.api import Id, Ref, errors, file_answer, next_url, person_ref
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.core.pagination import cursor_problem
from atiende.sla.selectors import clock_summaries, clock_summaries_of_new

from . import actions, selectors
from .mentions import unreachable_warnings
from .models import Attachment, Channel, EventType, Kind, Status, Ticket, TicketEvent
from .schemas import (
    AttachmentOut,
    CategoryOut,
    CommentIn,
    EventOut,
    FollowerOut,
    FollowingOut,
    LinkIn,
    LinkOut,
    MergeIn,
    ParticipantIn,
    ParticipantOut,
    PriorityIn,
    ResolutionCodeOut,
    SplitIn,
    TicketCreateIn,
    TicketOut,
    TicketPageOut,
    TicketPatchIn,
    TransitionIn,
)

router = Router(tags=["tickets"])

# PATCH fields that may be set to null (meaning "none"); the others need a value.
CLEARABLE = {"category", "team", "assignee"}


class TicketQuery(Schema):
    kind: str | None = None
    status: list[str] = Field(default=[], description="Repeat or separate with commas.")
    priority: int | None = Field(default=None, ge=1, le=5)
    team: Id | None = None
    assignee: str | None = Field(default=None, description="An agent id, or `none`.")
    requester: Id | None = None
    category: Id | None = None
    organization: Id | None = None
    q: str = Field(default="", max_length=500, description="Full-text search.")
    sort: str = Field(default="-updated", description=", ".join(selectors.SORTS))
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=25, ge=1, le=100)


# --- shaping answers --------------------------------------------------------------------------


def _named(obj, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, name)}


def _category(category, reader: User) -> dict[str, Any] | None:
    """The category's path in the reader's language (theirs, else the request's)."""
    if category is None:
        return None
    return {"id": category.pk, "name": category.label(reader.language or None)}


TICKET_FIELDS = (
    "id", "number", "kind", "title", "description", "status", "channel", "pending_reason", "impact",
    "urgency", "priority", "priority_overridden", "priority_reason", "resolution_code", "resolution_notes", "created_at", "updated_at",
    "resolved_at", "closed_at", "version",
)  # fmt: skip


def ticket_data(
    request: HttpRequest, ticket: Ticket, sla: list[dict] | None = None
) -> dict[str, Any]:
    """`sla`: the ticket's clock summaries when already read for a whole page."""
    viewer = cast(User, request.user)
    if sla is None:
        sla = clock_summaries(viewer, [ticket]).get(ticket.pk, [])
    data = {
        **{field: getattr(ticket, field) for field in TICKET_FIELDS},
        "requester": person_ref(ticket.requester),
        "assignee": person_ref(ticket.assignee),
        "team": _named(ticket.team),
        "handled_by": selectors.handled_by(ticket),
        "category": _category(ticket.category, viewer),
        "organization": _named(ticket.organization),
        "sla": sla,
        "url": request.build_absolute_uri(
            reverse("api:ticket_get", kwargs={"ticket_id": ticket.pk})
        ),
    }
    if not viewer.is_agent:
        # Internal to the desk, like their changes in the timeline (selectors.public_name).
        data.update(REQUESTER_HIDDEN)
    return data


# What a requester (or organisation manager) receives as null: who handles the ticket
# (`handled_by` names them the requester's way), its team and its priority.
REQUESTER_HIDDEN = {
    "assignee": None,
    "team": None,
    "impact": None,
    "urgency": None,
    "priority": None,
    "priority_overridden": None,
    "priority_reason": None,
}


def attachment_data(request: HttpRequest, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "public": attachment.public,
        "url": request.build_absolute_uri(
            reverse("api:attachment_download", kwargs={"attachment_id": attachment.pk})
        ),
    }


def event_data(request: HttpRequest, event: TicketEvent) -> dict[str, Any]:
    actor = person_ref(event.actor)
    if actor is not None:  # a requester sees agents by first name (selectors.name_for)
        actor["display_name"] = selectors.name_for(event.actor, cast(User, request.user))
    return {
        "id": event.pk,
        "type": event.type,
        "actor": actor,
        "created_at": event.created_at,
        "public": event.public,
        "body": event.body,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "attachments": [attachment_data(request, a) for a in event.attachments.all()],
    }


# --- parsing requests -------------------------------------------------------------------------


def _filters(query: TicketQuery) -> selectors.TicketFilters:
    problems: dict[str, list[str]] = {}
    statuses = [s.strip() for value in query.status for s in value.split(",") if s.strip()]
    if any(status not in Status.values for status in statuses):
        problems["status"] = [_("Unknown status.")]
    if query.kind and query.kind not in Kind.values:
        problems["kind"] = [_("Unknown kind.")]
    if query.sort not in selectors.SORTS:
        problems["sort"] = [_("Unknown sort order.")]
    assignee, unassigned = None, False
    if query.assignee is not None:
        value = query.assignee.strip().lower()
        if value == "none":
            unassigned = True
        elif (agent_id := parse_id(value)) is not None:
            assignee = agent_id
        else:
            problems["assignee"] = [_("Give an agent id, or “none”.")]
    if problem := cursor_problem(query.cursor, selectors.SORTS.get(query.sort, [])):
        problems["cursor"] = [problem]
    if problems:
        raise ValidationFailed(errors=problems)
    return selectors.TicketFilters(
        kind=query.kind or None,
        status=statuses,
        priority=query.priority,
        team=query.team,
        assignee=assignee,
        unassigned=unassigned,
        requester=query.requester,
        category=query.category,
        organization=query.organization,
        q=query.q,
        sort=query.sort,
    )


def _visible(request: HttpRequest, ticket_id: str) -> Ticket:
    # The API's authenticators only let signed-in, active users through.
    return selectors.ticket_get(cast(User, request.user), ticket_id)


# --- tickets ----------------------------------------------------------------------------------


@router.get(
    "/tickets",
    response={200: TicketPageOut, **errors(401, 422)},
    url_name="ticket_list",
    summary="Tickets the caller may see, filtered, newest activity first",
)
def ticket_list(request, query: Query[TicketQuery]):
    filters = _filters(query)
    if not request.user.is_agent:
        # Filtering or sorting by an internal field would reveal it (REQUESTER_HIDDEN).
        internal = [name for name in ("priority", "team", "assignee") if getattr(query, name)]
        if internal or filters.sort in ("priority", "-priority"):
            raise ValidationFailed(
                errors={
                    name: [_("Only agents can filter or sort by this field.")]
                    for name in internal or ["sort"]
                }
            )
    page = selectors.ticket_page(request.user, filters, cursor=query.cursor, limit=query.limit)
    sla = clock_summaries(request.user, page.items)  # one query for the page
    return {
        "items": [ticket_data(request, ticket, sla.get(ticket.pk, [])) for ticket in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.post(
    "/tickets",
    response={201: TicketOut, **errors(400, 401, 403, 422)},
    url_name="ticket_create",
    summary="Open a ticket",
)
def ticket_create(request, payload: TicketCreateIn):
    ticket = actions.ticket_create(
        actor=request.user,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        category_id=payload.category,
        impact=payload.impact,
        urgency=payload.urgency,
        requester_id=payload.requester,
        team_id=payload.team,
        assignee_id=payload.assignee,
        channel=Channel.API,
    )
    return Reply(201, ticket_data(request, ticket, clock_summaries_of_new(ticket)))


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **errors(401, 404, 422)},
    url_name="ticket_get",
    summary="One ticket, by id or by number (e.g. INC-000123)",
)
def ticket_get(request, ticket_id: Ref):
    return ticket_data(request, _visible(request, ticket_id))


@router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_update",
    summary="Change fields (agents); `version` is the one you read",
)
def ticket_update(request, ticket_id: Ref, payload: TicketPatchIn):
    ticket = _visible(request, ticket_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    nulls = sorted(
        name for name, value in changes.items() if value is None and name not in CLEARABLE
    )
    if nulls:
        raise ValidationFailed(errors={name: [_("This field cannot be empty.")] for name in nulls})
    ticket = actions.ticket_update(
        actor=request.user, ticket_id=ticket.pk, version=payload.version, changes=changes
    )
    return ticket_data(request, ticket)


@router.post(
    "/tickets/{ticket_id}/priority",
    response={200: TicketOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_priority",
    summary="Override the priority with a reason (agents), or null: back to impact x urgency",
)
def ticket_priority(request, ticket_id: Ref, payload: PriorityIn):
    ticket = _visible(request, ticket_id)
    ticket = actions.ticket_priority_set(
        actor=request.user,
        ticket_id=ticket.pk,
        version=payload.version,
        priority=payload.priority,
        reason=payload.reason,
    )
    return ticket_data(request, ticket)


@router.post(
    "/tickets/{ticket_id}/transition",
    response={200: TicketOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_transition",
    summary="Move a ticket along its workflow (requesters: close or reopen)",
)
def ticket_transition(request, ticket_id: Ref, payload: TransitionIn):
    ticket = _visible(request, ticket_id)
    ticket = actions.ticket_transition(
        actor=request.user, ticket_id=ticket.pk, **payload.model_dump()
    )
    return ticket_data(request, ticket)


@router.post(
    "/tickets/{ticket_id}/merge",
    response={200: TicketOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_merge",
    summary="Merge this ticket into another (agents): its timeline, files and links move "
    "there, and it closes pointing at it. Answers the ticket merged into",
)
def ticket_merge(request, ticket_id: Ref, payload: MergeIn):
    ticket = _visible(request, ticket_id)
    target = actions.ticket_merge(
        actor=request.user, ticket_id=ticket.pk, into=payload.into, version=payload.version
    )
    return ticket_data(request, target)


@router.post(
    "/tickets/{ticket_id}/split",
    response={201: TicketOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_split",
    summary="Open a new ticket from one reply or note of this ticket (agents)",
)
def ticket_split(request, ticket_id: Ref, payload: SplitIn):
    ticket = _visible(request, ticket_id)
    new = actions.ticket_split(
        actor=request.user, ticket_id=ticket.pk, event_id=payload.event_id, title=payload.title
    )
    return Reply(201, ticket_data(request, new))


# --- timeline ---------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/comments",
    response={200: list[EventOut], **errors(401, 404, 422)},
    url_name="ticket_comments",
    summary="Replies and (agents only) internal notes",
)
def comment_list(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    events = selectors.timeline_for(request.user, ticket).filter(
        type__in=[EventType.COMMENT, EventType.NOTE]
    )
    return [event_data(request, event) for event in events]


@router.post(
    "/tickets/{ticket_id}/comments",
    response={201: EventOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="ticket_comment_add",
    summary="Reply (public) or write an internal note (agents, public=false)",
    description="A requester's reply follows the policy of every channel "
    "(docs/notifications.md): it reopens a resolved ticket within the reopen period; on a "
    "ticket resolved longer ago, closed or cancelled it opens a follow-up ticket linked to it, "
    "returned in `follow_up` (the event is that ticket's creation). Anyone else than the "
    "requester gets 409 there.",
)
def comment_add(request, ticket_id: Ref, payload: CommentIn):
    ticket = _visible(request, ticket_id)
    if request.user.is_agent or not payload.public:
        event = actions.comment_add(
            actor=request.user, ticket_id=ticket.pk, body=payload.body, public=payload.public
        )
        data = event_data(request, event)
        if not payload.public:
            data["warnings"] = unreachable_warnings(ticket, payload.body)
        return Reply(201, data)
    result = actions.requester_reply_add(actor=request.user, ticket_id=ticket.pk, body=payload.body)
    data = event_data(request, result.event)
    if result.follow_up_of is not None:
        new = result.ticket
        data["follow_up"] = {
            "id": new.pk, "number": new.number, "kind": new.kind, "title": new.title,
            "status": new.status,
        }  # fmt: skip
    return Reply(201, data)


@router.get(
    "/tickets/{ticket_id}/events",
    response={200: list[EventOut], **errors(401, 404, 422)},
    url_name="ticket_events",
    summary="The audit timeline the caller may read",
)
def event_list(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    return [event_data(request, event) for event in selectors.timeline_for(request.user, ticket)]


# --- links ------------------------------------------------------------------------------------


def link_data(link: selectors.LinkedTicket) -> dict[str, Any]:
    other = link.ticket
    return {
        "id": link.id,
        "link_type": link.link_type,
        "direction": "incoming" if link.inverse else "outgoing",
        "label": link.label,
        "ticket": {
            "id": other.pk, "number": other.number, "kind": other.kind, "title": other.title,
            "status": other.status,
        },
    }  # fmt: skip


@router.get(
    "/tickets/{ticket_id}/links",
    response={200: list[LinkOut], **errors(401, 404, 422)},
    url_name="ticket_links",
    summary="Linked tickets the caller may see (agents; requesters get an empty list)",
)
def link_list(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    return [link_data(link) for link in selectors.links_of(request.user, ticket)]


@router.post(
    "/tickets/{ticket_id}/links",
    response={201: LinkOut, **errors(400, 401, 403, 404, 422)},
    url_name="ticket_link_add",
    summary="Link this ticket to another (agents)",
)
def link_add(request, ticket_id: Ref, payload: LinkIn):
    ticket = _visible(request, ticket_id)
    link = actions.ticket_link_add(
        actor=request.user, ticket_id=ticket.pk, other=payload.other, link_type=payload.link_type
    )
    linked = selectors.LinkedTicket(
        id=link.pk, link_type=link.link_type, inverse=False, ticket=link.to_ticket
    )
    return Reply(201, link_data(linked))


@router.delete(
    "/tickets/{ticket_id}/links/{link_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    url_name="ticket_link_remove",
    summary="Remove a link (agents)",
)
def link_remove(request, ticket_id: Ref, link_id: Id):
    ticket = _visible(request, ticket_id)
    if parse_id(link_id) is None:
        raise NotFound()
    actions.ticket_link_remove(actor=request.user, ticket_id=ticket.pk, link_id=link_id)
    return Reply(204, None)


# --- attachments ------------------------------------------------------------------------------


@router.post(
    "/tickets/{ticket_id}/attachments",
    response={201: AttachmentOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    url_name="ticket_attachment_add",
    summary="Attach a file (multipart field `file`; `public=false` for agents' internal files)",
)
def attachment_add(request, ticket_id: Ref, file: File[UploadedFile], public: Form[bool] = True):
    ticket = _visible(request, ticket_id)
    attachment = actions.attachment_add(
        actor=request.user, ticket_id=ticket.pk, file=file, public=public
    )
    return Reply(201, attachment_data(request, attachment))


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **errors(401, 404, 422)},
    url_name="attachment_download",
    summary="Download an attachment",
    openapi_extra=file_answer(
        "*/*", "The file, as an attachment, with the type it was uploaded with."
    ),
)
def attachment_download(request, attachment_id: Id):
    if parse_id(attachment_id) is None:
        raise NotFound()
    attachment = selectors.attachment_get(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound() from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- reference data ---------------------------------------------------------------------------


@router.get(
    "/categories",
    response={200: list[CategoryOut], **errors(401)},
    url_name="category_list",
    summary="Active categories (name is the full path)",
)
def category_list(request):
    return [
        {
            "id": c.pk,
            "name": c.label(cast(User, request.user).language or None),
            "parent_id": c.parent_id,
        }
        for c in selectors.categories_active()
    ]


@router.get(
    "/resolution-codes",
    response={200: list[ResolutionCodeOut], **errors(401)},
    url_name="resolution_code_list",
    summary="Active resolution codes, named in the caller's language",
)
def resolution_code_list(request):
    return [{"code": c.code, "name": c.label()} for c in selectors.resolution_codes_active()]


# --- followers and mentions -------------------------------------------------------------------


def _follower_data(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": user.display_name}


@router.get(
    "/tickets/{ticket_id}/followers",
    response={200: list[FollowerOut], **errors(401, 404, 422)},
    url_name="ticket_followers",
    summary="The agents following the ticket (agents; requesters get an empty list)",
)
def follower_list(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    return [_follower_data(user) for user in selectors.followers_of(request.user, ticket)]


@router.post(
    "/tickets/{ticket_id}/followers/me",
    response={200: FollowingOut, **errors(401, 403, 404, 422)},
    url_name="ticket_follow",
    summary="Follow the ticket: be told of its activity (agents)",
)
def follow(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    changed = actions.ticket_follow(actor=request.user, ticket_id=ticket.pk)
    return {"following": True, "changed": changed}


@router.delete(
    "/tickets/{ticket_id}/followers/me",
    response={200: FollowingOut, **errors(401, 403, 404, 422)},
    url_name="ticket_unfollow",
    summary="Stop following the ticket (agents)",
)
def unfollow(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    changed = actions.ticket_unfollow(actor=request.user, ticket_id=ticket.pk)
    return {"following": False, "changed": changed}


class MentionQuery(Schema):
    q: str = Field(default="", max_length=150, description="The start of a username.")


@router.get(
    "/tickets/{ticket_id}/mentionable",
    response={200: list[FollowerOut], **errors(401, 403, 404, 422)},
    url_name="ticket_mentionable",
    summary="Agents who may see the ticket, for a note's @mention (agents; at most 10)",
)
def mentionable(request, ticket_id: Ref, query: Query[MentionQuery]):
    ticket = _visible(request, ticket_id)  # an invisible ticket is a 404 for everyone
    if not request.user.is_agent:
        raise Forbidden(_("Only agents can do this."))
    return [_follower_data(user) for user in selectors.mentionable(ticket, query.q)]


# --- participants (people in copy) --------------------------------------------------------------


def _participant_data(participant: Any) -> dict[str, Any]:
    return {
        "id": participant.pk,
        "email": participant.email,
        "user": person_ref(participant.user),
        "added_by": person_ref(participant.added_by),
        "created_at": participant.created_at,
    }


@router.get(
    "/tickets/{ticket_id}/participants",
    response={200: list[ParticipantOut], **errors(401, 404, 422)},
    url_name="ticket_participants",
    summary="The people in copy: told of public updates by e-mail, may reply",
)
def participant_list(request, ticket_id: Ref):
    ticket = _visible(request, ticket_id)
    return [_participant_data(p) for p in selectors.participants_of(request.user, ticket)]


@router.post(
    "/tickets/{ticket_id}/participants",
    response={201: ParticipantOut, **errors(400, 401, 404, 422)},
    url_name="ticket_participant_add",
    summary="Put someone in copy (agents: any address; requesters: a colleague of their "
    "organisation). Adding someone already in copy answers them again.",
)
def participant_add(request, ticket_id: Ref, payload: ParticipantIn):
    ticket = _visible(request, ticket_id)
    found = actions.participant_add(actor=request.user, ticket_id=ticket.pk, email=payload.email)
    return Reply(201, _participant_data(found))


@router.delete(
    "/tickets/{ticket_id}/participants/{participant_id}",
    response={204: None, **errors(401, 404, 422)},
    url_name="ticket_participant_remove",
    summary="Take someone out of copy",
)
def participant_remove(request, ticket_id: Ref, participant_id: Id):
    ticket = _visible(request, ticket_id)
    actions.participant_remove(
        actor=request.user, ticket_id=ticket.pk, participant_id=participant_id
    )
    return Reply(204, None)
