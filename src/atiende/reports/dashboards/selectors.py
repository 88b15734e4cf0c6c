"""Dashboard reads, scoped like the reports (`reports.selectors.facts_visible_to`: managers,
administrators and agents who see all tickets count every ticket; other agents count the
tickets they may see).

Every panel is one aggregate query (a GROUP BY or a set of conditional counts) over the ticket
facts or the SLA clocks, plus at most one query naming its rows: no query per agent, per day
or per row, so a dashboard's query count is the same with ten tickets or a million
(tests/reports/test_dashboard.py, tests/query_baselines.json)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

from atiende.accounts.models import User
from atiende.core import clock
from atiende.sla.models import ClockKind, ClockState, SlaClock
from atiende.surveys.selectors import Filters as SurveyFilters
from atiende.surveys.selectors import csat_summary
from atiende.tickets.models import OPEN_STATUSES, Ticket
from atiende.tickets.selectors import visibility

from .. import daily
from ..metrics import AGE_BUCKETS, METRICS
from ..models import DailyFact, TicketFact
from ..selectors import (
    RESOLVED,
    Period,
    _dimension_expr,
    _from_daily,
    _labels,
    facts_visible_to,
)

DAYS = (30, 90)
TOP = 5  # rows of the "top categories / services" panels
AT_RISK_WITHIN = timedelta(hours=4)
FCR = Q(reopen_count=0, team_hops=0, agent_replies__lte=1)


def period_of(days: int, today: date | None = None) -> tuple[date, date, Period]:
    """The last `days` days up to today (the reader's time zone), as dates (for the drill-down
    links, which take the Reports form's `start` and `end`) and as UTC instants."""
    tz = timezone.get_current_timezone()
    today = today or timezone.localdate(clock.now())
    start = today - timedelta(days=days - 1)
    return (
        start,
        today,
        Period(
            datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz),
        ),
    )


def _rate(hits: int, n: int) -> float | None:
    return 100.0 * hits / n if n else None


@dataclass
class Kpis:
    created: int
    resolved: int
    fcr: float | None
    reopen_rate: float | None
    sla_first_response: float | None
    sla_resolution: float | None
    parts: dict[str, int] = field(default_factory=dict)


def _within(column: str, ranges: list[tuple[datetime, datetime]] | None) -> Q:
    if ranges is None:
        return Q()
    q = Q(pk__in=[])
    for start, end in ranges:
        q |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return q


def kpi_counts(
    facts: QuerySet[TicketFact],
    period: Period,
    within: list[tuple[datetime, datetime]] | None = None,
) -> dict[str, int]:
    """The counts behind the key figures of the period ("now_…") and the previous one
    ("before_…") over the facts: ONE query (conditional counts over the two ranges of the
    created and resolved indexes), with docs/metrics.md's definitions; only the dates inside
    `within` when given (the parts of the periods the daily aggregates do not cover)."""
    before = period.previous()
    in_created, in_resolved = _within("created_at", within), _within("resolved_at", within)

    def conditions(p: Period, tag: str) -> dict[str, Any]:
        created = Q(created_at__gte=p.start, created_at__lt=p.end) & in_created
        resolved = (
            Q(resolved_at__gte=p.start, resolved_at__lt=p.end, status__in=RESOLVED) & in_resolved
        )
        counts = {
            "created": created,
            "resolved": resolved,
            "fcr": resolved & FCR,
            "reopened": resolved & Q(reopen_count__gt=0),
            "fr_met": created & Q(first_response_sla=ClockState.MET),
            "fr_breached": created & Q(first_response_sla=ClockState.BREACHED),
            "res_met": created & Q(resolution_sla=ClockState.MET),
            "res_breached": created & Q(resolution_sla=ClockState.BREACHED),
        }
        return {f"{tag}_{name}": Count("pk", filter=q) for name, q in counts.items()}

    outer_created = Q(created_at__gte=before.start, created_at__lt=period.end) & in_created
    outer_resolved = Q(resolved_at__gte=before.start, resolved_at__lt=period.end) & in_resolved
    found = facts.filter(outer_created | outer_resolved).aggregate(
        **conditions(period, "now"), **conditions(before, "before")
    )
    return {name: v or 0 for name, v in found.items()}


DAILY_KPIS = {"created": "created", "resolved": "resolved", "fcr": "fcr_hits",
              "reopened": "reopen_hits", "fr_met": "fr_met", "fr_breached": "fr_breached",
              "res_met": "res_met", "res_breached": "res_breached"}  # fmt: skip


def kpis(
    facts: QuerySet[TicketFact], period: Period, actor: User | None = None
) -> tuple[Kpis, Kpis]:
    """Created, resolved, first-contact resolution, reopen rate and both SLA compliances of
    the period and of the previous one. With `actor`: the whole UTC days from the daily
    aggregates (one query), the ragged ends of both periods and, for agents, their tickets
    outside their teams from the facts (one query each): the same numbers as the facts alone."""
    before = period.previous()
    if actor is None:
        found = kpi_counts(facts, period)
    else:
        found = dict.fromkeys([f"{t}_{n}" for t in ("now", "before") for n in DAILY_KPIS], 0)
        ragged: list[tuple[datetime, datetime]] = []
        interior: list[tuple[datetime, datetime]] = []
        sums: dict[str, Any] = {}
        for p, tag in ((period, "now"), (before, "before")):
            days = daily.whole_days(p.start, p.end)
            if days is None:
                ragged.append((p.start, p.end))
                continue
            ragged += daily.edges(p.start, p.end, days)
            interior.append((daily.instant(days[0]), daily.instant(days[1])))
            in_days = Q(day__gte=days[0], day__lt=days[1])
            for name, column in DAILY_KPIS.items():
                sums[f"{tag}_{name}"] = Sum(column, filter=in_days)
        if sums:
            # Both periods' days in the WHERE (the (dimension, day, …) key's range), not only
            # in the conditional sums: else every day's rows are read.
            span = [
                d
                for p, _tag in ((period, ""), (before, ""))
                for d in daily.whole_days(p.start, p.end) or ()
            ]
            rows = daily.scoped(
                actor,
                DailyFact.objects.filter(dimension="kind", day__gte=min(span), day__lt=max(span)),
            )
            daily.add_counts(found, rows.aggregate(**sums))
        if ragged:
            daily.add_counts(found, kpi_counts(facts, period, ragged))
        outside = daily.outside_teams(actor, TicketFact.objects.all())
        if outside is not None and interior:
            daily.add_counts(found, kpi_counts(outside, period, interior))

    def of(tag: str) -> Kpis:
        c = {
            name.removeprefix(f"{tag}_"): v or 0
            for name, v in found.items()
            if name.startswith(tag)
        }
        return Kpis(
            created=c["created"],
            resolved=c["resolved"],
            fcr=_rate(c["fcr"], c["resolved"]),
            reopen_rate=_rate(c["reopened"], c["resolved"]),
            sla_first_response=_rate(c["fr_met"], c["fr_met"] + c["fr_breached"]),
            sla_resolution=_rate(c["res_met"], c["res_met"] + c["res_breached"]),
            parts=c,
        )

    return of("now"), of("before")


def backlog_by_age(
    facts: QuerySet[TicketFact], now: datetime, actor: User | None = None
) -> list[tuple[str, str, int]]:
    """(bucket code, label, open tickets) for every age bucket, youngest first: one query
    over `facts`; with `actor`, one per part of `daily.open_facts` (the partial index of the
    open facts, index-only), the same numbers."""
    parts = [facts.filter(status__in=OPEN_STATUSES)] if actor is None else daily.open_facts(actor)
    counts: dict[str, int] = {}
    for part in parts:
        for code, n in (
            part.annotate(k=_dimension_expr("age", METRICS["backlog"], now))
            .values_list("k")
            .annotate(n=Count("*"))
            .order_by()
        ):
            counts[code] = counts.get(code, 0) + n
    return [(code, str(label), counts.get(code, 0)) for code, label, _lo, _hi in AGE_BUCKETS]


def _whole_hours(period: Period) -> bool:
    """Whether every midnight of the reader's zone in the period falls on a UTC hour (every
    zone but the few with :30/:45 offsets), so that hourly counts make their days."""
    tz = timezone.get_current_timezone()
    day = timezone.localtime(period.start, tz).date()
    end = timezone.localtime(period.end, tz).date()
    while day <= end:
        midnight = datetime.combine(day, time.min, tzinfo=tz)
        if midnight.astimezone(UTC).minute or midnight.astimezone(UTC).second:
            return False
        day += timedelta(days=1)
    return True


def flow(
    facts: QuerySet[TicketFact], period: Period, actor: User | None = None
) -> list[tuple[date, int, int]]:
    """(day, created, resolved) for every day of the period, zeros included, days cut at
    the reader's midnight. With `actor` and a whole-hour zone: one grouped query over the
    daily aggregates' hourly rows (and for agents one per date index over their facts
    outside their teams); else two grouped queries over the facts, one per date index."""
    tz = timezone.get_current_timezone()
    if actor is not None and _whole_hours(period):
        return _flow_daily(actor, facts, period)

    def per_day(column: str, extra: Q) -> dict[date, int]:
        rows = (
            facts.filter(extra, **{f"{column}__gte": period.start, f"{column}__lt": period.end})
            .annotate(d=TruncDay(column, tzinfo=tz))
            .values_list("d")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {
            timezone.localtime(d, tz).date() if isinstance(d, datetime) else d: n for d, n in rows
        }

    created = per_day("created_at", Q())
    resolved = per_day("resolved_at", Q(status__in=RESOLVED))
    first = timezone.localtime(period.start, tz).date()
    days = (timezone.localtime(period.end, tz).date() - first).days
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        out.append((day, created.get(day, 0), resolved.get(day, 0)))
    return out


def _flow_daily(
    actor: User, facts: QuerySet[TicketFact], period: Period
) -> list[tuple[date, int, int]]:
    tz = timezone.get_current_timezone()
    first = timezone.localtime(period.start, tz).date()
    days = (timezone.localtime(period.end, tz).date() - first).days
    created: dict[date, int] = {}
    resolved: dict[date, int] = {}
    rows = daily.scoped(
        actor,
        DailyFact.objects.filter(
            dimension="hour",
            day__gte=period.start.astimezone(UTC).date(),
            day__lte=period.end.astimezone(UTC).date(),
        ),
    )
    for day, hour, c, r in (
        rows.values_list("day", "key").annotate(c=Sum("created"), r=Sum("resolved")).order_by()
    ):
        moment = datetime.combine(day, time(int(hour)), tzinfo=UTC)
        if period.start <= moment < period.end:
            local = timezone.localtime(moment, tz).date()
            created[local] = created.get(local, 0) + (c or 0)
            resolved[local] = resolved.get(local, 0) + (r or 0)
    outside = daily.outside_teams(actor, TicketFact.objects.all())
    if outside is not None:
        for day, c_, r_ in flow(outside, period):
            created[day] = created.get(day, 0) + c_
            resolved[day] = resolved.get(day, 0) + r_
    return [
        (first + timedelta(days=i), created.get(first + timedelta(days=i), 0),
         resolved.get(first + timedelta(days=i), 0))
        for i in range(days)
    ]  # fmt: skip


@dataclass
class AgentLoad:
    key: int | None
    label: str
    open: int
    urgent: int  # priority 1 or 2
    breached: int  # resolution clock breached


def workload(facts: QuerySet[TicketFact], actor: User | None = None) -> list[AgentLoad]:
    """Open tickets per assignee (unassigned as one row), with the urgent and the breached
    among them: one grouped query (with `actor`: one per part of `daily.open_facts`, each
    index-only over the open facts' partial index), and one naming the agents."""
    parts = [facts.filter(status__in=OPEN_STATUSES)] if actor is None else daily.open_facts(actor)
    found: dict[int | None, list[int]] = {}
    for part in parts:
        for key, n, urgent, breached in (
            part.values_list("assignee_id")
            .annotate(
                # COUNT(*) and of `priority` (never null), not of the key: the open-work
                # index holds no ticket id, and only what it holds keeps the scan index-only.
                n=Count("*"),
                urgent=Count("priority", filter=Q(priority__lte=2)),
                breached=Count("priority", filter=Q(resolution_sla=ClockState.BREACHED)),
            )
            .order_by()
        ):
            row = found.setdefault(key, [0, 0, 0])
            row[0] += n
            row[1] += urgent
            row[2] += breached
    labels = _labels("agent", list(found))
    loads = [
        AgentLoad(key, labels.get(key, "—") if key is not None else "", n, urgent, breached)
        for key, (n, urgent, breached) in found.items()
    ]
    return sorted(loads, key=lambda r: (r.key is None, -r.open, r.label.lower()))


def top(
    facts: QuerySet[TicketFact], dimension: str, period: Period, actor: User | None = None
) -> list[tuple[Any, str, int]]:
    """The `TOP` categories or services with the most tickets created in the period: one
    grouped query (limited in the database) and one naming them. Categories, with `actor`:
    from the daily aggregates (plus the facts of the ragged ends, and of an agent's tickets
    outside their teams)."""
    if dimension == "category" and actor is not None:
        found = _from_daily(actor, facts, METRICS["created"], "category", period, {}, clock.now())
        if found is not None:
            best = sorted(
                (r for r in found.values() if r.key is not None and r.count),
                key=lambda r: (-r.count, r.key),
            )[:TOP]
            labels = _labels(dimension, [r.key for r in best])
            return [(r.key, labels.get(r.key, "—"), r.count) for r in best]
    qs = facts.filter(created_at__gte=period.start, created_at__lt=period.end)
    if dimension == "service":
        from atiende.cmdb.models import SERVICE_CLASSES

        qs = qs.filter(ticket__affected_items__item__ci_class__in=SERVICE_CLASSES)
        column = "ticket__affected_items__item_id"
    else:
        qs = qs.filter(category_id__isnull=False)
        column = "category_id"
    rows = list(qs.values_list(column).annotate(n=Count("pk")).order_by("-n", column)[:TOP])
    labels = _labels(dimension, [r[0] for r in rows])
    return [(key, labels.get(key, "—"), n) for key, n in rows]


def _clocks_visible_to(actor: User) -> QuerySet[SlaClock]:
    """The SLA clocks of the tickets `actor` may count (the facts' rule)."""
    if actor.is_manager or actor.sees_all_tickets:
        return SlaClock.objects.all()
    return SlaClock.objects.filter(visibility(actor, via="ticket__"))


def sla_risk(actor: User, now: datetime) -> dict[str, int]:
    """Running clocks due within AT_RISK_WITHIN (or already late and not yet swept), and
    breached clocks of tickets still open: one query over the clocks' due indexes."""
    due = Q(state=ClockState.RUNNING, breached_at__isnull=True, deadline__lte=now + AT_RISK_WITHIN)
    breached = Q(state=ClockState.BREACHED, ticket__status__in=OPEN_STATUSES)
    return (
        _clocks_visible_to(actor)
        .filter(due | breached)
        .aggregate(at_risk=Count("pk", filter=due), breached=Count("pk", filter=breached))
    )


@dataclass
class Dashboard:
    days: int
    start: date
    end: date
    period: Period
    now: Kpis
    before: Kpis
    backlog: list[tuple[str, str, int]]
    flow: list[tuple[date, int, int]]
    workload: list[AgentLoad]
    categories: list[tuple[Any, str, int]]
    services: list[tuple[Any, str, int]]
    risk: dict[str, int]
    csat: dict[str, Any]


def dashboard(actor: User, *, days: int = 30, now: datetime | None = None) -> Dashboard:
    """The team lead's and manager's overview of the last `days` days (30 or 90)."""
    facts = facts_visible_to(actor)  # NotFound for requesters
    now = now or clock.now()
    days = days if days in DAYS else DAYS[0]
    start, end, period = period_of(days, timezone.localtime(now).date())
    with daily.outside_read_once(actor):
        return _dashboard(actor, facts, days, start, end, period, now)


def _dashboard(
    actor: User,
    facts: QuerySet[TicketFact],
    days: int,
    start: date,
    end: date,
    period: Period,
    now: datetime,
) -> Dashboard:
    current, before = kpis(facts, period, actor)
    survey = csat_summary(
        actor, filters=SurveyFilters(start=period.start, end=period.end), previous=True
    )
    return Dashboard(
        days=days,
        start=start,
        end=end,
        period=period,
        now=current,
        before=before,
        backlog=backlog_by_age(facts, now, actor),
        flow=flow(facts, period, actor),
        workload=workload(facts, actor),
        categories=top(facts, "category", period, actor),
        services=top(facts, "service", period),
        risk=sla_risk(actor, now),
        csat=survey,
    )


# -- the agent's home ---------------------------------------------------------------------------

HOME_ROWS = 15


@dataclass
class AgentHome:
    mine: Sequence[Ticket]  # open, assigned to me, soonest due first (no deadline last)
    mine_count: int
    waiting: Sequence[Ticket]  # the requester replied: a next-response clock runs
    breaching: list[SlaClock]  # my teams' clocks due soon
    csat: dict[str, Any]


def agent_home(actor: User, *, now: datetime | None = None) -> AgentHome:
    """What an agent needs first, read only through indexes on the agent's own tickets
    (assignee, status), their clocks (ticket, kind) and the clocks' due index: fast at a
    million tickets, whoever the agent is."""
    if not (actor and actor.is_authenticated and actor.is_agent):
        from atiende.core.errors import NotFound

        raise NotFound()
    now = now or clock.now()
    open_mine = Ticket.objects.filter(assignee_id=actor.pk, status__in=OPEN_STATUSES)
    running = (ClockState.RUNNING, ClockState.BREACHED)
    mine = list(
        open_mine.annotate(
            due=Min(
                "sla_clocks__deadline",
                filter=Q(sla_clocks__state__in=running, sla_clocks__deadline__isnull=False),
            )
        )
        .select_related("team")
        .order_by("due", "-updated_at", "-id")[:HOME_ROWS]
    )
    mine_count = open_mine.count()
    waiting = list(
        open_mine.filter(sla_clocks__kind=ClockKind.NEXT_RESPONSE, sla_clocks__state__in=running)
        .annotate(due=Min("sla_clocks__deadline"))
        .select_related("requester")
        .order_by("due", "-id")[:HOME_ROWS]
    )
    from atiende.accounts.selectors import team_ids_of

    teams = team_ids_of(actor)
    breaching = list(
        SlaClock.objects.filter(
            state=ClockState.RUNNING,
            breached_at__isnull=True,
            deadline__lte=now + AT_RISK_WITHIN,
            ticket__team_id__in=teams,
        )
        .select_related("ticket", "ticket__assignee")
        .order_by("deadline", "id")[:HOME_ROWS]
        if teams
        else []
    )
    csat = csat_summary(
        actor,
        filters=SurveyFilters(agent=actor.pk, start=now - timedelta(days=30), end=now),
        previous=False,
    )
    return AgentHome(
        mine=mine, mine_count=mine_count, waiting=waiting, breaching=breaching, csat=csat
    )
