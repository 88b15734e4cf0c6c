"""Reports: every figure of docs/metrics.md, read from the ticket facts and scoped to the
reader. An agent's numbers count only the tickets the agent may see
(`tickets.selectors.visibility`); managers and administrators see every ticket's.

One report = one metric x one dimension x one period (+ filters), and the same report over
the previous period of the same length, for comparison. Each is one or two aggregate
queries over the fact table's date indexes; percentiles are exact (nearest rank) and
computed by the database on both engines with window functions (ROW_NUMBER and COUNT over a
partition per dimension value; the rows at ranks ceil(0.5·n) and ceil(0.9·n) are read) for
periods up to EXACT_DURATION_DAYS, and estimated from the daily duration histograms for longer
ones (within the exact value's bucket: docs/metrics.md, "Duration histograms")."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, Team, User
from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem
from atiende.core import clock
from atiende.core.errors import NotFound, ValidationFailed
from atiende.core.pagination import Page, paginate
from atiende.sla.models import ClockState
from atiende.tickets.models import OPEN_STATUSES, Category, Channel, Kind, Priority, Status
from atiende.tickets.selectors import visibility

from . import daily
from .metrics import (
    AGE_BUCKETS,
    DIMENSIONS,
    FILTERS,
    METRICS,
    OTHER_SOURCES,
    PERCENTILES,
    Metric,
    Unit,
)
from .models import BUCKET_COLUMNS, TicketFact, bucket_of

RESOLVED = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def previous(self) -> Period:
        return Period(self.start - (self.end - self.start), self.start)


@dataclass
class Row:
    key: Any
    label: str
    value: float | None
    count: int
    parts: dict[str, Any] = field(default_factory=dict)
    previous: float | None = None
    # A duration row read from the histograms: its bucket counts (the total adds them).
    buckets: list[int] | None = field(default=None, repr=False, compare=False)


@dataclass
class Report:
    metric: Metric
    dimension: str
    period: Period
    filters: dict[str, Any]
    rows: list[Row]
    total: Row


def can_read_reports(actor: User) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_agent)


def facts_visible_to(actor: User) -> QuerySet[TicketFact]:
    """The facts of the tickets `actor` may count: managers, administrators and agents who
    see every ticket count all (no join); other agents their visible tickets."""
    if not can_read_reports(actor):
        raise NotFound()
    if actor.is_manager or actor.sees_all_tickets:
        return TicketFact.objects.all()
    return TicketFact.objects.filter(visibility(actor, via="ticket__"))


# -- the pieces of a query ----------------------------------------------------------------------


def _dimension_expr(dimension: str, metric: Metric, now: datetime) -> Any:
    tz = timezone.get_current_timezone()
    date_field = metric.date_field or "created_at"
    simple = {
        "all": Value("all", output_field=CharField()),
        "team": F("team_id"),
        "agent": F("assignee_id"),
        "category": F("category_id"),
        "organization": F("organization_id"),
        "channel": F("channel"),
        "kind": F("kind"),
        "priority": F("priority"),
        "service": F("ticket__affected_items__item_id"),
        "ci": F("ticket__affected_items__item_id"),
        "day": TruncDay(date_field, tzinfo=tz),
        "week": TruncWeek(date_field, tzinfo=tz),
        "month": TruncMonth(date_field, tzinfo=tz),
    }
    if dimension == "age":
        whens = []
        for code, _label, low, _high in reversed(AGE_BUCKETS):
            whens.append(When(created_at__lte=now - timedelta(days=low), then=Value(code)))
        return Case(*whens, default=Value(AGE_BUCKETS[0][0]), output_field=CharField())
    return simple[dimension]


def _population(
    qs: QuerySet[TicketFact],
    metric: Metric,
    dimension: str,
    period: Period,
    ranges: list[tuple[datetime, datetime]] | None = None,
) -> QuerySet[TicketFact]:
    if metric.date_field:
        within = Q()
        for start, end in ranges or [(period.start, period.end)]:
            within |= Q(**{f"{metric.date_field}__gte": start, f"{metric.date_field}__lt": end})
        qs = qs.filter(within)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if metric.name in ("resolved", "fcr", "reopen_rate", "resolution_wall", "resolution_business"):
        qs = qs.filter(status__in=RESOLVED)
    if dimension in ("service", "ci"):
        classes = Q(ticket__affected_items__item__ci_class__in=SERVICE_CLASSES)
        qs = qs.filter(classes if dimension == "service" else ~classes,
                       ticket__affected_items__isnull=False)  # fmt: skip
    return qs


def _apply_filters(qs: QuerySet[TicketFact], filters: dict[str, Any]) -> QuerySet[TicketFact]:
    for name, value in filters.items():
        if value not in (None, ""):
            qs = qs.filter(**{FILTERS[name]: value})
    return qs


def _counted(qs: QuerySet[TicketFact], metric: Metric) -> dict[Any, dict[str, Any]]:
    """key -> the counts of one metric (all but durations)."""
    name = metric.name
    if name in ("created", "resolved", "closed", "backlog"):
        agg: dict[str, Any] = {"n": Count("pk")}
    elif name.startswith("sla_"):
        column = metric.value_field
        qs = qs.exclude(**{column: ""})
        agg = {
            "n": Count("pk"),
            "met": Count("pk", filter=Q(**{column: ClockState.MET})),
            "breached": Count("pk", filter=Q(**{column: ClockState.BREACHED})),
            "running": Count("pk", filter=Q(**{f"{column}__in": (ClockState.RUNNING, ClockState.PAUSED)})),
        }  # fmt: skip
    elif name == "fcr":
        agg = {
            "n": Count("pk"),
            "hits": Count("pk", filter=Q(reopen_count=0, team_hops=0, agent_replies__lte=1)),
        }
    elif name == "reopen_rate":
        agg = {"n": Count("pk"), "hits": Count("pk", filter=Q(reopen_count__gt=0))}
    elif name == "reassignments":
        agg = {
            "n": Count("pk"),
            "hops": Sum("team_hops"),
            "hits": Count("pk", filter=Q(team_hops__gt=0)),
        }
    else:  # pragma: no cover - every metric is listed above
        raise ValueError(name)
    return {row.pop("k"): row for row in qs.values("k").annotate(**agg).order_by()}  # type: ignore[misc]  # "k" is annotated by the caller


def _value_of(metric: Metric, counts: dict[str, Any]) -> float | None:
    n = counts.get("n") or 0
    name = metric.name
    if name in ("created", "resolved", "closed", "backlog"):
        return n
    if name.startswith("sla_"):
        decided = counts["met"] + counts["breached"]
        return 100.0 * counts["met"] / decided if decided else None
    if name in ("fcr", "reopen_rate"):
        return 100.0 * counts["hits"] / n if n else None
    if name == "reassignments":
        return (counts["hops"] or 0) / n if n else None
    return None


def _rank_of(p: float) -> Any:
    """ceil(p·n) in integer arithmetic, (a·n + b - 1) / b with p = a/b: integer division on
    both engines, no floating point and no function SQLite lacks (CEIL is a Python function
    there, called per row)."""
    a, b = round(p * 100), 100
    return ExpressionWrapper((F("n") * a + (b - 1)) / b, output_field=IntegerField())


def _percentiles(qs: QuerySet[TicketFact], column: str) -> dict[Any, dict[str, Any]]:
    """key -> n, p50, p90 of `column` (nearest rank: the value at rank ceil(p·n) of the
    ascending order), computed in the database on both engines."""
    ranked = (
        qs.filter(**{f"{column}__isnull": False})
        .annotate(
            v=F(column),
            rn=Window(
                RowNumber(), partition_by=[F("k")], order_by=[F(column).asc(), F("pk").asc()]
            ),
            n=Window(Count("pk"), partition_by=[F("k")]),
        )
        .filter(Q(rn=_rank_of(PERCENTILES[0])) | Q(rn=_rank_of(PERCENTILES[1])))
        .values_list("k", "rn", "n", "v")
    )
    found: dict[Any, dict[str, Any]] = {}
    for key, rn, n, v in ranked:
        row = found.setdefault(key, {"n": n})
        for p in PERCENTILES:
            if rn == max(1, math.ceil(n * p)):
                row[f"p{int(p * 100)}"] = v
    return found


def _rows_of(metric: Metric, found: dict[Any, dict[str, Any]]) -> dict[Any, Row]:
    rows: dict[Any, Row] = {}
    for key, counts in found.items():
        parts = {k: v for k, v in counts.items() if k != "n"}
        rows[key] = Row(key=key, label="", value=_value_of(metric, counts),
                        count=counts.get("n") or 0, parts=parts)  # fmt: skip
    return rows


def _from_daily(
    actor: User,
    base: QuerySet[TicketFact],
    metric: Metric,
    dimension: str,
    period: Period,
    filters: dict[str, Any],
    now: datetime,
) -> dict[Any, Row] | None:
    """The report's rows from the daily aggregates (whole UTC days) plus the facts of the
    ragged ends and, for agents, of their tickets outside their teams; None when the
    aggregates cannot answer (then the facts do)."""
    plan = daily.plan(metric, dimension, filters)
    days = daily.whole_days(period.start, period.end) if plan else None
    if plan is None or days is None:
        return None
    found = daily.counted(actor, metric, dimension, filters, days, *plan)
    for qs in _facts_beside(actor, base, metric, dimension, period, filters, days):
        daily.add(found, _counted(qs.annotate(k=_dimension_expr(dimension, metric, now)), metric))
    if dimension == "all" and "all" not in found:
        # As over the facts: "all" is one row even when nothing is counted.
        found["all"] = dict.fromkeys(daily.COUNTS[metric.name], 0)
    return _rows_of(metric, found)


def _facts_beside(
    actor: User,
    base: QuerySet[TicketFact],
    metric: Metric,
    dimension: str,
    period: Period,
    filters: dict[str, Any],
    days: tuple[date, date],
) -> list[QuerySet[TicketFact]]:
    """The facts a report read from the aggregates counts itself: those of the period's
    ragged ends (outside the whole UTC days `days`) and, for an agent, those of their tickets
    outside their teams over the whole days (the aggregates hold their teams' rows)."""
    found = []
    ranges = daily.edges(period.start, period.end, days)
    if ranges:
        found.append(_population(base, metric, dimension, period, ranges))
    # The agent's facts outside their teams: the filters, not the access rule (it is that).
    outside = daily.outside_teams(actor, _apply_filters(TicketFact.objects.all(), filters))
    if outside is not None:
        inner = Period(daily.instant(days[0]), daily.instant(days[1]))
        found.append(_population(outside, metric, dimension, inner))
    return found


# Duration reports over periods of at most this many days read the facts (exact nearest-rank
# percentiles: at most a month of facts); longer ones the histograms (daily.histograms).
EXACT_DURATION_DAYS = 31


def _long(period: Period) -> bool:
    return period.end - period.start > timedelta(days=EXACT_DURATION_DAYS)


def _durations_from_daily(
    actor: User,
    base: QuerySet[TicketFact],
    metric: Metric,
    dimension: str,
    period: Period,
    filters: dict[str, Any],
    now: datetime,
) -> dict[Any, Row] | None:
    """A long period's median and 90th percentile from the duration histograms (whole UTC
    days) plus the bucketed durations of the ragged ends' facts and, for agents, of their
    facts outside their teams; None when the facts answer (short periods, or a split or
    filter the histograms do not hold)."""
    if not _long(period):
        return None
    plan = daily.plan(metric, dimension, filters)
    days = daily.whole_days(period.start, period.end) if plan else None
    if plan is None or days is None:
        return None
    found = daily.histograms(actor, metric, dimension, filters, days, *plan)

    def add_facts(qs: QuerySet[TicketFact]) -> None:
        values = (
            qs.filter(**{f"{metric.value_field}__isnull": False})
            .annotate(k=_dimension_expr(dimension, metric, now))
            .values_list("k", metric.value_field)
        )
        for value_key, seconds in values:
            buckets = found.setdefault(value_key, [0] * len(BUCKET_COLUMNS))
            buckets[bucket_of(seconds)] += 1

    for qs in _facts_beside(actor, base, metric, dimension, period, filters, days):
        add_facts(qs)
    rows: dict[Any, Row] = {}
    for key, buckets in found.items():
        rows[key] = _from_buckets(key, buckets)
    return rows


def _from_buckets(key: Any, buckets: list[int]) -> Row:
    return Row(key=key, label="", value=daily.percentile(buckets, PERCENTILES[0]),
               count=sum(buckets), parts={"p90": daily.percentile(buckets, PERCENTILES[1])},
               buckets=buckets)  # fmt: skip


def _measure(qs: QuerySet[TicketFact], metric: Metric) -> dict[Any, Row]:
    rows: dict[Any, Row] = {}
    if metric.unit == Unit.SECONDS:
        for key, found in _percentiles(qs, metric.value_field).items():
            rows[key] = Row(key=key, label="", value=found.get("p50"), count=found["n"],
                            parts={"p90": found.get("p90")})  # fmt: skip
        return rows
    for key, counts in _counted(qs, metric).items():
        parts = {k: v for k, v in counts.items() if k != "n"}
        rows[key] = Row(key=key, label="", value=_value_of(metric, counts),
                        count=counts.get("n") or 0, parts=parts)  # fmt: skip
    return rows


# -- labels -------------------------------------------------------------------------------------


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if dimension == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "agent":
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}
    if dimension == "category":
        return {c.pk: c.label() for c in Category.objects.filter(pk__in=ids)}
    if dimension == "organization":
        return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension in ("service", "ci"):
        return dict(ConfigurationItem.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "channel":
        return {k: str(Channel(k).label) for k in ids if k in Channel.values}
    if dimension == "kind":
        return {k: str(Kind(k).label) for k in ids if k in Kind.values}
    if dimension == "priority":
        return {k: str(Priority(k).label) for k in ids if k in Priority.values}
    if dimension == "age":
        return {code: str(label) for code, label, _low, _high in AGE_BUCKETS}
    if dimension == "all":
        return {"all": str(DIMENSIONS["all"])}
    if dimension in ("day", "week", "month"):
        from django.utils.formats import date_format

        fmt = "YEAR_MONTH_FORMAT" if dimension == "month" else "SHORT_DATE_FORMAT"
        return {
            k: date_format(timezone.localtime(k) if timezone.is_aware(k) else k, fmt) for k in ids
        }
    return {}


def _sort_key(dimension: str, row: Row) -> Any:
    if dimension in ("day", "week", "month", "priority"):
        return (0, row.key)
    if dimension == "age":
        return (0, [code for code, *_rest in AGE_BUCKETS].index(row.key))
    return (-(row.count or 0), row.label.lower())


# -- the report ---------------------------------------------------------------------------------


def check_report(metric: str, dimension: str, period: Period) -> Metric:
    if metric not in METRICS:
        raise ValidationFailed.field("metric", _("Unknown metric."))
    if dimension not in DIMENSIONS:
        raise ValidationFailed.field("dimension", _("Unknown dimension."))
    if period.end <= period.start:
        raise ValidationFailed.field("end", _("The end must be after the start."))
    return METRICS[metric]


def report(
    actor: User,
    *,
    metric: str,
    dimension: str,
    period: Period,
    filters: dict[str, Any] | None = None,
    compare: bool = True,
    now: datetime | None = None,
    use_daily: bool = True,
) -> Report:
    """`metric` split by `dimension` over `period`, for `actor` (access-scoped), with each
    row's value over the previous period (`compare`) and the total over every row.
    Counts and rates come from the daily aggregates where they can (`use_daily`; the same
    numbers, faster: daily.py), the rest from the facts."""
    chosen = check_report(metric, dimension, period)
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v not in (None, "")}
    now = now or clock.now()
    if chosen.name == "change_success":
        return _change_report(actor, chosen, dimension, period, filters, compare)
    if chosen.name == "csat":
        return _csat_report(actor, chosen, dimension, period, filters, compare)
    if chosen.name == "deflection":
        return _deflection_report(actor, chosen, dimension, period, filters, compare)
    base = _apply_filters(facts_visible_to(actor), filters)

    def run(period: Period, dimension: str) -> dict[Any, Row]:
        if use_daily:
            if chosen.unit == Unit.SECONDS:
                rows = _durations_from_daily(actor, base, chosen, dimension, period, filters, now)
            else:
                rows = _from_daily(actor, base, chosen, dimension, period, filters, now)
            if rows is not None:
                return rows
        qs = _population(base, chosen, dimension, period).annotate(
            k=_dimension_expr(dimension, chosen, now)
        )
        return _measure(qs, chosen)

    def total_of(rows: dict[Any, Row], period: Period) -> Row:
        # Counts add up over a dimension that partitions the tickets: the total is the sum
        # of the rows (no second scan). Percentiles, and services/CIs (a ticket may count
        # under several), need their own query.
        if chosen.unit != Unit.SECONDS and dimension not in ("service", "ci"):
            counts: dict[str, Any] = {}
            for row in rows.values():
                for name, value in {"n": row.count, **row.parts}.items():
                    counts[name] = counts.get(name, 0) + (value or 0)
            if not rows:
                return Row(key="all", label="", value=_empty(chosen), count=0)
            parts = {k: v for k, v in counts.items() if k != "n"}
            return Row(key="all", label="", value=_value_of(chosen, counts),
                       count=counts.get("n", 0), parts=parts)  # fmt: skip
        histograms = [row.buckets for row in rows.values() if row.buckets is not None]
        if rows and len(histograms) == len(rows):
            # Histograms add up over a dimension that partitions the tickets (the only
            # splits they answer): the total's buckets are the rows' sums, no second query.
            summed = [sum(counts) for counts in zip(*histograms, strict=True)]
            return _from_buckets("all", summed)
        found = run(period, "all").get("all")
        return found or Row(key="all", label="", value=_empty(chosen), count=0)

    read_once = use_daily and daily.plan(chosen, dimension, filters) is not None
    if chosen.unit == Unit.SECONDS and not _long(period):
        read_once = False  # the facts answer (exact), with the access rule
    with daily.outside_read_once(actor) if read_once else nullcontext():
        rows = run(period, dimension)
        total = total_of(rows, period)
        if compare and chosen.date_field and dimension not in ("day", "week", "month"):
            before = run(period.previous(), dimension)
            for key, row in rows.items():
                if key in before:
                    row.previous = before[key].value
            total.previous = total_of(before, period.previous()).value
    labels = _labels(dimension, list(rows))
    for key, row in rows.items():
        row.label = labels.get(key, "—" if key is None else str(key))
    total.label = str(DIMENSIONS["all"])
    ordered = sorted(rows.values(), key=lambda r: _sort_key(dimension, r))
    return Report(metric=chosen, dimension=dimension, period=period, filters=filters,
                  rows=ordered, total=total)  # fmt: skip


def _empty(metric: Metric) -> float | None:
    return 0 if metric.unit == Unit.COUNT else None


def _change_report(actor, metric, dimension, period, filters, compare) -> Report:
    """Changes' success rate, as the changes domain defines it (reviews recorded in the
    period): not split by the ticket dimensions (all rows are one)."""
    from atiende.changes.selectors import change_metrics

    if dimension != "all":
        raise ValidationFailed.field(
            "dimension", _("The change success rate is not split by dimension.")
        )
    if not can_read_reports(actor):
        raise NotFound()

    def row(p: Period) -> Row:
        m = change_metrics(actor, (p.start, p.end))
        rate = m.success_rate
        return Row(key="all", label=str(DIMENSIONS["all"]),
                   value=None if rate is None else 100.0 * rate, count=m.reviewed,
                   parts={"successful": m.successful, "partial": m.partial, "failed": m.failed})  # fmt: skip

    current = row(period)
    if compare:
        current.previous = row(period.previous()).value
    return Report(metric=metric, dimension=dimension, period=period, filters=filters,
                  rows=[current], total=current)  # fmt: skip


def _csat_report(actor, metric, dimension, period, filters, compare) -> Report:
    """CSAT as the surveys domain defines it (surveys.selectors.csat_summary: satisfied
    answers / answers, surveys sent in the period), split by the survey's team or agent (the
    ticket's when it was finished), category or service. Value: the score; count: answers;
    parts: sent, responses, satisfied, response_rate."""
    from atiende.surveys.selectors import Filters, csat_summary

    if dimension not in OTHER_SOURCES["csat"]:
        raise ValidationFailed.field(
            "dimension", _("Satisfaction is split by team, agent, category or service only.")
        )
    if not can_read_reports(actor):
        raise NotFound()
    tick = timedelta(microseconds=1)  # csat_summary's end is inclusive

    def run(p: Period) -> dict[str, Any]:
        return csat_summary(
            actor,
            filters=Filters(start=p.start, end=p.end - tick, team=filters.get("team"),
                            agent=filters.get("agent"), category=filters.get("category"),
                            service=filters.get("item")),
            by="" if dimension == "all" else dimension,
        )  # fmt: skip

    def row(key: Any, label: str, found: dict[str, Any]) -> Row:
        return Row(key=key, label=label, value=found["csat"], count=found["responses"],
                   parts={k: found[k] for k in ("sent", "responses", "satisfied", "response_rate")})  # fmt: skip

    current = run(period)
    total = row("all", str(DIMENSIONS["all"]), current)
    rows = (
        [row(r["key"], r["label"], r) for r in current["rows"]] if dimension != "all" else [total]
    )
    if compare:
        before = run(period.previous())
        total.previous = before["csat"]
        earlier = {r["key"]: r["csat"] for r in before["rows"]}
        for r in rows:
            if r is not total:
                r.previous = earlier.get(r.key)
    return Report(metric=metric, dimension=dimension, period=period, filters=filters,
                  rows=rows, total=total)  # fmt: skip


def _deflection_report(actor, metric, dimension, period, filters, compare) -> Report:
    """The knowledge base's deflection rate (knowledge.selectors.deflection_rate): "this
    solved it" on the portal's new-ticket form / (that + tickets sent anyway after seeing
    suggestions). A portal-wide figure: not split, not filtered, the same for every reader."""
    from atiende.knowledge.selectors import deflection_rate

    if dimension != "all":
        raise ValidationFailed.field(
            "dimension", _("The deflection rate is not split by dimension.")
        )
    if not can_read_reports(actor):
        raise NotFound()

    def row(p: Period) -> Row:
        found = deflection_rate(p.start, p.end)
        return Row(key="all", label=str(DIMENSIONS["all"]),
                   value=None if found.rate is None else 100.0 * found.rate,
                   count=found.solved + found.sent_anyway,
                   parts={"solved": found.solved, "sent_anyway": found.sent_anyway})  # fmt: skip

    current = row(period)
    if compare:
        current.previous = row(period.previous()).value
    return Report(metric=metric, dimension=dimension, period=period, filters=filters,
                  rows=[current], total=current)  # fmt: skip


def export_rows(report: Report) -> Iterator[list[Any]]:
    """The report as CSV rows (header first): one row per dimension value, then the total."""
    yield ["key", "label", "value", "count", "previous", *sorted(_part_names(report))]
    names = sorted(_part_names(report))
    for row in [*report.rows, report.total]:
        yield [row.key, row.label, row.value, row.count, row.previous,
               *[row.parts.get(n) for n in names]]  # fmt: skip


def _part_names(report: Report) -> set[str]:
    return {name for row in report.rows for name in row.parts} | set(report.total.parts)


FACT_COLUMNS = ("ticket__number", "kind", "channel", "priority", "status", "team_id",
                "assignee_id", "category_id", "organization_id", "created_at",
                "first_response_at", "resolved_at", "closed_at", "reopen_count", "team_hops",
                "agent_replies", "first_response_wall", "first_response_business",
                "resolution_wall", "resolution_business", "first_response_sla",
                "resolution_sla")  # fmt: skip


def fact_rows(actor: User, period: Period, filters: dict[str, Any]) -> Iterator[list[Any]]:
    """The facts of the tickets created in `period` that `actor` may count, header first,
    read in chunks (`iterator`: a server-side cursor on PostgreSQL), in ticket order."""
    qs = _apply_filters(facts_visible_to(actor), filters).filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    yield ["number", *[c.removesuffix("_id") for c in FACT_COLUMNS[1:]]]
    for row in qs.order_by("created_at", "pk").values_list(*FACT_COLUMNS).iterator(chunk_size=2000):
        yield list(row)


DRILL_ORDER = ["-created_at", "-ticket_id"]


def drill_page(
    actor: User,
    *,
    metric: str,
    dimension: str,
    key: str,
    period: Period,
    filters: dict[str, Any] | None = None,
    cursor: str | None = None,
    now: datetime | None = None,
) -> Page:
    """The tickets behind one number of a report: the metric's population in the period for
    one dimension value (`key` as it appears in the report's row, "all" for the total),
    newest first, a keyset page of facts with their tickets."""
    chosen = check_report(metric, dimension, period)
    if chosen.name in OTHER_SOURCES:
        raise ValidationFailed.field("metric", _("This metric has no ticket list."))
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v not in (None, "")}
    qs = _population(_apply_filters(facts_visible_to(actor), filters), chosen, dimension, period)
    if chosen.unit == Unit.SECONDS:
        qs = qs.filter(**{f"{chosen.value_field}__isnull": False})
    elif chosen.name.startswith("sla_"):
        qs = qs.exclude(**{chosen.value_field: ""})
    if dimension != "all" and key != "all":
        expr = _dimension_expr(dimension, chosen, now or clock.now())
        value: Any = None if key == "" else key
        qs = (
            qs.annotate(k=expr).filter(k__isnull=True)
            if value is None
            else qs.annotate(k=expr).filter(k=value)
        )
    return paginate(
        qs.select_related("ticket").distinct(), order=DRILL_ORDER, cursor=cursor, limit=50
    )


def saved_reports_of(actor: User) -> list[Any]:
    """`actor`'s saved reports, by name (one query)."""
    from .models import SavedReport

    return list(SavedReport.objects.filter(owner_id=actor.pk).order_by("name", "id"))
