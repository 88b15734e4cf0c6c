"""Reports read from the daily aggregates (models.DailyFact) where a metric allows it:
counts and rates over whole UTC days, with the ragged ends of the period (the reader's
midnight is rarely UTC's) and, for agents, the tickets they see outside their teams read
from the facts. Exact: the same numbers as the facts alone (tests/reports/test_daily.py).

Used by selectors.report and the dashboard; docs/metrics.md, "Daily aggregates"."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Expression, Q, QuerySet, Subquery, Sum

from atiende.accounts.models import User
from atiende.accounts.selectors import team_ids_of
from atiende.core.queries import literal_in
from atiende.tickets.models import OPEN_STATUSES, Ticket

from .metrics import Metric
from .models import BUCKET_COLUMNS, BUCKET_EDGES, DURATIONS, DailyDuration, DailyFact, TicketFact

# Metric -> {name in selectors._counted: DailyFact column(s) summed}.
COUNTS: dict[str, dict[str, tuple[str, ...]]] = {
    "created": {"n": ("created",)},
    "resolved": {"n": ("resolved",)},
    "closed": {"n": ("closed",)},
    "sla_first_response": {"n": ("fr_clocks",), "met": ("fr_met",),
                           "breached": ("fr_breached",), "running": ("fr_running",)},
    "sla_resolution": {"n": ("res_clocks",), "met": ("res_met",),
                       "breached": ("res_breached",), "running": ("res_running",)},
    "fcr": {"n": ("resolved",), "hits": ("fcr_hits",)},
    "reopen_rate": {"n": ("resolved",), "hits": ("reopen_hits",)},
    "reassignments": {"n": ("created",), "hops": ("hops",), "hits": ("hop_hits",)},
}  # fmt: skip
# Report dimension -> the stored dimension whose rows answer it, and the column grouped by.
SPLITS = {
    "all": ("kind", None),
    "team": ("kind", "team_id"),
    "agent": ("agent", "key"),
    "category": ("category", "key"),
    "organization": ("organization", "key"),
    "channel": ("channel", "key"),
    "kind": ("kind", "key"),
    "priority": ("priority", "key"),
}
FILTER_DIMENSION = {"agent": "agent", "category": "category", "organization": "organization",
                    "channel": "channel", "kind": "kind", "priority": "priority"}  # fmt: skip
INT_KEYS = ("agent", "category", "organization", "priority")


def plan(metric: Metric, dimension: str, filters: dict[str, Any]) -> tuple[str, str | None] | None:
    """(stored dimension, filtered key or None) when the aggregates can answer this report,
    else None. Team filters always can; one other filter when the split is all, team, or
    that same dimension."""
    if (metric.name not in COUNTS and metric.name not in DURATIONS) or dimension not in SPLITS:
        return None
    others = [name for name in filters if name != "team"]
    if not others:
        return SPLITS[dimension][0], None
    if len(others) > 1 or others[0] not in FILTER_DIMENSION:
        return None
    stored = FILTER_DIMENSION[others[0]]
    if dimension not in ("all", "team", stored):
        return None
    return stored, str(filters[others[0]])


def whole_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The UTC days [first, last) wholly inside [start, end), or None."""
    s = start.astimezone(UTC)
    first = s.date() if s.time() == time.min else s.date() + timedelta(days=1)
    last = end.astimezone(UTC).date()
    if first >= last:
        return None
    return first, last


def instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def edges(
    start: datetime, end: datetime, days: tuple[date, date]
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) outside the whole days (at most two, each under a day)."""
    out = []
    if start < instant(days[0]):
        out.append((start, instant(days[0])))
    if instant(days[1]) < end:
        out.append((instant(days[1]), end))
    return out


def _key(dimension: str, value: Any) -> Any:
    if dimension == "all":
        return "all"
    if dimension == "team":
        return value or None
    if value == "":
        return None
    return int(value) if dimension in INT_KEYS else value


def counted(
    actor: User,
    metric: Metric,
    dimension: str,
    filters: dict[str, Any],
    days: tuple[date, date],
    stored: str,
    key: str | None,
) -> dict[Any, dict[str, Any]]:
    """key -> the metric's counts over the whole UTC days [first, last), read from the
    aggregate rows of the teams `actor` counts (every team for managers)."""
    qs = DailyFact.objects.filter(dimension=stored, day__gte=days[0], day__lt=days[1])
    sums = {name: Sum(columns[0]) for name, columns in COUNTS[metric.name].items()}
    rows = _summed(actor, qs, dimension, filters, key, sums)
    out: dict[Any, dict[str, Any]] = {}
    for value, counts in rows:
        if not counts.get("n"):
            continue
        out[_key(dimension, value)] = {k: v or 0 for k, v in counts.items()}
    return out


def histograms(
    actor: User,
    metric: Metric,
    dimension: str,
    filters: dict[str, Any],
    days: tuple[date, date],
    stored: str,
    key: str | None,
) -> dict[Any, list[int]]:
    """key -> the duration metric's bucket counts (BUCKET_COLUMNS' order) over the whole UTC
    days [first, last), from the histogram rows of the teams `actor` counts."""
    qs = DailyDuration.objects.filter(
        metric=DURATIONS[metric.name][0], dimension=stored, day__gte=days[0], day__lt=days[1]
    )
    sums = {name: Sum(name) for name in BUCKET_COLUMNS}
    rows = _summed(actor, qs, dimension, filters, key, sums)
    out: dict[Any, list[int]] = {}
    for value, counts in rows:
        buckets = [counts[name] or 0 for name in BUCKET_COLUMNS]
        if any(buckets):
            out[_key(dimension, value)] = buckets
    return out


def _summed(
    actor: User,
    qs: QuerySet[Any],
    dimension: str,
    filters: dict[str, Any],
    key: str | None,
    sums: dict[str, Sum],
) -> list[tuple[Any, dict[str, Any]]]:
    """The aggregate rows `qs` (one stored dimension, some days) narrowed to `key` and the team
    filter, of the teams `actor` counts, summed per value of `dimension` (one "all" row when
    it is not split): the shared read of `counted` and `histograms`."""
    _stored, group = SPLITS[dimension]
    if key is not None:
        qs = qs.filter(key=key)
    if filters.get("team") not in (None, ""):
        qs = qs.filter(team_id=int(filters["team"]))
    qs = scoped(actor, qs)
    if group is None:
        return [("all", qs.aggregate(**sums))]
    return [(r.pop("g"), r) for r in qs.values(g=group_expr(group)).annotate(**sums).order_by()]


def percentile(buckets: list[int], p: float) -> int | None:
    """The p-quantile (nearest rank: rank ceil(p·n), as over the facts) estimated from
    bucket counts: the bucket holding that rank, and within it the rank's place among the
    bucket's counts spread evenly, (rank - counts below - ½) / count, interpolated
    geometrically between the bucket's edges (linearly in the first bucket, [0, 60 s); the
    last, open-ended bucket answers its lower edge). The answer is in the same bucket as the
    true value: docs/metrics.md, "Duration histograms", gives the error."""
    n = sum(buckets)
    if not n:
        return None
    rank = max(1, math.ceil(n * p))
    below = 0
    for k, count in enumerate(buckets):
        if below + count >= rank:
            place = (rank - below - 0.5) / count
            low = BUCKET_EDGES[k]
            if k + 1 >= len(BUCKET_EDGES):
                return low
            high = BUCKET_EDGES[k + 1]
            if k == 0:
                return math.floor(low + place * (high - low))
            return math.floor(low * (high / low) ** place)
        below += count
    return None  # pragma: no cover - the ranks are within n


def counts_all(actor: User) -> bool:
    """Whether `actor` counts every ticket (reports.selectors.facts_visible_to's rule)."""
    return bool(actor.is_manager or actor.sees_all_tickets or actor.is_admin)


def scoped(actor: User, qs: QuerySet[DailyFact]) -> QuerySet[DailyFact]:
    """The aggregate rows `actor` counts: every row, or their teams' rows."""
    return qs if counts_all(actor) else qs.filter(team_id__in=team_ids_of(actor))


def add_counts(into: dict[str, int], more: dict[str, Any]) -> None:
    for name, value in more.items():
        into[name] = into.get(name, 0) + (value or 0)


def group_expr(group: str) -> Any:
    from django.db.models import F

    return F(group)


def outside_teams(actor: User, qs: QuerySet[TicketFact]) -> QuerySet[TicketFact] | None:
    """For an agent who does not see every ticket: their facts outside their teams (the
    fact's team is not theirs, or none) that are assigned to them or requested by them, which
    the aggregate rows of their teams miss. None for readers who count every ticket.

    `qs`: the facts with the report's filters but NOT the access rule (this IS the rule's
    remaining part; joining the ticket here would walk every visible ticket). The query starts
    from two small index ranges: the facts assigned to the agent (`fact_assignee_team`:
    (assignee, team), the team tested in the index) and the tickets they requested (the
    tickets' requester index); a fact's assignee and team are its ticket's, copied in the
    same transaction."""
    if counts_all(actor):
        return None
    outside = Q(team_id__isnull=True) | ~Q(team_id__in=team_ids_of(actor))
    known = getattr(actor, "_outside_ids", None)
    if known is not None:  # read once for a whole page (`outside_read_once`)
        return qs.filter(outside, ticket_id__in=known) if known else qs.none()
    return qs.filter(outside, ticket_id__in=Subquery(_outside_candidates(actor)))


def _outside_candidates(actor: User) -> QuerySet[Any]:
    """The ids of the tickets that may be the agent's outside their teams: the facts assigned
    to them outside their teams, and the tickets they requested (index-only, both)."""
    outside = Q(team_id__isnull=True) | ~Q(team_id__in=team_ids_of(actor))
    assigned = TicketFact.objects.filter(outside, assignee_id=actor.pk).values("pk")
    requested = Ticket.objects.filter(requester_id=actor.pk).values("pk")
    return assigned.union(requested, all=True)


OUTSIDE_LIST_MAX = 2000


@contextmanager
def outside_read_once(actor: User) -> Iterator[None]:
    """Within the block, `outside_teams` filters by the candidates' ids read ONCE (one query)
    instead of repeating their subquery in every panel's or period's query, and answers no
    query at all when there are none (the usual case: an agent's tickets are in their
    teams). More than OUTSIDE_LIST_MAX candidates: the subquery, as without the block."""
    if counts_all(actor) or getattr(actor, "_outside_ids", None) is not None:
        yield
        return
    ids = list(_outside_candidates(actor).values_list("pk", flat=True)[: OUTSIDE_LIST_MAX + 1])
    if len(ids) > OUTSIDE_LIST_MAX:
        yield
        return
    actor._outside_ids = ids  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del actor._outside_ids  # type: ignore[attr-defined]


def _open_condition() -> Expression:
    """The open statuses as literal SQL on the facts' table, the same terms in the same order
    as the partial index fact_open_work, so that SQLite (and PostgreSQL) may read that index."""
    return literal_in(TicketFact, "status", OPEN_STATUSES)


def open_facts(actor: User) -> list[QuerySet[TicketFact]]:
    """The open facts `actor` counts, as disjoint querysets to count separately and add:
    every open fact (managers), or those of the agent's teams plus their open facts outside
    their teams (`outside_teams`). Each reads the partial index of the open facts
    (fact_open_work: status, team, assignee, priority, resolution SLA, creation), index-only, or the
    agent's own small ranges: the dashboard's backlog and workload at a million tickets."""
    facts = TicketFact.objects.filter(_open_condition())
    if counts_all(actor):
        return [facts]
    teams = team_ids_of(actor)
    parts = [facts.filter(team_id__in=teams)] if teams else []
    outside = outside_teams(actor, facts)
    assert outside is not None
    return [*parts, outside]


def add(into: dict[Any, dict[str, Any]], more: dict[Any, dict[str, Any]]) -> None:
    for key, counts in more.items():
        row = into.setdefault(key, {})
        for name, value in counts.items():
            row[name] = (row.get(name) or 0) + (value or 0)
