"""Daily aggregates of the ticket facts (models.DailyFact; docs/metrics.md, "Daily aggregates").

A fact contributes counts to a few rows: on its creation day (created, SLA clock states,
team hops), on its last resolution day (resolved, first-contact, reopened: when resolved or
closed now) and on its closing day (closed); on each of those days once per stored
dimension (DAILY_DIMENSIONS), under its current team. Days are UTC dates; the "hour"
dimension's key is the UTC hour within the day, so its rows give days, weeks and months cut
at any whole-hour time zone's midnight.

Two ways to the same rows, held equal by tests/reports/test_daily_property.py:

- `apply(before, after)`: the delta of one fact's change (its old contribution out, its new
  one in), written in ONE statement (`core.bulk.add_to`: insert-or-add) inside the
  transaction that changes the fact: it commits or rolls back with the ticket's change;
- `rebuild(days)`: the rows of whole days recomputed from the facts, the difference added
  (the reconciliation job, and the first fill).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate

from atiende.core import bulk
from atiende.sla.models import ClockState

from .models import (
    BUCKET_COLUMNS,
    BUCKET_EDGES,
    DAILY_COUNTS,
    DAILY_DIMENSIONS,
    DURATION_DIMENSIONS,
    DURATIONS,
    DailyDuration,
    DailyFact,
    TicketFact,
    bucket_of,
)

RESOLVED = ("resolved", "closed")
KEYS = ("dimension", "day", "team_id", "key")
# Stored dimension -> the fact attribute holding its value.
SOURCE = {
    "kind": "kind",
    "agent": "assignee_id",
    "category": "category_id",
    "organization": "organization_id",
    "channel": "channel",
    "priority": "priority",
    "hour": "",  # the UTC hour of the day the count belongs to ("00".."23")
}
Key = tuple[str, date, int, str]


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def utc_hour(moment: datetime) -> tuple[date, int]:
    moment = moment.astimezone(UTC)
    return moment.date(), moment.hour


def _get(fact: Any, name: str) -> Any:
    return fact[name] if isinstance(fact, dict) else getattr(fact, name)


def _by_hour(fact: Any) -> dict[tuple[date, int], Counter[str]]:
    """What one fact counts in each UTC hour it touches, before splitting by dimension."""
    out: dict[tuple[date, int], Counter[str]] = defaultdict(Counter)
    created = out[utc_hour(_get(fact, "created_at"))]
    created["created"] += 1
    for prefix, column in (("fr", "first_response_sla"), ("res", "resolution_sla")):
        state = _get(fact, column)
        if state:
            created[f"{prefix}_clocks"] += 1
        if state == ClockState.MET:
            created[f"{prefix}_met"] += 1
        elif state == ClockState.BREACHED:
            created[f"{prefix}_breached"] += 1
        elif state in (ClockState.RUNNING, ClockState.PAUSED):
            created[f"{prefix}_running"] += 1
    hops = _get(fact, "team_hops") or 0
    if hops:
        created["hops"] += hops
        created["hop_hits"] += 1
    resolved_at = _get(fact, "resolved_at")
    if resolved_at is not None and _get(fact, "status") in RESOLVED:
        resolved = out[utc_hour(resolved_at)]
        resolved["resolved"] += 1
        reopened = (_get(fact, "reopen_count") or 0) > 0
        if not reopened and not hops and (_get(fact, "agent_replies") or 0) <= 1:
            resolved["fcr_hits"] += 1
        if reopened:
            resolved["reopen_hits"] += 1
    closed_at = _get(fact, "closed_at")
    if closed_at is not None:
        out[utc_hour(closed_at)]["closed"] += 1
    return out


def _key_value(value: Any) -> str:
    return "" if value is None else str(value)


def contribution(fact: Any) -> dict[Key, Counter[str]]:
    """The rows one fact (a TicketFact or a dict of its columns) adds to, and how much."""
    if fact is None:
        return {}
    team = _get(fact, "team_id") or 0
    out: dict[Key, Counter[str]] = defaultdict(Counter)
    for (day, hour), counts in _by_hour(fact).items():
        for dimension in DAILY_DIMENSIONS:
            if dimension == "hour":
                value = f"{hour:02d}"
            else:
                value = _key_value(_get(fact, SOURCE[dimension]))
            out[(dimension, day, team, value)].update(counts)
    return out


def snapshot(fact: Any) -> dict[str, Any] | None:
    """The columns a contribution depends on, copied (to compare before and after a change)."""
    if fact is None:
        return None
    out = {
        name: _get(fact, name)
        for name in ("created_at", "resolved_at", "closed_at", "status", "team_id",
                     "first_response_sla", "resolution_sla", "team_hops", "reopen_count",
                     "agent_replies", *[c for c in SOURCE.values() if c])
    }  # fmt: skip
    # The durations (a new fact's columns may not name them yet: none measured).
    for _code, column, _basis in DURATIONS.values():
        out[column] = fact.get(column) if isinstance(fact, dict) else getattr(fact, column)
    return out


def delta(before: Any, after: Any) -> dict[Key, Counter[str]]:
    """New contribution minus old, without the rows that do not change."""
    return _difference(contribution(before), contribution(after))


def _write(changes: dict[Key, Counter[str]]) -> None:
    _add(DailyFact, KEYS, DAILY_COUNTS, changes)


def _add(model: Any, keys: Sequence[str], columns: Sequence[str], changes: dict) -> None:
    """Add `changes` ({key: counts}) to the rows of `model` in one insert-or-add."""
    rows = [(*key, *[c.get(name, 0) for name in columns]) for key, c in changes.items()]
    rows.sort()  # one order for every writer: fewer deadlocks on PostgreSQL
    bulk.add_to(model, keys, columns, rows)


def apply(before: Any, after: Any) -> None:
    """Add the delta of one fact's change (`before`/`after`: snapshots, None when absent) to
    the daily rows and the duration histograms. Call inside the transaction that writes the
    fact."""
    if before == after:
        return
    changes = delta(before, after)
    if changes:
        _write(changes)
    moved = duration_delta(before, after)
    if moved:
        _write_durations(moved)


def apply_many(pairs: Iterable[tuple[Any, Any]]) -> None:
    total: dict[Key, Counter[str]] = defaultdict(Counter)
    moved: dict[DKey, Counter[str]] = defaultdict(Counter)
    for before, after in pairs:
        if before != after:
            for key, counts in delta(before, after).items():
                total[key].update(counts)
            for dkey, counts in duration_delta(before, after).items():
                moved[dkey].update(counts)
    changes = {key: c for key, c in total.items() if any(c.values())}
    if changes:
        _write(changes)
    moved_rows = {key: c for key, c in moved.items() if any(c.values())}
    if moved_rows:
        _write_durations(moved_rows)


# -- duration histograms ----------------------------------------------------------------------

DKEYS = ("metric", "dimension", "day", "team_id", "key")
DKey = tuple[str, str, date, int, str]


def duration_contribution(fact: Any) -> dict[DKey, Counter[str]]:
    """The histogram rows one fact adds one count to: for each duration it has (first
    response: on its creation day; resolution: on its resolution day, when resolved or
    closed now), the bucket of its value, once per stored dimension, under its team."""
    if fact is None:
        return {}
    team = _get(fact, "team_id") or 0
    out: dict[DKey, Counter[str]] = {}
    for code, column, basis in DURATIONS.values():
        value = _get(fact, column)
        moment = _get(fact, basis)
        if value is None or moment is None:
            continue
        if basis == "resolved_at" and _get(fact, "status") not in RESOLVED:
            continue
        day = utc_day(moment)
        bucket = BUCKET_COLUMNS[bucket_of(value)]
        for dimension in DURATION_DIMENSIONS:
            value_key = _key_value(_get(fact, SOURCE[dimension]))
            out[(code, dimension, day, team, value_key)] = Counter({bucket: 1})
    return out


def duration_delta(before: Any, after: Any) -> dict[DKey, Counter[str]]:
    """New histogram contribution minus old: a duration that changes moves one count from
    its old bucket (or row) to its new one."""
    return _difference(duration_contribution(before), duration_contribution(after))


def _write_durations(changes: dict[DKey, Counter[str]]) -> None:
    _add(DailyDuration, DKEYS, BUCKET_COLUMNS, changes)


def _duration_query(code: str, dimension: str, start: datetime, end: datetime) -> Any:
    """The histogram rows of one metric and dimension for [start, end), from the facts, as a
    grouped query whose columns are DKEYS then BUCKET_COLUMNS (each bucket a filtered
    count): what `recompute_durations` reads and `fill_durations` inserts."""
    from django.db.models import CharField, IntegerField, Value
    from django.db.models.functions import Cast, Coalesce

    _metric, column, basis = next(d for d in DURATIONS.values() if d[0] == code)
    population = TicketFact.objects.filter(
        **{f"{basis}__gte": start, f"{basis}__lt": end, f"{column}__isnull": False}
    )
    if basis == "resolved_at":
        population = population.filter(status__in=RESOLVED)
    source = SOURCE[dimension]
    counts = {}
    for k, name in enumerate(BUCKET_COLUMNS):
        within = Q(**{f"{column}__gte": BUCKET_EDGES[k]})
        if k + 1 < len(BUCKET_EDGES):
            within &= Q(**{f"{column}__lt": BUCKET_EDGES[k + 1]})
        counts[name] = Count("pk", filter=within)
    return (
        population.annotate(
            g_metric=Value(code, output_field=CharField()),
            g_dimension=Value(dimension, output_field=CharField()),
            g_day=_day_expr(basis),
            g_team=Coalesce(F("team_id"), Value(0), output_field=IntegerField()),
            g_key=Coalesce(Cast(F(source), CharField()), Value(""), output_field=CharField()),
        )
        .values("g_metric", "g_dimension", "g_day", "g_team", "g_key")
        .annotate(**counts)
        .order_by()
    )


def recompute_durations(first: date, last: date) -> dict[DKey, Counter[str]]:
    start, end = _range(first, last)
    wanted: dict[DKey, Counter[str]] = {}
    for code, _column, _basis in DURATIONS.values():
        for dimension in DURATION_DIMENSIONS:
            for row in _duration_query(code, dimension, start, end).values_list(
                "g_metric", "g_dimension", "g_day", "g_team", "g_key", *BUCKET_COLUMNS
            ):
                key = (row[0], row[1], _as_date(row[2]), row[3] or 0, row[4] or "")
                wanted[key] = Counter(
                    {n: c for n, c in zip(BUCKET_COLUMNS, row[5:], strict=True) if c}
                )
    return wanted


def stored_durations(first: date, last: date, *, lock: bool = False) -> dict[DKey, Counter[str]]:
    return _stored(DailyDuration, DKEYS, BUCKET_COLUMNS, first, last, lock)  # type: ignore[return-value]


def _rebuild_durations(first: date, last: date) -> int:
    have = stored_durations(first, last, lock=connection.vendor == "postgresql")
    changes = _difference(have, recompute_durations(first, last))
    if changes:
        _write_durations(changes)
    zero = Q(**dict.fromkeys(BUCKET_COLUMNS, 0))
    DailyDuration.objects.filter(zero, day__gte=first, day__lte=last).delete()
    return len(changes)


def fill_durations(first: date, last: date) -> int:
    """Replace the histogram rows of the UTC days first..last by their recomputation, set-
    based: one `INSERT … SELECT` per metric and dimension (core.bulk.insert_select), for the
    first fill after an upgrade (a million facts in minutes, where `rebuild` reads every row
    into Python). Not for a live desk's days: concurrent deltas are not merged (use
    `rebuild`). Answers the rows written."""
    start, end = _range(first, last)
    written = 0
    with transaction.atomic():
        DailyDuration.objects.filter(day__gte=first, day__lte=last).delete()
        for code, _column, _basis in DURATIONS.values():
            for dimension in DURATION_DIMENSIONS:
                written += bulk.insert_select(
                    DailyDuration, (*DKEYS, *BUCKET_COLUMNS),
                    _duration_query(code, dimension, start, end),
                )  # fmt: skip
    return written


# -- rebuild from the facts ------------------------------------------------------------------


def _range(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC),
    )


def recompute(first: date, last: date) -> dict[Key, Counter[str]]:
    """The rows of the UTC days first..last from the facts: per stored dimension, one grouped
    query per basis (created, resolved, closed day)."""
    start, end = _range(first, last)
    wanted: dict[Key, Counter[str]] = defaultdict(Counter)
    facts = TicketFact.objects.all()
    fcr = Q(reopen_count=0, team_hops=0, agent_replies__lte=1)
    bases = (
        ("created_at", Q(), {
            "created": Count("pk"),
            "fr_clocks": Count("pk", filter=~Q(first_response_sla="")),
            "fr_met": Count("pk", filter=Q(first_response_sla=ClockState.MET)),
            "fr_breached": Count("pk", filter=Q(first_response_sla=ClockState.BREACHED)),
            "fr_running": Count("pk", filter=Q(first_response_sla__in=(ClockState.RUNNING, ClockState.PAUSED))),
            "res_clocks": Count("pk", filter=~Q(resolution_sla="")),
            "res_met": Count("pk", filter=Q(resolution_sla=ClockState.MET)),
            "res_breached": Count("pk", filter=Q(resolution_sla=ClockState.BREACHED)),
            "res_running": Count("pk", filter=Q(resolution_sla__in=(ClockState.RUNNING, ClockState.PAUSED))),
            "hops": Sum("team_hops"),
            "hop_hits": Count("pk", filter=Q(team_hops__gt=0)),
        }),
        ("resolved_at", Q(status__in=RESOLVED), {
            "resolved": Count("pk"),
            "fcr_hits": Count("pk", filter=fcr),
            "reopen_hits": Count("pk", filter=Q(reopen_count__gt=0)),
        }),
        ("closed_at", Q(), {"closed": Count("pk")}),
    )  # fmt: skip
    for column, extra, agg in bases:
        population = facts.filter(extra, **{f"{column}__gte": start, f"{column}__lt": end})
        for dimension in DAILY_DIMENSIONS:
            value: Any = F(SOURCE[dimension]) if SOURCE[dimension] else None
            if dimension == "hour":
                value = ExtractHour(column, tzinfo=UTC)
            grouped = (
                population.annotate(d=_day_expr(column), v=value)
                .values_list("d", "team_id", "v")
                .annotate(**agg)
                .order_by()
            )
            names = list(agg)
            for day, team, value, *counts in grouped:
                if dimension == "hour":
                    value = f"{value:02d}"
                key = (dimension, _as_date(day), team or 0, _key_value(value))
                for name, n in zip(names, counts, strict=True):
                    if n:
                        wanted[key][name] += n
    return wanted


def _day_expr(column: str) -> Any:
    return TruncDate(column, tzinfo=UTC)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def stored(first: date, last: date, *, lock: bool = False) -> dict[Key, Counter[str]]:
    return _stored(DailyFact, KEYS, DAILY_COUNTS, first, last, lock)  # type: ignore[return-value]


def _stored(
    model: Any, keys: Sequence[str], columns: Sequence[str], first: date, last: date, lock: bool
) -> dict[tuple, Counter[str]]:
    """The rows of `model` (DailyFact or DailyDuration) for the UTC days first..last, keyed by
    `keys`, their nonzero `columns` (locked with `lock`: a rebuild's read)."""
    qs = model.objects.filter(day__gte=first, day__lte=last)
    if lock:
        qs = qs.select_for_update()
    n = len(keys)
    return {
        tuple(row[:n]): Counter({name: v for name, v in zip(columns, row[n:], strict=True) if v})
        for row in qs.values_list(*keys, *columns)
    }


def _difference(have: dict[Any, Counter[str]], want: dict[Any, Counter[str]]) -> dict:
    """What to add to the stored rows `have` to make them `want` (rows that differ only)."""
    changes = {}
    for key in set(have) | set(want):
        diff = Counter(want.get(key, Counter()))
        diff.subtract(have.get(key, Counter()))
        if any(diff.values()):
            changes[key] = diff
    return changes


def rebuild(first: date, last: date) -> int:
    """Make the rows of the UTC days first..last equal to their recomputation from the facts,
    in one transaction: lock the days' rows (PostgreSQL; SQLite's write transaction holds the
    database), read the facts, add the difference (insert-or-add, like the deltas: a delta
    written by an action that commits meanwhile is added to, never overwritten). Rows that
    end at zero are deleted. Answers the rows changed."""
    with transaction.atomic():
        have = stored(first, last, lock=connection.vendor == "postgresql")
        changes = _difference(have, recompute(first, last))
        if changes:
            _write(changes)
        zero = Q(**dict.fromkeys(DAILY_COUNTS, 0))
        DailyFact.objects.filter(zero, day__gte=first, day__lte=last).delete()
        return len(changes) + _rebuild_durations(first, last)


def days_of(ticket_facts: Sequence[Any]) -> set[date]:
    return {day for fact in ticket_facts for (_d, day, _t, _k) in contribution(fact)}
