"""The change calendar: which days a month or week view shows, and how changes fall into them.

Pure grid arithmetic at the top (dates, ranges in the viewer's time zone, per-day buckets with
"+N more"); the queries that fill the grid live in `selectors_calendar`... kept here below
the grid code so one module answers "what does the calendar show".
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

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


def spanned_days(start: datetime, end: datetime, tz: tzinfo) -> tuple[date, date]:
    """First and last local day a [start, end) window touches (an end at midnight does not
    touch the next day)."""
    first = start.astimezone(tz).date()
    local_end = end.astimezone(tz)
    last = local_end.date()
    if local_end.time() == time.min and last > first:
        last -= timedelta(days=1)
    return first, max(first, last)


def bucket(
    entries: Iterable[T],
    days: Sequence[date],
    tz: tzinfo,
    *,
    window: callable,  # type: ignore[valid-type]
    per_cell: int,
    month: int | None = None,
) -> list[Cell[T]]:
    """Put each entry on every shown day its window touches; keep `per_cell` per day in the
    order given (callers pass entries sorted by start) and count the rest."""
    cells = [Cell[T](day=d, in_month=month is None or d.month == month) for d in days]
    first_day = days[0]
    count = len(days)
    for entry in entries:
        start, end = window(entry)
        first, last = spanned_days(start, end, tz)
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
