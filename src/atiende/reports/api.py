"""The reports API for BI tools: the metric dictionary and any report (metric x dimension x
period, with filters), scoped like the desk: an agent's numbers count only the tickets the
agent may see; managers' count every ticket. Requesters get 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal, cast

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.api import Id, Moment, MomentEnd, errors
from atiende.core.dates import check_range
from atiende.core.errors import NotFound

from . import selectors
from .actions import READ_CATCH_UP, facts_catch_up
from .metrics import DIMENSIONS, FILTERS, METRICS

router = Router(tags=["reports"])

MetricName = Literal[tuple(METRICS)]  # type: ignore[valid-type]
DimensionName = Literal[tuple(DIMENSIONS)]  # type: ignore[valid-type]
# The longest period one report covers: two years (and the same again for the comparison).
MAX_DAYS = 2 * 366


def _actor(request: HttpRequest) -> User:
    actor = cast(User, request.user)
    if not selectors.can_read_reports(actor):
        raise NotFound()
    return actor


class MetricOut(Schema):
    name: str
    label: str
    unit: str = Field(description="count, seconds, percent or ratio")


class DimensionOut(Schema):
    name: str
    label: str


class DictionaryOut(Schema):
    metrics: list[MetricOut]
    dimensions: list[DimensionOut]
    filters: list[str]


@router.get(
    "/reports/metrics",
    response={200: DictionaryOut, **errors(401, 404)},
    url_name="report_dictionary",
    summary="The metrics, dimensions and filters a report may use (docs/metrics.md)",
)
def report_dictionary(request):
    _actor(request)
    return {
        "metrics": [
            {"name": m.name, "label": str(m.label), "unit": m.unit} for m in METRICS.values()
        ],
        "dimensions": [{"name": k, "label": str(v)} for k, v in DIMENSIONS.items()],
        "filters": list(FILTERS),
    }


class ReportQuery(Schema):
    metric: MetricName = Field(  # type: ignore[valid-type]
        description="A metric of GET /reports/metrics."
    )
    dimension: DimensionName = Field(  # type: ignore[valid-type]
        default="all", description="How the rows are split."
    )
    start: Moment | None = Field(
        default=None,
        description="A date (the start of that day) or a date and time; without an offset, in "
        "your time zone. Default: 30 days before the end.",
    )
    end: MomentEnd | None = Field(
        default=None,
        description="Inclusive: a date (the end of that day) or a date and time. Default: now.",
    )
    compare: bool = Field(
        default=True, description="Add each row's value over the previous period."
    )
    team: Id | None = None
    agent: Id | None = Field(default=None, description="The assignee.")
    category: Id | None = None
    organization: Id | None = None
    item: Id | None = Field(default=None, description="A service or configuration item.")
    channel: str | None = Field(default=None, max_length=8)
    kind: str | None = Field(default=None, max_length=16)
    priority: int | None = Field(default=None, ge=1, le=5)


class RowOut(Schema):
    key: int | str | None = Field(description="The dimension value's id or code.")
    label: str
    value: float | None = Field(description="In the metric's unit; null when nothing to measure.")
    count: int = Field(description="The tickets (or clocks, reviews) measured.")
    previous: float | None = Field(description="The value over the previous period.")
    parts: dict[str, Any] = Field(description="The counts behind the value (met, breached, p90…).")


class ReportOut(Schema):
    metric: str
    unit: str
    dimension: str
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    rows: list[RowOut]
    total: RowOut


def _row(row: selectors.Row) -> dict[str, Any]:
    key = row.key
    if not isinstance(key, int | str) and key is not None:
        key = key.isoformat()
    return {"key": key, "label": row.label, "value": row.value, "count": row.count,
            "previous": row.previous, "parts": row.parts}  # fmt: skip


@router.get(
    "/reports/report",
    response={200: ReportOut, **errors(401, 404, 422)},
    url_name="report",
    summary="One metric split by one dimension over a period, with the previous period",
)
def report(request, query: Query[ReportQuery]):
    actor = _actor(request)
    facts_catch_up(limit=READ_CATCH_UP)
    end = (query.end or clock.now()) + timedelta(microseconds=1)
    start = query.start or end - timedelta(days=30)
    check_range(start, end, max_days=MAX_DAYS)
    period = selectors.Period(start, end)
    filters = {name: getattr(query, name) for name in FILTERS}
    result = selectors.report(actor, metric=query.metric, dimension=query.dimension,
                              period=period, filters=filters, compare=query.compare)  # fmt: skip
    previous = period.previous()
    return {
        "metric": result.metric.name,
        "unit": result.metric.unit,
        "dimension": result.dimension,
        "start": period.start,
        "end": period.end,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "rows": [_row(r) for r in result.rows],
        "total": _row(result.total),
    }
