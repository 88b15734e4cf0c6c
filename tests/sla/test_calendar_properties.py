"""Property-based tests of the business-time arithmetic on random calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from atiende.sla import Calendar, WeeklyHours

ZONES = [
    "Europe/Madrid",
    "America/Santiago",
    "America/Mexico_City",
    "UTC",
    "Australia/Lord_Howe",
    "America/New_York",
]
FIRST, LAST = datetime(2025, 6, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
PROPERTY = settings(max_examples=200, deadline=None)


@st.composite
def day_intervals(draw) -> list[tuple[time, time | None]]:
    """1-3 sorted, non-touching intervals on a 15-minute grid; 24:00 becomes None."""
    count = draw(st.integers(1, 3))
    marks = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    intervals = []
    for i in range(0, len(marks), 2):
        start, end = marks[i], marks[i + 1]
        intervals.append(
            (time(start // 4, start % 4 * 15), None if end == 96 else time(end // 4, end % 4 * 15))
        )
    # Merge touching neighbours is WeeklyHours' job; gaps of zero are impossible (a set).
    return intervals


@st.composite
def calendars(draw) -> Calendar:
    zone = draw(st.sampled_from(ZONES))
    open_days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    hours = WeeklyHours.from_mapping({day: draw(day_intervals()) for day in open_days})
    closed = draw(st.frozensets(st.dates(date(2025, 5, 1), date(2027, 7, 1)), max_size=12))
    closures = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None)))
        length = draw(st.timedeltas(timedelta(0), timedelta(days=10)))
        closures.append((start.replace(tzinfo=UTC), (start + length).replace(tzinfo=UTC)))
    return Calendar(zone, hours, closed_dates=closed, closures=tuple(closures))


instants = st.datetimes(
    FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None), timezones=st.just(UTC)
)
durations = st.timedeltas(timedelta(0), timedelta(hours=120))


@PROPERTY
@given(calendars(), instants, durations)
def test_business_time_to_the_deadline_is_the_duration(calendar, start, duration):
    deadline = calendar.add_business_time(start, duration)
    assert deadline >= start
    assert calendar.business_time_between(start, deadline) == duration


@PROPERTY
@given(calendars(), instants, durations, durations)
def test_adding_twice_equals_adding_the_sum(calendar, start, first, second):
    assert calendar.add_business_time(
        calendar.add_business_time(start, first), second
    ) == calendar.add_business_time(start, first + second)


@PROPERTY
@given(calendars(), instants, durations.filter(lambda d: d > timedelta(0)))
def test_deadline_falls_inside_or_at_the_end_of_an_open_period(calendar, start, duration):
    deadline = calendar.add_business_time(start, duration)
    assert deadline > start
    # Open just before it: the deadline is in (period start, period end].
    assert calendar.is_open(deadline - ONE_US)
    # And it is the earliest such instant: one microsecond less is not enough.
    assert calendar.business_time_between(start, deadline - ONE_US) == duration - ONE_US


@PROPERTY
@given(calendars(), st.lists(instants, min_size=3, max_size=3))
def test_business_time_is_additive_over_a_split_point(calendar, points):
    a, b, c = sorted(points)
    assert calendar.business_time_between(a, c) == calendar.business_time_between(
        a, b
    ) + calendar.business_time_between(b, c)
    assert calendar.business_time_between(a, c) <= c - a


@PROPERTY
@given(calendars(), instants, instants, instants)
def test_business_time_is_monotonic_in_its_end(calendar, start, end, later_end):
    end, later_end = sorted((end, later_end))
    assert calendar.business_time_between(start, end) <= calendar.business_time_between(
        start, later_end
    )


@PROPERTY
@given(calendars(), instants, st.timedeltas(timedelta(0), timedelta(days=20)))
def test_open_periods_are_ordered_disjoint_open_and_sum_to_business_time(calendar, start, span):
    end = start + span
    found = list(calendar.open_periods(start, end))
    previous_end = start
    for period_start, period_end in found:
        assert previous_end <= period_start < period_end <= end
        assert calendar.is_open(period_start) and calendar.is_open(period_end - ONE_US)
        previous_end = period_end
    total = sum((period_end - period_start for period_start, period_end in found), timedelta(0))
    assert total == calendar.business_time_between(start, end)


@PROPERTY
@given(calendars(), instants)
def test_is_open_agrees_with_the_wall_clock_away_from_offset_changes(calendar, instant):
    # An independent model: open iff the local date is not closed, no closure covers the
    # instant, and the local wall time lies in one of the day's intervals. (On days with an
    # offset change the documented first/last-instant rule applies instead; skipped here.)
    zone = ZoneInfo(calendar.tz)
    local = instant.astimezone(zone)
    day = local.date()
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    next_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    assume(day_start.utcoffset() == next_day.utcoffset() == local.utcoffset())
    wall = local.time().replace(tzinfo=None)
    expected = (
        day not in calendar.closed_dates
        and not any(start <= instant < end for start, end in calendar.closures)
        and any(
            start <= wall and (end is None or wall < end)
            for start, end in calendar.hours.days[day.weekday()]
        )
    )
    assert calendar.is_open(instant) == expected


@settings(max_examples=50, deadline=None)  # each example builds years of timeline twice
@given(calendars(), instants, durations, st.integers(2028, 2040))
def test_answers_do_not_depend_on_what_was_computed_before(calendar, start, duration, year):
    fresh = Calendar(
        calendar.tz, calendar.hours, closed_dates=calendar.closed_dates, closures=calendar.closures
    )
    calendar.is_open(datetime(year, 1, 1, tzinfo=UTC))  # builds a timeline far away first
    assert calendar.add_business_time(start, duration) == fresh.add_business_time(start, duration)


@PROPERTY
@given(st.sampled_from(ZONES), instants, durations, instants)
def test_the_24x7_shortcut_agrees_with_the_general_timeline(zone, start, duration, other):
    shortcut = Calendar.always_open(zone)
    # A closure long ago makes the calendar take the general path with identical hours.
    ancient = datetime(1990, 1, 1, tzinfo=UTC)
    general = Calendar(zone, WeeklyHours.always(), closures=((ancient, ancient + ONE_US),))
    assert shortcut.add_business_time(start, duration) == start + duration
    assert general.add_business_time(start, duration) == start + duration
    assert general.business_time_between(start, other) == shortcut.business_time_between(
        start, other
    )
    assert list(general.open_periods(start, start + duration)) == list(
        shortcut.open_periods(start, start + duration)
    )
    assert general.next_open_periods(start, 3) == shortcut.next_open_periods(start, 3)
