"""The calendar's part of the changes API: the calendar of a range, the conflicts of a change,
blackout windows and the CAB agenda. Its own router, mounted by atiende.api before the
changes router, so `/changes/calendar` is never read as a change id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.api import Id, InputSchema, Moment, MomentEnd, errors
from atiende.core.api import Ref as TicketRef
from atiende.core.dates import check_range
from atiende.core.errors import NotFound, ValidationFailed

from ..models import BlackoutWindow, ChangeConflict, ChangeType
from ..selectors import change_get
from ..workflow import STATUSES
from . import actions, selectors

MAX_RANGE_DAYS = 93
CALENDAR_LIMIT = 10_000
# The ids ninja derived from this module's old path (atiende.changes.api_calendar); kept so
# that clients generated from the OpenAPI schema keep their names.
OPERATION_ID = "atiende_changes_api_calendar_"

router = Router(tags=["changes"])


class Ref(Schema):
    id: int
    name: str


class CalendarQuery(Schema):
    start: Moment = Field(description="Start of the range (see Dates in docs/api.md).")
    end: MomentEnd = Field(
        description=f"End of the range (a date alone: through that day); at most "
        f"{MAX_RANGE_DAYS} days later."
    )
    service: Id | None = Field(default=None, description="Changes that affect this service.")
    team: Id | None = None
    type: str | None = Field(default=None, description="standard, normal or emergency.")
    status: list[str] = Field(
        default=[], description="Repeat or separate with commas; cancelled and rejected "
        "changes are left out unless asked for."
    )  # fmt: skip


class CalendarChangeOut(Schema):
    id: int
    number: str
    title: str
    status: str
    change_type: str
    risk_level: str
    planned_start: datetime
    planned_end: datetime
    team_id: int | None
    has_conflict: bool = Field(description="Overlaps a change on shared items or services, "
                               "or falls inside a blackout window.")  # fmt: skip


class BlackoutOut(Schema):
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    items: list[Ref] = Field(description="Services and items in scope; empty means everything.")


class CalendarOut(Schema):
    items: list[CalendarChangeOut]
    count: int
    truncated: bool = Field(description=f"More than {CALENDAR_LIMIT} changes: narrow the range.")
    blackouts: list[BlackoutOut]


class CalendarChangeRef(Schema):
    id: int
    number: str
    title: str


class CalendarConflictOut(Schema):
    kind: str = Field(description="same_item, shared_service or blackout.")
    other: CalendarChangeRef | None = None
    blackout: BlackoutOut | None = None
    items: list[Ref] = Field(description="The items both changes touch (same_item).")
    services: list[Ref] = Field(description="The services both changes' items serve.")
    detected_at: datetime


class ConflictsOut(Schema):
    items: list[CalendarConflictOut]
    hidden: int = Field(description="Conflicts with changes you may not see.")


class BlackoutIn(InputSchema):
    name: str = Field(max_length=200)
    starts_at: Moment
    ends_at: MomentEnd
    reason: str = ""
    items: list[Id] = Field(default=[], description="Services and items in scope; empty = all.")


class BlackoutQuery(Schema):
    start: Moment | None = None
    end: MomentEnd | None = None


class AgendaChangeOut(Schema):
    id: int
    number: str
    title: str
    status: str
    change_type: str
    risk_level: str
    planned_start: datetime | None
    planned_end: datetime | None
    services: list[Ref]
    conflicts: list[CalendarConflictOut]
    approvals: dict[str, int] = Field(description="Counts by status: approved, pending, rejected.")


class AgendaOut(Schema):
    awaiting_authorisation: list[AgendaChangeOut]
    scheduled: list[AgendaChangeOut]
    until: datetime


class AgendaQuery(Schema):
    days: int = Field(default=selectors.AGENDA_DAYS, ge=1, le=selectors.AGENDA_MAX_DAYS)


def _json_time(value: datetime) -> str:
    """What DjangoJSONEncoder writes for a datetime, without a Python call per value from
    inside the encoder (20,000 of them in a busy month)."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _agent(request: HttpRequest) -> User:
    actor = _actor(request)
    if not actor.is_agent:
        raise NotFound()
    return actor


def _blackout(b: BlackoutWindow) -> dict[str, Any]:
    return {
        "id": b.pk,
        "name": b.name,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "reason": b.reason,
        "items": [{"id": i.pk, "name": i.name} for i in b.items.all()],
    }


def _conflict(row: ChangeConflict, items=(), services=()) -> dict[str, Any]:
    other = row.other
    return {
        "kind": row.kind,
        "other": None
        if other is None
        else {"id": other.pk, "number": other.number, "title": other.title},
        "blackout": None if row.blackout is None else _blackout(row.blackout),
        "items": [{"id": i.pk, "name": i.name} for i in items],
        "services": [{"id": s.pk, "name": s.name} for s in services],
        "detected_at": row.detected_at,
    }


def _statuses(values: list[str]) -> list[str]:
    statuses = [s.strip() for v in values for s in v.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise ValidationFailed.field("status", _("Unknown status."))
    return statuses


@router.get(
    "/changes/calendar",
    response={200: CalendarOut, **errors(401, 404, 422)},
    url_name="change_calendar",
    operation_id=OPERATION_ID + "change_calendar",
    summary="The change calendar of a range",
    description="Changes whose planned window overlaps [start, end), earliest first, "
    "with the blackout windows of the range. Same access rules as the calendar pages.",
)
def change_calendar(request, query: Query[CalendarQuery]):
    actor = _agent(request)
    check_range(query.start, query.end, max_days=MAX_RANGE_DAYS)
    if query.type and query.type not in ChangeType.values:
        raise ValidationFailed.field("type", _("Unknown change type."))
    filters = selectors.CalendarFilters(
        service=query.service,
        team=query.team,
        change_type=query.type or None,
        status=_statuses(query.status),
    )
    entries = selectors.entries(actor, query.start, query.end, filters, limit=CALENDAR_LIMIT + 1)
    truncated = len(entries) > CALENDAR_LIMIT
    entries = entries[:CALENDAR_LIMIT]
    data = {
        "items": [
            {
                "id": e.id,
                "number": e.number,
                "title": e.title,
                "status": e.status,
                "change_type": e.change_type,
                "risk_level": e.risk_level,
                "planned_start": _json_time(e.start),
                "planned_end": _json_time(e.end),
                "team_id": e.team_id,
                "has_conflict": e.has_conflict,
            }
            for e in entries
        ],
        "count": len(entries),
        "truncated": truncated,
        "blackouts": [_blackout(b) for b in selectors.blackouts_in_range(query.start, query.end)],
    }
    # Up to 10,000 plain rows built here to the documented schema: validating each again
    # through the response model would cost more than reading them.
    return JsonResponse(data)


@router.get(
    "/changes/{change_id}/conflicts",
    response={200: ConflictsOut, **errors(401, 404, 422)},
    url_name="change_conflicts",
    operation_id=OPERATION_ID + "change_conflicts",
    summary="The schedule conflicts of a change",
    description="Found when the change was scheduled and kept current when its window, "
    "items or status change: overlapping changes on the same items or on items serving a "
    "common service, and blackout windows.",
)
def change_conflicts(request, change_id: TicketRef):
    actor = _actor(request)
    ticket = change_get(actor, change_id)
    found = selectors.conflicts_of(actor, ticket)
    return {
        "items": [_conflict(v.conflict, v.items, v.services) for v in found.shown],
        "hidden": found.hidden,
    }


@router.get(
    "/blackouts",
    response={200: list[BlackoutOut], **errors(401, 404, 422)},
    url_name="blackout_list",
    operation_id=OPERATION_ID + "blackout_list",
    summary="Blackout windows (freezes)",
    description="Those overlapping [start, end) when given; otherwise those not yet over.",
)
def blackout_list(request, query: Query[BlackoutQuery]):
    _agent(request)
    start = query.start or clock.now()
    end = query.end or start + timedelta(days=3660)
    check_range(start, end)
    return [_blackout(b) for b in selectors.blackouts_in_range(start, end)]


@router.post(
    "/blackouts",
    response={201: BlackoutOut, **errors(400, 401, 403, 404, 422)},
    url_name="blackout_create",
    operation_id=OPERATION_ID + "blackout_create",
    summary="Add a blackout window (managers)",
    description="Only emergency changes, or changes with a recorded override reason, may "
    "be scheduled inside it. The changes it covers get the conflict at once.",
)
def blackout_create(request, payload: BlackoutIn):
    blackout = actions.blackout_create(
        actor=_actor(request),
        name=payload.name,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        item_ids=payload.items,
    )
    return Reply(201, _blackout(blackout))


@router.get(
    "/cab/agenda",
    response={200: AgendaOut, **errors(401, 404, 422)},
    url_name="cab_agenda",
    operation_id=OPERATION_ID + "cab_agenda",
    summary="The CAB agenda",
    description="Changes awaiting authorisation, and those scheduled to start within "
    "`days`, with risk, conflicts, impacted services and approvals.",
)
def cab_agenda(request, query: Query[AgendaQuery]):
    actor = _agent(request)
    agenda = selectors.cab_agenda(actor, now=clock.now(), days=query.days)

    def row(item: selectors.AgendaItem) -> dict[str, Any]:
        t, d = item.ticket, item.ticket.change
        return {
            "id": t.pk, "number": t.number, "title": t.title, "status": t.status,
            "change_type": d.change_type, "risk_level": d.risk_level,
            "planned_start": d.planned_start, "planned_end": d.planned_end,
            "services": [{"id": s.pk, "name": s.name} for s in item.services],
            "conflicts": [_conflict(c) for c in item.conflicts],
            "approvals": {
                "approved": item.approved, "pending": item.pending,
                "rejected": item.rejected,
            },
        }  # fmt: skip

    return {
        "awaiting_authorisation": [row(i) for i in agenda.awaiting],
        "scheduled": [row(i) for i in agenda.upcoming],
        "until": agenda.until,
    }
