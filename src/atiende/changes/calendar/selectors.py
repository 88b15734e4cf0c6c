"""The change calendar: which days a month or week view shows, how changes fall into them,
and the one query that reads them.

Pure grid arithmetic first (dates, ranges in the viewer's time zone, per-day buckets with
"+N more"), then the reads: the changes of a range (only the columns a calendar shows, one
range scan of the planned-window index), blackouts of a range, and the CAB agenda.
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from atiende.accounts.models import User
from atiende.cmdb.models import IMPACT_DIRECTION, ConfigurationItem, Relation, TicketItem
from atiende.cmdb.selectors import MAX_DEPTH, services_by_item
from atiende.tickets.models import Status, Ticket

from ..models import (
    Approval,
    ApprovalStatus,
    BlackoutWindow,
    ChangeConflict,
    ChangeDetails,
    ChangeType,
)
from ..selectors import changes_visible_to

MONTH = "month"
WEEK = "week"
LIST = "list"
VIEWS = (MONTH, WEEK, LIST)

# A month cell shows this many changes, then "+N more" (a link to that day in the list view).
MONTH_CELL_ITEMS = 3
# A week column shows this many before "+N more".
WEEK_CELL_ITEMS = 40

T = TypeVar("T")


def week_start(day: date) -> date:
    """The Monday of `day`'s week (ISO weeks, as in Spain and most of Europe)."""
    return day - timedelta(days=day.weekday())


def month_days(year: int, month: int) -> list[date]:
    """The days a month grid shows: whole weeks, Monday first, covering the month."""
    first = date(year, month, 1)
    last = date(year, month, pycalendar.monthrange(year, month)[1])
    start = week_start(first)
    end = week_start(last) + timedelta(days=7)
    return [start + timedelta(days=n) for n in range((end - start).days)]


def week_days(day: date) -> list[date]:
    start = week_start(day)
    return [start + timedelta(days=n) for n in range(7)]


def local_range(days: Sequence[date], tz: tzinfo) -> tuple[datetime, datetime]:
    """The aware [start, end) instants that the shown days cover in the viewer's time zone."""
    start = datetime.combine(days[0], time.min, tzinfo=tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Cell(Generic[T]):
    """One day of a grid: the first few entries and how many more there are."""

    day: date
    in_month: bool = True
    shown: list[T] = field(default_factory=list)
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.shown) + self.more


def inward(moment: datetime) -> datetime:
    """A stored moment at the very ends of Python's calendar (year 1 or 9999, saved before
    dates were bounded) taken two days inwards, so that showing it in any time zone cannot
    overflow: one old record must not take a shared page down."""
    if 1 < moment.year < 9999:
        return moment
    return moment + timedelta(days=2 if moment.year == 1 else -2)


def local(moment: datetime, tz: tzinfo) -> datetime:
    """`moment` in the viewer's time zone (see `inward`)."""
    return inward(moment).astimezone(tz)


def spanned_days(start: datetime, end: datetime, tz: tzinfo) -> tuple[date, date]:
    """First and last local day a [start, end) window touches (an end at midnight does not
    touch the next day)."""
    first = local(start, tz).date()
    local_end = local(end, tz)
    last = local_end.date()
    if local_end.time() == time.min and last > first:
        last -= timedelta(days=1)
    return first, max(first, last)


def bucket(
    entries: Iterable[T],
    days: Sequence[date],
    tz: tzinfo,
    *,
    window: Callable[[T], tuple[datetime, datetime]],
    per_cell: int,
    month: int | None = None,
) -> list[Cell[T]]:
    """Put each entry on every shown day its window touches; keep `per_cell` per day in the
    order given (callers pass entries sorted by start) and count the rest."""
    cells = [Cell[T](day=d, in_month=month is None or d.month == month) for d in days]
    first_day = days[0]
    count = len(days)
    midnight = time.min
    one_day = timedelta(days=1)
    for entry in entries:
        start, end = window(entry)
        first = start.astimezone(tz).date()  # entries() keeps them clear of the calendar's ends
        local_end = end.astimezone(tz)
        last = local_end.date()
        if last > first and local_end.time() == midnight:
            last -= one_day  # an end at midnight does not touch the next day
        lo = max((first - first_day).days, 0)
        hi = min((last - first_day).days, count - 1)
        for index in range(lo, hi + 1):
            cell = cells[index]
            if len(cell.shown) < per_cell:
                cell.shown.append(entry)
            else:
                cell.more += 1
    return cells


def weeks(cells: list[Cell[T]]) -> list[list[Cell[T]]]:
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


# --- reads -----------------------------------------------------------------------------------


@dataclass
class CalendarFilters:
    service: int | None = None
    team: int | None = None
    change_type: str | None = None
    status: list[str] = field(default_factory=list)


# Shown unless the status filter asks for them: they will not happen.
HIDDEN_BY_DEFAULT = (Status.CANCELLED, Status.REJECTED)


@dataclass(eq=False)
class Entry:
    """One change as the calendar shows it (no model instance: a month may hold 10,000).
    `has_conflict` comes with the query (`entries(conflicts=True)`) or is filled by
    `mark_conflicts` for the entries a page actually shows."""

    id: int
    number: str
    title: str
    status: str
    change_type: str
    risk_level: str
    start: datetime
    end: datetime
    team_id: int | None
    has_conflict: bool = False

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.change_type, self.change_type))


STATUS_LABELS = dict(Status.choices)  # lazy labels, translated when shown
TYPE_LABELS = dict(ChangeType.choices)


ENTRY_COLUMNS = (
    "pk", "number", "title", "status", "change__change_type", "change__risk_level",
    "change__planned_start", "change__planned_end", "team_id",
)  # fmt: skip


def items_serving(service_id: int) -> set[int]:
    """The service and every item whose failure impacts it (walking the relations against
    the impact direction, level by level, each level one indexed query)."""
    found = {service_id}
    frontier = {service_id}
    upward = [t for t, side in IMPACT_DIRECTION.items() if side == "source"]
    downward = [t for t, side in IMPACT_DIRECTION.items() if side == "target"]
    for _depth in range(MAX_DEPTH):
        ids = list(frontier)
        causes = set(
            Relation.objects.filter(source_id__in=ids, type__in=upward).values_list(
                "target_id", flat=True
            )
        ) | set(
            Relation.objects.filter(target_id__in=ids, type__in=downward).values_list(
                "source_id", flat=True
            )
        )
        frontier = causes - found
        if not frontier:
            break
        found |= frontier
    return found


def changes_in_range(
    actor: User, start: datetime, end: datetime, filters: CalendarFilters | None = None
) -> QuerySet[Ticket]:
    """The visible changes whose planned window overlaps [start, end)."""
    filters = filters or CalendarFilters()
    from ..conflicts import scan_start

    changes = changes_visible_to(actor).filter(
        change__planned_start__gte=scan_start(start),
        change__planned_start__lt=end,
        change__planned_end__gt=start,
    )
    if filters.status:
        changes = changes.filter(status__in=filters.status)
    else:
        changes = changes.exclude(status__in=HIDDEN_BY_DEFAULT)
    if filters.team:
        changes = changes.filter(team_id=filters.team)
    if filters.change_type:
        changes = changes.filter(change__change_type=filters.change_type)
    if filters.service:
        serving = items_serving(filters.service)
        changes = changes.filter(
            pk__in=TicketItem.objects.filter(item_id__in=serving).values("ticket_id")
        )
    return changes


def entries(
    actor: User,
    start: datetime,
    end: datetime,
    filters: CalendarFilters | None = None,
    *,
    limit: int | None = None,
    conflicts: bool = True,
) -> list[Entry]:
    """The changes of a range, earliest first, as plain entries, in one query; with
    `conflicts`, each flagged by an EXISTS on its stored conflicts (a semi-join: cheaper for
    thousands of entries than lists of ids; a page that shows a few of many entries asks
    without and marks the shown ones with `mark_conflicts`)."""
    rows = changes_in_range(actor, start, end, filters).order_by("change__planned_start", "pk")
    if conflicts:
        rows = rows.annotate(
            flagged=Exists(ChangeConflict.objects.filter(change_id=OuterRef("pk")))
        )
    # Datetimes are read as text and parsed with datetime.fromisoformat (C): Django parses
    # them in Python value by value (on SQLite, and through its own timestamptz loader on
    # PostgreSQL), which for the 20,000 datetimes of a busy month costs more than the query.
    texts = rows.annotate(
        start_text=Cast("change__planned_start", CharField()),
        end_text=Cast("change__planned_end", CharField()),
    ).values_list(
        *ENTRY_COLUMNS[:6], "start_text", "end_text", ENTRY_COLUMNS[8],
        *(["flagged"] if conflicts else []),
    )  # fmt: skip
    if limit is not None:
        texts = texts[:limit]
    suffix = "+00:00" if connection.vendor == "sqlite" else ""  # SQLite stores naive UTC
    parse = datetime.fromisoformat
    found = [
        Entry(
            id=row[0],
            number=row[1],
            title=row[2],
            status=row[3],
            change_type=row[4],
            risk_level=row[5],
            start=inward(parse(row[6] + suffix)),
            end=inward(parse(row[7] + suffix)),
            team_id=row[8],
            has_conflict=conflicts and bool(row[9]),
        )
        for row in texts
    ]
    return found


CONFLICT_CHUNK = 5000


def mark_conflicts(shown: Iterable[Entry]) -> None:
    """Set `has_conflict` on the entries (one query per 5,000 distinct changes)."""
    by_id: dict[int, list[Entry]] = defaultdict(list)
    for entry in shown:
        by_id[entry.id].append(entry)
    ids = sorted(by_id)
    for first in range(0, len(ids), CONFLICT_CHUNK):
        chunk = ids[first : first + CONFLICT_CHUNK]
        flagged = ChangeConflict.objects.filter(change_id__in=chunk).values_list(
            "change_id", flat=True
        )
        for pk in set(flagged):
            for entry in by_id[pk]:
                entry.has_conflict = True


def blackouts_in_range(start: datetime, end: datetime) -> list[BlackoutWindow]:
    return list(
        BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("items")
        .order_by("starts_at", "id")
    )


# --- conflicts of a change ---------------------------------------------------------------------


@dataclass
class ConflictView:
    conflict: ChangeConflict
    items: list[ConfigurationItem]
    services: list[ConfigurationItem]


@dataclass
class ChangeConflicts:
    shown: list[ConflictView]
    hidden: int  # conflicts with changes the actor may not see (counted, never described)

    @property
    def total(self) -> int:
        return len(self.shown) + self.hidden


def conflicts_of(actor: User, ticket: Ticket) -> ChangeConflicts:
    """The stored conflicts of a change the actor can see (three queries)."""
    rows = list(
        ChangeConflict.objects.filter(change_id=ticket.pk)
        .select_related("other", "blackout")
        .prefetch_related("blackout__items")
        .order_by("kind", "id")
    )
    others = [r.other_id for r in rows if r.other_id is not None]
    visible = set(changes_visible_to(actor).filter(pk__in=others).values_list("pk", flat=True))
    shown = [r for r in rows if r.other_id is None or r.other_id in visible]
    ids = {i for r in shown for i in (*r.item_ids, *r.service_ids)}
    named = ConfigurationItem.objects.in_bulk(list(ids)) if ids else {}
    views = [
        ConflictView(
            conflict=r,
            items=[named[i] for i in r.item_ids if i in named],
            services=[named[i] for i in r.service_ids if i in named],
        )
        for r in shown
    ]
    return ChangeConflicts(shown=views, hidden=len(rows) - len(shown))


# --- CAB agenda --------------------------------------------------------------------------------

AGENDA_DAYS = 14
AGENDA_MAX_DAYS = 90
AGENDA_LIMIT = 200


@dataclass
class AgendaItem:
    ticket: Ticket
    conflicts: list[ChangeConflict]
    services: list[ConfigurationItem]
    approvals: list[Approval]

    @property
    def details(self) -> ChangeDetails:
        return self.ticket.change

    def approvals_with(self, status: str) -> int:
        return sum(1 for a in self.approvals if a.status == status)

    @property
    def approved(self) -> int:
        return self.approvals_with(ApprovalStatus.APPROVED)

    @property
    def pending(self) -> int:
        return self.approvals_with(ApprovalStatus.PENDING)

    @property
    def rejected(self) -> int:
        return self.approvals_with(ApprovalStatus.REJECTED)


@dataclass
class Agenda:
    awaiting: list[AgendaItem]  # in authorisation, earliest window first
    upcoming: list[AgendaItem]  # scheduled to start within `days`
    days: int
    until: datetime


def cab_agenda(actor: User, *, now: datetime, days: int = AGENDA_DAYS) -> Agenda:
    """The changes awaiting authorisation and those scheduled in the next `days`, each with
    its risk, conflicts, impacted services and approvals: six queries whatever the count."""
    until = now + timedelta(days=days)
    tickets = list(
        changes_visible_to(actor)
        .filter(
            Q(status=Status.AUTHORISATION)
            | Q(
                status=Status.SCHEDULED,
                change__planned_start__gte=now,
                change__planned_start__lt=until,
            )
        )
        .select_related("change", "requester", "team", "assignee")
        .order_by(F("change__planned_start").asc(nulls_last=True), "pk")[:AGENDA_LIMIT]
    )
    ids = [t.pk for t in tickets]
    conflicts: dict[int, list[ChangeConflict]] = defaultdict(list)
    for row in (
        ChangeConflict.objects.filter(change_id__in=ids)
        .select_related("other", "blackout")
        .prefetch_related("blackout__items")
        .order_by("kind", "id")
    ):
        conflicts[row.change_id].append(row)
    items: dict[int, set[int]] = defaultdict(set)
    for ticket_id, item_id in TicketItem.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "item_id"
    ):
        items[ticket_id].add(item_id)
    served = services_by_item({i for its in items.values() for i in its})
    service_ids = {s for its in served.values() for s in its}
    services = ConfigurationItem.objects.in_bulk(list(service_ids)) if service_ids else {}
    approvals: dict[int, list[Approval]] = defaultdict(list)
    for approval in (
        Approval.objects.filter(change_id__in=ids)
        .exclude(status=ApprovalStatus.WITHDRAWN)
        .select_related("approver", "board")
        .order_by("created_at", "id")
    ):
        approvals[approval.ticket_id].append(approval)  # a change's ticket is its id

    def item(ticket: Ticket) -> AgendaItem:
        ids_ = {s for i in items[ticket.pk] for s in served.get(i, ())}
        return AgendaItem(
            ticket=ticket,
            conflicts=conflicts[ticket.pk],
            services=sorted((services[s] for s in ids_ if s in services), key=lambda c: c.name),
            approvals=approvals[ticket.pk],
        )

    agenda = [item(t) for t in tickets]
    return Agenda(
        awaiting=[a for a in agenda if a.ticket.status == Status.AUTHORISATION],
        upcoming=[a for a in agenda if a.ticket.status == Status.SCHEDULED],
        days=days,
        until=until,
    )
