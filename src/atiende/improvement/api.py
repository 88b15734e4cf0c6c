"""The improvement API: emerging trends (read, acknowledge, dismiss, open a problem) and the
continual improvement register (CRUD). Agents only: everyone else gets 404, as for anything
they cannot see. Thin handlers: parse, call a selector or an action, shape the answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.accounts.models import User
from atiende.core.api import Day, Id, InputSchema, Moment, PersonRef, errors, next_url, person_ref
from atiende.core.errors import ValidationFailed
from atiende.core.pagination import cursor_problem

from . import actions, selectors
from .metrics import METRICS
from .models import Dimension, ImprovementItem, ItemPriority, ItemStatus, Trend, TrendStatus

router = Router(tags=["improvement"])

TREND_STATUSES = ", ".join(["open", *TrendStatus.values])
ITEM_STATUSES = ", ".join(ItemStatus.values)
METRIC_KEYS = ", ".join(m.key for m in METRICS)


# --- schemas ---------------------------------------------------------------------------------------


class TicketRef(Schema):
    id: int
    number: str
    title: str


class TrendOut(Schema):
    id: int
    dimension: str = Field(description=", ".join(Dimension.values))
    key: int = Field(description="The category's or the service's / CI's id.")
    label: str
    window_start: datetime
    window_end: datetime
    window_days: int
    observed: int = Field(description="Incidents in the window.")
    expected: float = Field(description="Incidents the baseline predicts for the window.")
    score: float = Field(description="-log10 of the Poisson tail probability (3 = 1 in 1,000).")
    status: str = Field(description=", ".join(TrendStatus.values))
    detected_at: datetime
    updated_at: datetime
    problem: TicketRef | None = Field(description="The problem opened for it, if you may see it.")
    dismiss_reason: str
    version: int


class TrendDetailOut(TrendOut):
    incidents: list[TicketRef] = Field(description="The incidents behind it that you may see.")


class TrendPageOut(Schema):
    items: list[TrendOut]
    count: int
    count_exact: bool
    next: str | None


class TrendQuery(Schema):
    status: str = Field(default="", description=f"One of: {TREND_STATUSES}.", max_length=20)
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=50, ge=1, le=200)


class DismissIn(InputSchema):
    reason: str = Field(max_length=2000)


class ProblemOut(Schema):
    problem: TicketRef
    linked: int = Field(description="Incidents linked to it by this call.")
    created: bool = Field(description="False when the trend already had its problem.")


class ImprovementItemOut(Schema):
    id: int
    title: str
    description: str
    owner: PersonRef | None
    status: str = Field(description=ITEM_STATUSES)
    priority: int = Field(description="1 high, 2 medium, 3 low.")
    expected_benefit: str
    metric: str = Field(description=f"Empty or one of: {METRIC_KEYS}.")
    baseline_value: Decimal | None
    baseline_start: date | None
    baseline_end: date | None
    current_value: Decimal | None
    measured_at: datetime | None
    tickets: list[TicketRef] = Field(description="Related tickets you may see.")
    trends: list[int] = Field(description="Ids of related trends.")
    created_by: PersonRef | None
    created_at: datetime
    updated_at: datetime
    version: int
    url: str


class ImprovementItemListOut(Schema):
    id: int
    title: str
    owner: PersonRef | None
    status: str
    priority: int
    metric: str
    baseline_value: Decimal | None
    current_value: Decimal | None
    updated_at: datetime
    version: int
    url: str


class ImprovementItemPageOut(Schema):
    items: list[ImprovementItemListOut]
    count: int
    count_exact: bool
    next: str | None


class ImprovementItemQuery(Schema):
    status: str = Field(default="", description=f"One of: {ITEM_STATUSES}.", max_length=20)
    owner: Id | None = Field(default=None, description="The owner's id.")
    metric: str = Field(default="", description=f"One of: {METRIC_KEYS}.", max_length=40)
    q: str = Field(default="", max_length=200, description="Part of the title.")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=50, ge=1, le=200)


class ImprovementItemCreateIn(InputSchema):
    title: str = Field(max_length=1000)
    description: str = Field(default="", max_length=100_000)
    owner: Id | None = Field(default=None, description="An agent's id.")
    status: str = Field(default=ItemStatus.PROPOSED, description=ITEM_STATUSES, max_length=20)
    priority: int = Field(default=ItemPriority.MEDIUM, description="1 high, 2 medium, 3 low.")
    expected_benefit: str = Field(default="", max_length=100_000)
    metric: str = Field(default="", description=f"Empty or one of: {METRIC_KEYS}.", max_length=40)
    baseline_value: Decimal | None = None
    baseline_start: Day | None = None
    baseline_end: Day | None = None
    current_value: Decimal | None = None
    measured_at: Moment | None = None
    tickets: list[str] = Field(default=[], max_length=50, description="Ticket ids or numbers.")
    trends: list[Id] = Field(default=[], max_length=50, description="Trend ids.")


class ImprovementItemPatchIn(InputSchema):
    version: int | None = Field(default=None, description="The version you read (recommended).")
    title: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=100_000)
    owner: Id | None = Field(default=None, description="An agent's id, or null for none.")
    status: str | None = Field(default=None, max_length=20)
    priority: int | None = None
    expected_benefit: str | None = Field(default=None, max_length=100_000)
    metric: str | None = Field(default=None, max_length=40)
    baseline_value: Decimal | None = None
    baseline_start: Day | None = None
    baseline_end: Day | None = None
    current_value: Decimal | None = None
    measured_at: Moment | None = None
    tickets: list[str] | None = Field(default=None, max_length=50, description="Replaces them.")
    trends: list[Id] | None = Field(default=None, max_length=50, description="Replaces them.")


class ImprovementMetricOut(Schema):
    key: str
    label: str
    unit: str
    better: str = Field(description="lower or higher.")


# --- shaping -----------------------------------------------------------------------------------------


def _ticket_ref(ticket: Any) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {"id": ticket.pk, "number": ticket.number, "title": ticket.title}


def trend_data(trend: Trend) -> dict[str, Any]:
    return {
        "id": trend.pk,
        "dimension": trend.dimension,
        "key": trend.key,
        "label": trend.label,
        "window_start": trend.window_start,
        "window_end": trend.window_end,
        "window_days": trend.window_days,
        "observed": trend.observed,
        "expected": trend.expected,
        "score": trend.score,
        "status": trend.status,
        "detected_at": trend.detected_at,
        "updated_at": trend.updated_at,
        "problem": _ticket_ref(getattr(trend, "visible_problem", None)),
        "dismiss_reason": trend.dismiss_reason,
        "version": trend.version,
    }


def _item_url(request: HttpRequest, item: ImprovementItem) -> str:
    return request.build_absolute_uri(reverse("api:improvement_item_get", args=[item.pk]))


def item_list_data(request: HttpRequest, item: ImprovementItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "owner": person_ref(item.owner),
        "status": item.status,
        "priority": item.priority,
        "metric": item.metric,
        "baseline_value": item.baseline_value,
        "current_value": item.current_value,
        "updated_at": item.updated_at,
        "version": item.version,
        "url": _item_url(request, item),
    }


def item_data(request: HttpRequest, item: ImprovementItem) -> dict[str, Any]:
    tickets, trends = selectors.item_links(cast(User, request.user), item)
    return {
        **item_list_data(request, item),
        "description": item.description,
        "expected_benefit": item.expected_benefit,
        "baseline_start": item.baseline_start,
        "baseline_end": item.baseline_end,
        "measured_at": item.measured_at,
        "tickets": [_ticket_ref(t) for t in tickets],
        "trends": [t.pk for t in trends],
        "created_by": person_ref(item.created_by),
        "created_at": item.created_at,
    }


def _check(query: Any, order: list[str], choices: dict[str, list[str]]) -> None:
    problems: dict[str, list[str]] = {}
    for field, allowed in choices.items():
        value = getattr(query, field)
        if value and value not in allowed:
            problems[field] = [_("Unknown value.")]
    if problem := cursor_problem(query.cursor, order):
        problems["cursor"] = [problem]
    if problems:
        raise ValidationFailed(errors=problems)


# --- trends --------------------------------------------------------------------------------------------


@router.get(
    "/improvement/trends",
    response={200: TrendPageOut, **errors(401, 404, 422)},
    url_name="improvement_trend_list",
    summary="Emerging trends, most recently updated first (agents)",
)
def trend_list(request, query: Query[TrendQuery]):
    selectors.require_agent(request.user)
    _check(query, selectors.TREND_ORDER, {"status": ["open", *TrendStatus.values]})
    page = selectors.trend_page(
        request.user, status=query.status, cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [trend_data(t) for t in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/improvement/trends/{trend_id}",
    response={200: TrendDetailOut, **errors(401, 404, 422)},
    url_name="improvement_trend_get",
    summary="One trend with the incidents behind it that you may see",
)
def trend_get(request, trend_id: Id):
    trend = selectors.trend_get(request.user, trend_id)
    incidents = selectors.trend_incidents(request.user, trend)
    return {**trend_data(trend), "incidents": [_ticket_ref(t) for t in incidents]}


@router.post(
    "/improvement/trends/{trend_id}/acknowledge",
    response={200: TrendOut, **errors(401, 404, 409, 422)},
    url_name="improvement_trend_acknowledge",
    summary="Say someone is looking at a new trend",
)
def trend_acknowledge(request, trend_id: Id):
    actions.trend_acknowledge(actor=request.user, trend_id=trend_id)
    return trend_data(selectors.trend_get(request.user, trend_id))


@router.post(
    "/improvement/trends/{trend_id}/dismiss",
    response={200: TrendOut, **errors(401, 404, 409, 422)},
    url_name="improvement_trend_dismiss",
    summary="Dismiss a trend, with the reason",
)
def trend_dismiss(request, trend_id: Id, payload: DismissIn):
    actions.trend_dismiss(actor=request.user, trend_id=trend_id, reason=payload.reason)
    return trend_data(selectors.trend_get(request.user, trend_id))


@router.post(
    "/improvement/trends/{trend_id}/problem",
    response={200: ProblemOut, 201: ProblemOut, **errors(401, 404, 409, 422)},
    url_name="improvement_trend_problem",
    summary="Open a problem linked to the trend's incidents (201; 200 if it already had one)",
)
def trend_problem(request, trend_id: Id):
    opened = actions.trend_open_problem(actor=request.user, trend_id=trend_id)
    body = {
        "problem": _ticket_ref(opened.problem),
        "linked": opened.linked,
        "created": opened.created,
    }
    return Reply(201 if opened.created else 200, body)


# --- the register ----------------------------------------------------------------------------------------


@router.get(
    "/improvement/metrics",
    response={200: list[ImprovementMetricOut], **errors(401, 404)},
    url_name="improvement_metrics",
    summary="The metric keys an improvement can target",
)
def metric_list(request):
    selectors.require_agent(request.user)
    return [
        {"key": m.key, "label": str(m.label), "unit": str(m.unit), "better": m.better}
        for m in METRICS
    ]


@router.get(
    "/improvement/items",
    response={200: ImprovementItemPageOut, **errors(401, 404, 422)},
    url_name="improvement_item_list",
    summary="The continual improvement register, most recently updated first (agents)",
)
def item_list(request, query: Query[ImprovementItemQuery]):
    selectors.require_agent(request.user)
    _check(
        query,
        selectors.ITEM_ORDER,
        {"status": ItemStatus.values, "metric": [m.key for m in METRICS]},
    )
    filters = selectors.ItemFilters(
        status=query.status, owner=query.owner, metric=query.metric, q=query.q
    )
    page = selectors.item_page(request.user, filters, cursor=query.cursor, limit=query.limit)
    return {
        "items": [item_list_data(request, item) for item in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.post(
    "/improvement/items",
    response={201: ImprovementItemOut, **errors(400, 401, 403, 404, 422)},
    url_name="improvement_item_create",
    summary="Add an improvement to the register (agents; managers approve or reject)",
)
def item_create(request, payload: ImprovementItemCreateIn):
    item = actions.item_create(actor=request.user, **payload.model_dump())
    return Reply(201, item_data(request, selectors.item_get(request.user, item.pk)))


@router.get(
    "/improvement/items/{item_id}",
    response={200: ImprovementItemOut, **errors(401, 404, 422)},
    url_name="improvement_item_get",
    summary="One improvement",
)
def item_get(request, item_id: Id):
    return item_data(request, selectors.item_get(request.user, item_id))


@router.patch(
    "/improvement/items/{item_id}",
    response={200: ImprovementItemOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="improvement_item_update",
    summary="Change fields of an improvement; send `version` to detect conflicts",
)
def item_update(request, item_id: Id, payload: ImprovementItemPatchIn):
    selectors.item_get(request.user, item_id)
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version", None)
    problems = {
        key: [_("This field cannot be empty.")]
        for key, value in sent.items()
        if value is None and key in ("title", "status", "priority", "tickets", "trends")
    }
    if problems:
        raise ValidationFailed(errors=problems)
    actions.item_update(actor=request.user, item_id=item_id, changes=sent, version=version)
    return item_data(request, selectors.item_get(request.user, item_id))


@router.delete(
    "/improvement/items/{item_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    url_name="improvement_item_delete",
    summary="Remove an improvement from the register (managers)",
)
def item_delete(request, item_id: Id, version: int | None = None):
    selectors.item_get(request.user, item_id)
    actions.item_delete(actor=request.user, item_id=item_id, version=version)
    return Reply(204, None)
