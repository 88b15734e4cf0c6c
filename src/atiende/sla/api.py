"""Service-level configuration over the API: business calendars (with holidays and closures)
and SLA policies (with targets and escalations). Agents, managers and admins read; managers
and admins write, through sla.actions (validated by the models' rules, as in the admin, and
recorded in the audit log). Policies are deactivated, never deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.accounts.models import User
from atiende.core.api import Id, InputSchema, Moment, MomentEnd, OrganizationRef, TeamRef, errors
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import Kind, Status

from . import actions, selectors
from .models import TARGET_MAX_MINUTES, BusinessCalendar, SlaPolicy

router = Router(tags=["sla"])

MAX_ROWS = 1000  # holidays, closures, targets or escalations in one request
POSITION_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL
Minutes = Field(ge=1, le=TARGET_MAX_MINUTES, description="Business minutes.")


# --- calendars ---------------------------------------------------------------------------------


class SlaHolidayIn(InputSchema):
    date: dt.date
    name: str = Field(default="", max_length=120)


class SlaHolidayOut(Schema):
    date: dt.date
    name: str


class SlaClosureIn(InputSchema):
    start: Moment
    end: MomentEnd = Field(description="A date alone: through that day.")
    reason: str = Field(default="", max_length=200)


class SlaClosureOut(Schema):
    start: dt.datetime
    end: dt.datetime
    reason: str


HOURS_HELP = (
    'Local wall time per weekday, e.g. {"mon-fri": "08:00-14:00, 15:00-18:00", '
    '"sat": "10:00-24:00"}: keys mon..sun or ranges of them, "24:00" is midnight.'
)


class SlaCalendarIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    time_zone: str = Field(default="UTC", max_length=64, description="IANA, e.g. Europe/Madrid.")
    country: str = Field(default="", max_length=2, description="ISO code for public holidays.")
    subdivision: str = Field(default="", max_length=10)
    is_24x7: bool = False
    hours: dict[str, str] = Field(default={}, description=HOURS_HELP)
    holidays: list[SlaHolidayIn] = Field(default=[], max_length=MAX_ROWS)
    closures: list[SlaClosureIn] = Field(default=[], max_length=MAX_ROWS)


class SlaCalendarPatchIn(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    time_zone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    subdivision: str | None = Field(default=None, max_length=10)
    is_24x7: bool | None = None
    hours: dict[str, str] | None = Field(default=None, description=HOURS_HELP)
    holidays: list[SlaHolidayIn] | None = Field(
        default=None, max_length=MAX_ROWS, description="Replaces the list."
    )
    closures: list[SlaClosureIn] | None = Field(
        default=None, max_length=MAX_ROWS, description="Replaces the list."
    )
    version: int | None = Field(default=None, description="The version you read (409 if stale).")


class SlaCalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    country: str
    subdivision: str
    is_24x7: bool
    hours: dict[str, str]
    holidays: list[SlaHolidayOut]
    closures: list[SlaClosureOut]
    version: int
    updated_at: dt.datetime


class SlaCalendarListOut(Schema):
    items: list[SlaCalendarOut]
    count: int


def calendar_data(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "country": calendar.country,
        "subdivision": calendar.subdivision,
        "is_24x7": calendar.is_24x7,
        "hours": calendar.hours or {},
        "holidays": [{"date": h.date, "name": h.name} for h in calendar.holidays.all()],
        "closures": [
            {"start": c.start, "end": c.end, "reason": c.reason} for c in calendar.closures.all()
        ],
        "version": calendar.version,
        "updated_at": calendar.updated_at,
    }


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)  # the API's authentication sets a User


def _given(payload: InputSchema) -> dict[str, Any]:
    """The fields a PATCH sent; null for a field that cannot be empty is a 422."""
    sent = payload.model_dump(exclude_unset=True)
    empty = [name for name, value in sent.items() if value is None and name != "version"]
    if empty:
        raise ValidationFailed(errors={name: [_("This field cannot be empty.")] for name in empty})
    return sent


@router.get(
    "/sla/calendars",
    response={200: SlaCalendarListOut, **errors(401, 403)},
    url_name="sla_calendar_list",
    summary="Business calendars (agents)",
)
def calendar_list(request: HttpRequest):
    items = [calendar_data(c) for c in selectors.calendars_for(_actor(request))]
    return {"items": items, "count": len(items)}


@router.post(
    "/sla/calendars",
    response={201: SlaCalendarOut, **errors(400, 401, 403, 422)},
    url_name="sla_calendar_create",
    summary="Create a business calendar (managers)",
)
def calendar_create(request: HttpRequest, payload: SlaCalendarIn):
    calendar = actions.calendar_create(actor=_actor(request), **payload.model_dump())
    return Reply(201, calendar_data(selectors.calendar_get(_actor(request), calendar.pk)))


@router.get(
    "/sla/calendars/{calendar_id}",
    response={200: SlaCalendarOut, **errors(401, 403, 404, 422)},
    url_name="sla_calendar_detail",
    summary="A business calendar (agents)",
)
def calendar_detail(request: HttpRequest, calendar_id: Id):
    return calendar_data(selectors.calendar_get(_actor(request), calendar_id))


@router.patch(
    "/sla/calendars/{calendar_id}",
    response={200: SlaCalendarOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="sla_calendar_update",
    summary="Change a business calendar (managers); send `version` to detect conflicts",
)
def calendar_update(request: HttpRequest, calendar_id: Id, payload: SlaCalendarPatchIn):
    selectors.calendar_get(_actor(request), calendar_id)
    actions.calendar_update(actor=_actor(request), calendar_id=calendar_id, **_given(payload))
    return calendar_data(selectors.calendar_get(_actor(request), calendar_id))


@router.delete(
    "/sla/calendars/{calendar_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    url_name="sla_calendar_delete",
    summary="Delete a business calendar no SLA policy uses (managers)",
)
def calendar_delete(request: HttpRequest, calendar_id: Id, version: int | None = None):
    selectors.calendar_get(_actor(request), calendar_id)
    actions.calendar_delete(actor=_actor(request), calendar_id=calendar_id, version=version)
    return Reply(204, None)


# --- policies ----------------------------------------------------------------------------------


class SlaTargetIn(InputSchema):
    priority: int = Field(ge=1, le=5)
    first_response_minutes: int = Minutes
    resolution_minutes: int = Minutes
    next_response_minutes: int | None = Field(
        default=None, ge=1, le=TARGET_MAX_MINUTES, description="After each requester reply."
    )


class SlaTargetOut(Schema):
    priority: int
    first_response_minutes: int
    resolution_minutes: int
    next_response_minutes: int | None


class SlaEscalationIn(InputSchema):
    trigger: str = Field(max_length=16, description="warning or breach.")
    clock: str = Field(
        default="any", max_length=16, description="first_response, resolution, next_response, any."
    )
    action: str = Field(
        max_length=20,
        description="notify_assignee, notify_team, notify_managers, reassign_team, raise_priority.",
    )
    team: Id | None = Field(default=None, description="Required for reassign_team.")


class SlaEscalationOut(Schema):
    trigger: str
    clock: str
    action: str
    team: TeamRef | None


class SlaCategoryRef(Schema):
    id: int
    name: str


class SlaCalendarRef(Schema):
    id: int
    name: str


KINDS_HELP = f"Ticket kinds ({', '.join(Kind.values)}); empty means any."
PRIORITIES_HELP = "Priorities 1..5; empty means any."
STATUSES_HELP = f"Statuses that stop the clocks ({', '.join(Status.values)})."


class SlaPolicyIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    calendar: Id
    position: int = Field(default=0, ge=0, le=POSITION_MAX)
    is_active: bool = True
    kinds: list[str] = Field(default=[], max_length=20, description=KINDS_HELP)
    priorities: list[int] = Field(default=[], max_length=5, description=PRIORITIES_HELP)
    pause_statuses: list[str] = Field(default=[], max_length=20, description=STATUSES_HELP)
    organizations: list[Id] = Field(default=[], max_length=MAX_ROWS)
    categories: list[Id] = Field(default=[], max_length=MAX_ROWS)
    teams: list[Id] = Field(default=[], max_length=MAX_ROWS)
    warn_at_percent: int = Field(default=75, ge=1, le=100)
    targets: list[SlaTargetIn] = Field(default=[], max_length=5)
    escalations: list[SlaEscalationIn] = Field(default=[], max_length=MAX_ROWS)


class SlaPolicyPatchIn(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    calendar: Id | None = None
    position: int | None = Field(default=None, ge=0, le=POSITION_MAX)
    is_active: bool | None = None
    kinds: list[str] | None = Field(default=None, max_length=20, description=KINDS_HELP)
    priorities: list[int] | None = Field(default=None, max_length=5, description=PRIORITIES_HELP)
    pause_statuses: list[str] | None = Field(default=None, max_length=20, description=STATUSES_HELP)
    organizations: list[Id] | None = Field(default=None, max_length=MAX_ROWS)
    categories: list[Id] | None = Field(default=None, max_length=MAX_ROWS)
    teams: list[Id] | None = Field(default=None, max_length=MAX_ROWS)
    warn_at_percent: int | None = Field(default=None, ge=1, le=100)
    targets: list[SlaTargetIn] | None = Field(
        default=None, max_length=5, description="Replaces the list."
    )
    escalations: list[SlaEscalationIn] | None = Field(
        default=None, max_length=MAX_ROWS, description="Replaces the list."
    )
    version: int | None = Field(default=None, description="The version you read (409 if stale).")


class SlaPolicyOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    calendar: SlaCalendarRef
    kinds: list[str]
    priorities: list[int]
    pause_statuses: list[str]
    organizations: list[OrganizationRef]
    categories: list[SlaCategoryRef]
    teams: list[TeamRef]
    warn_at_percent: int
    targets: list[SlaTargetOut]
    escalations: list[SlaEscalationOut]
    version: int
    updated_at: dt.datetime


class SlaPolicyListOut(Schema):
    items: list[SlaPolicyOut]
    count: int


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def policy_data(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "position": policy.position,
        "is_active": policy.is_active,
        "calendar": _ref(policy.calendar),
        "kinds": policy.kinds or [],
        "priorities": policy.priorities or [],
        "pause_statuses": policy.pause_statuses or [],
        "organizations": [_ref(o) for o in policy.organizations.all()],
        "categories": [_ref(c) for c in policy.categories.all()],
        "teams": [_ref(t) for t in policy.teams.all()],
        "warn_at_percent": policy.warn_at_percent,
        "targets": [
            {
                "priority": t.priority,
                "first_response_minutes": t.first_response_minutes,
                "resolution_minutes": t.resolution_minutes,
                "next_response_minutes": t.next_response_minutes,
            }
            for t in policy.targets.all()
        ],
        "escalations": [
            {"trigger": e.trigger, "clock": e.clock, "action": e.action, "team": _ref(e.team)}
            for e in policy.escalations.all()
        ],
        "version": policy.version,
        "updated_at": policy.updated_at,
    }


def _policy_fields(sent: dict[str, Any]) -> dict[str, Any]:
    """API names -> action arguments: `calendar` is an id, an escalation's `team` too."""
    if "calendar" in sent:
        sent["calendar_id"] = sent.pop("calendar")
    for escalation in sent.get("escalations") or []:
        escalation["team_id"] = escalation.pop("team", None)
    return sent


@router.get(
    "/sla/policies",
    response={200: SlaPolicyListOut, **errors(401, 403)},
    url_name="sla_policy_list",
    summary="SLA policies in the order they are tried (agents)",
)
def policy_list(request: HttpRequest):
    items = [policy_data(p) for p in selectors.policies_for(_actor(request))]
    return {"items": items, "count": len(items)}


@router.post(
    "/sla/policies",
    response={201: SlaPolicyOut, **errors(400, 401, 403, 422)},
    url_name="sla_policy_create",
    summary="Create an SLA policy with its targets and escalations (managers)",
)
def policy_create(request: HttpRequest, payload: SlaPolicyIn):
    policy = actions.policy_create(actor=_actor(request), **_policy_fields(payload.model_dump()))
    return Reply(201, policy_data(selectors.policy_get(_actor(request), policy.pk)))


@router.get(
    "/sla/policies/{policy_id}",
    response={200: SlaPolicyOut, **errors(401, 403, 404, 422)},
    url_name="sla_policy_detail",
    summary="An SLA policy (agents)",
)
def policy_detail(request: HttpRequest, policy_id: Id):
    return policy_data(selectors.policy_get(_actor(request), policy_id))


@router.patch(
    "/sla/policies/{policy_id}",
    response={200: SlaPolicyOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="sla_policy_update",
    summary="Change an SLA policy (managers); deactivate one with is_active false",
)
def policy_update(request: HttpRequest, policy_id: Id, payload: SlaPolicyPatchIn):
    selectors.policy_get(_actor(request), policy_id)
    actions.policy_update(
        actor=_actor(request), policy_id=policy_id, **_policy_fields(_given(payload))
    )
    return policy_data(selectors.policy_get(_actor(request), policy_id))
