"""Business calendars and business-time arithmetic (pure Python, no database).

A `Calendar` says when a service desk is working: weekly opening hours in a time zone, minus
public holidays (whole days, from the `holidays` package by country and subdivision, plus
custom dates) and minus closures (ranges of aware datetimes, e.g. "closed 2026-12-24 from
14:00"). On it:

- `is_open(instant)`
- `open_periods(start, end)`: the working periods that intersect [start, end), clipped to it;
- `next_open_periods(start, count)`: the next `count` whole periods that end after `start`
  (a calendar preview);
- `business_time_between(start, end)`: business time in [start, end) (zero if end <= start);
- `add_business_time(start, duration)`: the instant at which `duration` of business time has
  elapsed after `start`. Counting begins at `start` if open, else at the next opening. A
  deadline that uses up a period exactly is that period's end (e.g. 17:00), not the next
  opening. A zero duration returns `start` unchanged (as UTC), open or not.

Every argument is an aware datetime (naive ones are refused with ValueError); every result is
an aware datetime in UTC. Durations have microsecond resolution and the arithmetic is exact.
A negative duration, a calendar with no business time within 200 years of the start, and
instants outside the years 2..9997 raise ValueError instead of looping or overflowing.
Calendars are immutable values (hashable, comparable); the timeline cache is not part of them.

Conventions
-----------
- `WeeklyHours` holds, for each weekday 0=Monday..6=Sunday, sorted, non-overlapping
  (start, end) intervals of local wall time. `end=None` means "until midnight" (24:00);
  `time(0, 0)` is never an end. Touching intervals (08:00-14:00, 14:00-18:00) are merged.
  `WeeklyHours.parse({"mon-fri": "08:00-14:00, 15:00-18:00"})` accepts "24:00" for None.
- Periods never cross local midnight: a 24x7 calendar has one period per day, each from that
  day's first instant to the next day's. That keeps previews readable; the arithmetic does not
  care, since a period ending at the instant the next begins adds no gap.

Daylight saving time (and any other change of UTC offset)
---------------------------------------------------------
Hours are local wall time of each date. An interval [a, b) on a date is the real period from
the FIRST instant at which the wall clock shows a (or later) to the LAST instant at which it
shows a time before b. Hence:
- a wall time that does not exist (spring forward) maps to the instant of the jump, so
  01:00-04:00 on Madrid's spring-forward day (02:00 -> 03:00) is 2 h of real time, and an
  interval lying wholly inside the gap is empty;
- a wall time that happens twice (fall back) starts at its first occurrence and ends at its
  second, so 01:00-04:00 on Madrid's fall-back day (03:00 -> 02:00) is 4 h;
- "until midnight" ends where the next date begins, i.e. at that date's first instant. In
  America/Santiago clocks jump from 24:00 on Saturday to 01:00 on Sunday, so Sunday 00:00 does
  not exist: Saturday ends, and Sunday begins, at the jump (a 24x7 Sunday lasts 23 h); in
  April the hour 23:00-24:00 of Saturday happens twice and a 24x7 Saturday lasts 25 h.

How it is fast
--------------
A calendar lazily materialises a *timeline*: for a range of whole local years, the sorted list
of its open periods as integer microseconds since the Unix epoch (UTC), with a running total
of business time at the start of each period. Business time up to any instant is then one
binary search plus a subtraction, and a deadline is the inverse: the period where the running
total reaches the target, found by binary search. Long durations cost the same as short ones
(no day-by-day or week-by-week walking), DST and holidays are paid for once when a year is
built, and the timeline grows (doubling its span) when a computation runs past its end.
A 24x7 calendar without holidays or closures skips the timeline entirely.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from .holidays_source import holiday_dates

Interval = tuple[time, time | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000
_ONE_US = timedelta(microseconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIDNIGHT = time(0, 0)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A computation that finds no business time this many years ahead gives up (no endless loop
# on a calendar that is closed forever).
_HORIZON_YEARS = 200
_MIN_YEAR, _MAX_YEAR = 2, 9998  # keep a day of slack from datetime's limits


def _to_us(instant: datetime) -> int:
    try:
        delta = instant - _EPOCH
    except TypeError:  # naive (or not a datetime at all)
        raise ValueError(
            f"naive datetime {instant!r}: business time needs aware datetimes"
        ) from None
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + _ONE_US * us


def _duration_us(duration: timedelta) -> int:
    if duration < timedelta(0):
        raise ValueError(f"negative business duration {duration}")
    return (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds


# -- weekly hours --------------------------------------------------------------------------------


def _normalise_day(intervals: Iterable[Interval], weekday: int) -> tuple[Interval, ...]:
    cleaned: list[list] = []
    for start, end in sorted(intervals, key=lambda iv: iv[0]):
        if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
            raise ValueError("opening hours are local wall times; give times without tzinfo")
        if end is not None and end <= start:
            raise ValueError(
                f"{_WEEKDAYS[weekday]}: interval {start}-{end} ends before it starts "
                "(use None, or '24:00' when parsing, for 'until midnight')"
            )
        if cleaned:
            previous_end = cleaned[-1][1]
            if previous_end is None or previous_end > start:
                raise ValueError(f"{_WEEKDAYS[weekday]}: intervals overlap at {start}")
            if previous_end == start:  # touching: one interval
                cleaned[-1][1] = end
                continue
        cleaned.append([start, end])
    return tuple((start, end) for start, end in cleaned)


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours per weekday (0=Monday..6=Sunday) in local wall time; see module doc."""

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        days = tuple(self.days)
        if len(days) != 7:
            raise ValueError("weekly hours need exactly 7 days (Monday first)")
        object.__setattr__(
            self, "days", tuple(_normalise_day(day, i) for i, day in enumerate(days))
        )

    @classmethod
    def from_mapping(cls, mapping: Mapping[int, Iterable[Interval]]) -> WeeklyHours:
        """{weekday: [(start, end), ...]}; weekdays not given are closed."""
        for weekday in mapping:
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday} is not in 0 (Monday)..6 (Sunday)")
        return cls(tuple(tuple(mapping.get(i, ())) for i in range(7)))

    @classmethod
    def uniform(
        cls, intervals: Iterable[Interval], weekdays: Iterable[int] = range(5)
    ) -> WeeklyHours:
        """The same intervals on each of `weekdays` (default Monday to Friday)."""
        intervals = tuple(intervals)
        return cls.from_mapping(dict.fromkeys(weekdays, intervals))

    @classmethod
    def always(cls) -> WeeklyHours:
        """Open all day, every day."""
        return cls.uniform([(_MIDNIGHT, None)], range(7))

    @classmethod
    def parse(cls, spec: Mapping[str, str]) -> WeeklyHours:
        """From text, e.g. {"mon-fri": "08:00-14:00, 15:00-18:00", "sat": "10:00-24:00"}.

        Keys are weekday names (mon..sun), ranges of them ("mon-fri") or numbers ("0".."6");
        values are comma-separated HH:MM-HH:MM intervals, "24:00" meaning midnight (None).
        """
        mapping: dict[int, list[Interval]] = {}
        for key, text in spec.items():
            for weekday in _parse_weekdays(str(key)):
                if weekday in mapping:
                    raise ValueError(f"{_WEEKDAYS[weekday]} is given twice")
                mapping[weekday] = [
                    _parse_interval(part) for part in text.split(",") if part.strip()
                ]
        return cls.from_mapping(mapping)

    def to_strings(self) -> dict[str, str]:
        """The inverse of `parse` (one key per open weekday)."""
        return {
            _WEEKDAYS[i]: ", ".join(f"{_fmt(start)}-{_fmt(end)}" for start, end in day)
            for i, day in enumerate(self.days)
            if day
        }

    @property
    def is_always(self) -> bool:
        return all(day == ((_MIDNIGHT, None),) for day in self.days)

    @property
    def is_empty(self) -> bool:
        return not any(self.days)


def _parse_weekdays(key: str) -> list[int]:
    def one(name: str) -> int:
        name = name.strip().lower()
        if name.isdigit() and int(name) in range(7):
            return int(name)
        if name[:3] in _WEEKDAYS:
            return _WEEKDAYS.index(name[:3])
        raise ValueError(f"unknown weekday {name!r}")

    if "-" in key:
        first, last = (one(part) for part in key.split("-", 1))
        if last < first:
            raise ValueError(f"weekday range {key!r} runs backwards")
        return list(range(first, last + 1))
    return [one(key)]


_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_interval(text: str) -> Interval:
    match = _INTERVAL_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an interval like 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start = time(h1, m1)
        end = None if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    return start, end


def _fmt(value: time | None) -> str:
    return "24:00" if value is None else value.strftime("%H:%M")


# -- wall time -> UTC ----------------------------------------------------------------------------


def _wall_to_us(day: date, wall: time, tz: ZoneInfo, *, last: bool) -> int:
    """The instant (µs since epoch) of wall time `wall` on `day`: for a repeated wall time the
    first occurrence, or the last one when `last`; for a skipped one, the instant of the jump."""
    # Plain arithmetic on the two candidate offsets (fold=0 and fold=1): timelines are built
    # from this, so it is kept cheap.
    naive_us = (
        (day.toordinal() - _EPOCH_ORDINAL) * 86_400
        + wall.hour * 3_600
        + wall.minute * 60
        + wall.second
    ) * _US + wall.microsecond
    naive = datetime.combine(day, wall)
    first_us = naive_us - _offset_us(tz.utcoffset(naive))
    second_us = naive_us - _offset_us(tz.utcoffset(naive.replace(fold=1)))
    if first_us == second_us:  # exists exactly once
        return first_us
    if first_us < second_us:  # happens twice (fall back)
        return second_us if last else first_us
    # Skipped (spring forward): fold=1 reads it with the offset after the jump, landing before
    # the jump; fold=0 with the offset before, landing after. The jump lies between them.
    return _transition_us(second_us, first_us, tz)


def _offset_us(offset: timedelta | None) -> int:
    assert offset is not None  # a ZoneInfo always answers
    return (offset.days * 86_400 + offset.seconds) * _US + offset.microseconds


def _transition_us(before_us: int, after_us: int, tz: ZoneInfo) -> int:
    def offset(us: int) -> timedelta | None:
        return _from_us(us).astimezone(tz).utcoffset()

    target = offset(after_us)
    low, high = before_us // _US, -(-after_us // _US)  # tz transitions fall on whole seconds
    while high - low > 1:  # offset(low) != target == offset(high)
        middle = (low + high) // 2
        if offset(middle * _US) == target:
            high = middle
        else:
            low = middle
    return high * _US


# -- the timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timeline:
    """Open periods of whole local years [first_year, end_year), in µs since the epoch."""

    first_year: int
    end_year: int
    covers_from: int  # first instant of first_year (µs)
    covers_until: int  # first instant of end_year (µs)
    starts: list[int]
    ends: list[int]
    # running[i]: business µs from covers_from to starts[i]; running[-1]: the total.
    running: list[int]

    def elapsed(self, us: int) -> int:
        """Business µs from covers_from to `us` (covers_from <= us <= covers_until)."""
        i = bisect_right(self.ends, us)  # first period ending after us
        if i == len(self.starts) or us <= self.starts[i]:
            return self.running[i]
        return self.running[i] + us - self.starts[i]

    def instant_at(self, target: int) -> int:
        """The earliest instant where elapsed() reaches `target` (0 < target <= total)."""
        k = bisect_left(self.running, target, 1) - 1  # period k brings the total to target
        return self.starts[k] + target - self.running[k]


@dataclass(frozen=True)
class Calendar:
    """When a desk is working. `tz` is an IANA zone name; `closed_dates` are whole local days
    closed on top of the public holidays of `country`/`subdivision` (none when country is
    None); `closures` are (start, end) ranges of aware datetimes during which it is closed."""

    tz: str
    hours: WeeklyHours
    country: str | None = None
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    closures: tuple[tuple[datetime, datetime], ...] = ()
    _timeline: _Timeline | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd names
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        closures = []
        for start, end in self.closures:
            _to_us(start), _to_us(end)  # refuse naive datetimes now, not at first use
            if end < start:
                raise ValueError(f"closure {start} - {end} ends before it starts")
            closures.append((start, end))
        object.__setattr__(self, "closures", tuple(closures))
        if self.country is not None:
            holiday_dates(self.country, self.subdivision, [2000])  # unknown country: fail now
        elif self.subdivision is not None:
            raise ValueError("a subdivision needs a country")

    @classmethod
    def always_open(cls, tz: str = "UTC") -> Calendar:
        """24x7: every instant is business time."""
        return cls(tz=tz, hours=WeeklyHours.always())

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @cached_property
    def _continuous(self) -> bool:
        return (
            self.hours.is_always
            and self.country is None
            and not self.closed_dates
            and not self.closures
        )

    def holidays(self, years: Iterable[int]) -> dict[date, str]:
        """Whole closed days in `years`: public holidays and custom closed dates."""
        years = list(years)
        found = holiday_dates(self.country, self.subdivision, years) if self.country else {}
        for day in self.closed_dates:
            if day.year in years:
                found.setdefault(day, "")
        return dict(sorted(found.items()))

    # -- queries ---------------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        us = _to_us(instant)
        if self._continuous:
            return True
        timeline = self._covering(us, us)
        i = bisect_right(timeline.starts, us) - 1
        return i >= 0 and us < timeline.ends[i]

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        start_us, end_us = _to_us(start), _to_us(end)
        if end_us <= start_us:
            return timedelta(0)
        if self._continuous:
            return timedelta(microseconds=end_us - start_us)
        timeline = self._covering(start_us, end_us)
        return timedelta(microseconds=timeline.elapsed(end_us) - timeline.elapsed(start_us))

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        # The hot path of SLA deadlines: kept flat on purpose (see bench/sla_deadlines.py).
        start_us, wanted = _to_us(start), _duration_us(duration)
        if wanted == 0 or self._continuous:
            return _EPOCH + _ONE_US * (start_us + wanted)
        timeline = self._timeline
        if not (timeline is not None and timeline.covers_from <= start_us <= timeline.covers_until):
            timeline = self._covering(start_us, start_us)
        target = timeline.elapsed(start_us) + wanted
        while target > timeline.running[-1]:  # runs past the timeline: grow it
            timeline = self._grow_forward(timeline, start_us)
            target = timeline.elapsed(start_us) + wanted
        return _EPOCH + _ONE_US * timeline.instant_at(target)

    def open_periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods intersecting [start, end), clipped to it, in order."""
        start_us, end_us = _to_us(start), _to_us(end)
        if end_us <= start_us:
            return
        if self._continuous:
            yield from self._continuous_periods(start_us, end_us)
            return
        timeline = self._covering(start_us, end_us)
        i = bisect_right(timeline.ends, start_us)
        while i < len(timeline.starts) and timeline.starts[i] < end_us:
            yield (
                _from_us(max(start_us, timeline.starts[i])),
                _from_us(min(end_us, timeline.ends[i])),
            )
            i += 1

    def next_open_periods(self, start: datetime, count: int) -> list[tuple[datetime, datetime]]:
        """The next `count` whole working periods that end after `start` (the first may have
        begun before it). Fewer only if the calendar is closed for the next 200 years."""
        start_us = _to_us(start)
        if count <= 0 or self.hours.is_empty:
            return []
        if self._continuous:
            return list(self._continuous_periods(start_us, None, count=count, clip=False))
        timeline = self._covering(start_us, start_us)
        while True:
            i = bisect_right(timeline.ends, start_us)
            if len(timeline.starts) - i >= count or timeline.end_year > self._horizon(start_us):
                break
            timeline = self._grow_forward(timeline, start_us)
        return [
            (_from_us(timeline.starts[j]), _from_us(timeline.ends[j]))
            for j in range(i, min(i + count, len(timeline.starts)))
        ]

    # -- internals -------------------------------------------------------------------------------

    def _continuous_periods(
        self, start_us: int, end_us: int | None, *, count: int | None = None, clip: bool = True
    ) -> Iterator[tuple[datetime, datetime]]:
        zone = self.zone
        day = _from_us(start_us).astimezone(zone).date()
        produced = 0
        while count is None or produced < count:
            period_start = _wall_to_us(day, _MIDNIGHT, zone, last=False)
            day += timedelta(days=1)
            period_end = _wall_to_us(day, _MIDNIGHT, zone, last=False)
            if period_end <= start_us:
                continue
            if end_us is not None and period_start >= end_us:
                return
            if clip:
                period_start = max(period_start, start_us)
                period_end = period_end if end_us is None else min(period_end, end_us)
            yield _from_us(period_start), _from_us(period_end)
            produced += 1

    def _year_of(self, us: int) -> int:
        try:
            return _from_us(us).astimezone(self.zone).year
        except OverflowError:  # within hours of datetime.min/max
            return 1 if us < 0 else 9999

    def _horizon(self, us: int) -> int:
        return self._year_of(us) + _HORIZON_YEARS

    def _covering(self, start_us: int, end_us: int) -> _Timeline:
        timeline = self._timeline
        if (
            timeline is not None
            and timeline.covers_from <= start_us
            and end_us <= timeline.covers_until
        ):
            return timeline
        first_year, end_year = self._year_of(start_us), self._year_of(end_us) + 1
        if first_year < _MIN_YEAR or end_year > _MAX_YEAR:
            raise ValueError(
                f"business time is computed for the years {_MIN_YEAR}..{_MAX_YEAR - 1} only"
            )
        if timeline is not None:  # keep what we have, and grow by at least its span
            span = timeline.end_year - timeline.first_year
            if first_year < timeline.first_year:
                first_year = min(first_year, timeline.first_year - span)
            else:
                first_year = timeline.first_year
            if end_year > timeline.end_year:
                end_year = max(end_year, timeline.end_year + span)
            else:
                end_year = timeline.end_year
        return self._build(max(first_year, _MIN_YEAR), min(end_year, _MAX_YEAR))

    def _grow_forward(self, timeline: _Timeline, start_us: int) -> _Timeline:
        if (
            self.hours.is_empty
            or timeline.end_year > self._horizon(start_us)
            or timeline.end_year >= _MAX_YEAR
        ):
            raise ValueError(
                f"calendar {self.tz} has no business time for that long after {_from_us(start_us)}"
            )
        span = timeline.end_year - timeline.first_year
        return self._build(timeline.first_year, min(timeline.end_year + span, _MAX_YEAR))

    def _build(self, first_year: int, end_year: int) -> _Timeline:
        zone, days = self.zone, self.hours.days
        closed = set(self.holidays(range(first_year, end_year)))
        starts: list[int] = []
        ends: list[int] = []
        day, last_day = date(first_year, 1, 1), date(end_year, 1, 1)
        one_day = timedelta(days=1)
        while day < last_day:
            intervals = days[day.weekday()]
            if intervals and day not in closed:
                for wall_start, wall_end in intervals:
                    period_start = _wall_to_us(day, wall_start, zone, last=False)
                    if wall_end is None:  # until the next date begins
                        period_end = _wall_to_us(day + one_day, _MIDNIGHT, zone, last=False)
                    else:
                        period_end = _wall_to_us(day, wall_end, zone, last=True)
                    if period_end <= period_start:  # wholly inside a skipped hour
                        continue
                    # In a repeated hour, 00:00-02:15 ends at the second 02:15 but 02:45-05:00
                    # starts at the first 02:45: the periods overlap, so they become one.
                    if ends and period_start < ends[-1]:
                        ends[-1] = max(ends[-1], period_end)
                    else:
                        starts.append(period_start)
                        ends.append(period_end)
            day += one_day
        if self.closures:
            starts, ends = _subtract(starts, ends, self.closures)
        running = [0]
        for period_start, period_end in zip(starts, ends, strict=True):
            running.append(running[-1] + period_end - period_start)
        timeline = _Timeline(
            first_year=first_year,
            end_year=end_year,
            covers_from=_wall_to_us(date(first_year, 1, 1), _MIDNIGHT, zone, last=False),
            covers_until=_wall_to_us(last_day, _MIDNIGHT, zone, last=False),
            starts=starts,
            ends=ends,
            running=running,
        )
        object.__setattr__(self, "_timeline", timeline)  # one assignment: safe across threads
        return timeline


def _subtract(
    starts: list[int], ends: list[int], closures: Iterable[tuple[datetime, datetime]]
) -> tuple[list[int], list[int]]:
    """Sorted periods minus closure ranges (a sweep over both sorted lists)."""
    cuts = sorted((_to_us(a), _to_us(b)) for a, b in closures if b > a)
    out_starts: list[int] = []
    out_ends: list[int] = []
    c = 0
    for period_start, period_end in zip(starts, ends, strict=True):
        while c < len(cuts) and cuts[c][1] <= period_start:
            c += 1
        cursor, k = period_start, c
        while k < len(cuts) and cuts[k][0] < period_end:
            cut_start, cut_end = cuts[k]
            if cut_start > cursor:
                out_starts.append(cursor)
                out_ends.append(cut_start)
            cursor = max(cursor, cut_end)
            k += 1
        if cursor < period_end:
            out_starts.append(cursor)
            out_ends.append(period_end)
    return out_starts, out_ends
