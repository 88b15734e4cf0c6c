"""Daylight saving time: opening hours are local wall time; see the rule in calendar.py.

Europe/Madrid 2026: spring forward Sun 29 Mar 02:00 CET -> 03:00 CEST (01:00 UTC);
fall back Sun 25 Oct 03:00 CEST -> 02:00 CET (01:00 UTC).
America/Santiago 2026: fall back at Saturday 4 Apr 24:00 (-03) -> Saturday 23:00 (-04),
03:00 UTC on 5 Apr; spring forward at Saturday 5 Sep 24:00 (-04) -> Sunday 01:00 (-03),
04:00 UTC on 6 Sep, so Sunday 6 Sep 00:00 does not exist.
Australia/Lord_Howe 2026: half-hour shifts, Sun 5 Apr 02:00 -> 01:30, Sun 4 Oct 02:00 -> 02:30.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from atiende.sla import Calendar, WeeklyHours

MADRID = ZoneInfo("Europe/Madrid")
SANTIAGO = ZoneInfo("America/Santiago")
SUNDAY = 6
SATURDAY = 5


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sunday_hours(start: time, end: time | None) -> WeeklyHours:
    return WeeklyHours.from_mapping({SUNDAY: [(start, end)]})


def periods(calendar: Calendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    return list(calendar.open_periods(start, end))


# -- Europe/Madrid -------------------------------------------------------------------------------


def test_madrid_01_to_04_is_2h_on_spring_forward_3h_normally_4h_on_fall_back():
    calendar = Calendar("Europe/Madrid", sunday_hours(time(1), time(4)))
    # Spring: 01:00 CET = 00:00 UTC; 04:00 CEST = 02:00 UTC -> 2 h.
    assert periods(calendar, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))
    ]
    # An ordinary Sunday (22 Mar, CET): 00:00-03:00 UTC -> 3 h.
    assert calendar.business_time_between(utc(2026, 3, 21), utc(2026, 3, 23)) == timedelta(hours=3)
    # Fall: 01:00 CEST = 23:00 UTC Saturday; 04:00 CET = 03:00 UTC -> 4 h.
    assert periods(calendar, utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 23), utc(2026, 10, 25, 3))
    ]


def test_madrid_adding_through_the_missing_and_the_repeated_hour():
    calendar = Calendar("Europe/Madrid", sunday_hours(time(1), time(4)))
    # Spring: 01:00 CET + 1 h 30 of real time: at 02:00 the clock jumps to 03:00, so the
    # deadline reads 03:30 CEST = 01:30 UTC.
    start = datetime(2026, 3, 29, 1, 0, tzinfo=MADRID)
    deadline = calendar.add_business_time(start, timedelta(hours=1, minutes=30))
    assert deadline == utc(2026, 3, 29, 1, 30)
    assert deadline.astimezone(MADRID).time() == time(3, 30)
    # Fall: 01:00 CEST (23:00 UTC) + 2 h 30 = 01:30 UTC, which reads 02:30 for the second
    # time (CET, fold=1).
    start = datetime(2026, 10, 25, 1, 0, tzinfo=MADRID)
    deadline = calendar.add_business_time(start, timedelta(hours=2, minutes=30))
    assert deadline == utc(2026, 10, 25, 1, 30)
    # (PEP 495: an aware datetime in a repeated hour never equals one in another zone, so
    # compare the local reading instead.)
    local = deadline.astimezone(MADRID)
    assert (local.time(), local.fold, local.utcoffset()) == (time(2, 30), 1, timedelta(hours=1))


def test_madrid_interval_edges_inside_the_missing_hour_snap_to_the_jump():
    # Wholly inside the gap (02:15-02:45): empty on 29 Mar, 30 min on an ordinary Sunday.
    inside = Calendar("Europe/Madrid", sunday_hours(time(2, 15), time(2, 45)))
    assert periods(inside, utc(2026, 3, 28), utc(2026, 3, 30)) == []
    assert inside.business_time_between(utc(2026, 3, 21), utc(2026, 3, 23)) == timedelta(minutes=30)
    # Ending in the gap (00:00-02:30) ends at the jump, 01:00 UTC: 23:00 UTC - 01:00 UTC = 2 h.
    ending = Calendar("Europe/Madrid", sunday_hours(time(0), time(2, 30)))
    assert periods(ending, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 1))
    ]
    # Starting in the gap (02:30-04:00) starts at the jump: 01:00-02:00 UTC = 1 h.
    starting = Calendar("Europe/Madrid", sunday_hours(time(2, 30), time(4)))
    assert periods(starting, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))
    ]


def test_madrid_repeated_hour_edges_start_at_first_and_end_at_second_occurrence():
    # 02:15-02:45 on 25 Oct: from the first 02:15 (CEST, 00:15 UTC) to the second 02:45
    # (CET, 01:45 UTC) = 1 h 30.
    calendar = Calendar("Europe/Madrid", sunday_hours(time(2, 15), time(2, 45)))
    assert periods(calendar, utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 1, 45))
    ]
    # 00:00-02:15 ends at the second 02:15 (01:15 UTC) but 02:45-05:00 starts at the first
    # 02:45 (00:45 UTC): they overlap and become one period, 22:00 UTC Sat - 04:00 UTC = 6 h.
    split = Calendar(
        "Europe/Madrid",
        WeeklyHours.from_mapping({SUNDAY: [(time(0), time(2, 15)), (time(2, 45), time(5))]}),
    )
    assert periods(split, utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 4))
    ]


def test_madrid_office_hours_stay_at_local_nine_to_five_across_the_change():
    calendar = Calendar("Europe/Madrid", WeeklyHours.uniform([(time(9), time(17))]))
    # Friday 27 Mar 16:00 CET + 2 h: 1 h on Friday; Monday 30 Mar opens at 09:00 CEST
    # (07:00 UTC, one hour earlier in UTC than the week before) + 1 h = 10:00 CEST = 08:00 UTC.
    deadline = calendar.add_business_time(
        datetime(2026, 3, 27, 16, tzinfo=MADRID), timedelta(hours=2)
    )
    assert deadline == utc(2026, 3, 30, 8)
    # Friday 23 Oct 16:00 CEST + 2 h -> Monday 26 Oct 10:00 CET = 09:00 UTC.
    deadline = calendar.add_business_time(
        datetime(2026, 10, 23, 16, tzinfo=MADRID), timedelta(hours=2)
    )
    assert deadline == utc(2026, 10, 26, 9)


def test_madrid_24x7_days_are_23h_and_25h_long():
    calendar = Calendar.always_open("Europe/Madrid")
    day = timedelta(days=1)
    spring, fall = datetime(2026, 3, 29, tzinfo=MADRID), datetime(2026, 10, 25, tzinfo=MADRID)
    # Local midnight to local midnight (the +1 day is wall-clock arithmetic in Python).
    assert calendar.business_time_between(spring, spring + day) == timedelta(hours=23)
    assert calendar.business_time_between(fall, fall + day) == timedelta(hours=25)
    [(start, end)] = calendar.next_open_periods(spring, 1)
    assert end - start == timedelta(hours=23)
    [(start, end)] = calendar.next_open_periods(fall, 1)
    assert end - start == timedelta(hours=25)
    # Across the change, 24x7 is plain elapsed time: Sat 28 Mar 23:00 CET + 3 h
    # = 22:00 UTC + 3 h = 01:00 UTC = Sun 03:00 CEST.
    deadline = calendar.add_business_time(
        datetime(2026, 3, 28, 23, tzinfo=MADRID), timedelta(hours=3)
    )
    assert deadline == datetime(2026, 3, 29, 3, tzinfo=MADRID)


# -- America/Santiago (changes at local midnight) ------------------------------------------------


def test_santiago_24x7_days_around_both_changes():
    calendar = Calendar.always_open("America/Santiago")
    lengths = {
        start.astimezone(SANTIAGO).date().isoformat(): end - start
        for start, end in calendar.next_open_periods(utc(2026, 4, 3, 12), 3)
        + calendar.next_open_periods(utc(2026, 9, 4, 12), 3)
    }
    assert lengths == {
        "2026-04-03": timedelta(hours=24),
        # Saturday 4 Apr: 00:00 -03 (03:00 UTC) to Sunday 00:00 -04 (04:00 UTC 5 Apr) = 25 h
        "2026-04-04": timedelta(hours=25),
        "2026-04-05": timedelta(hours=24),
        "2026-09-04": timedelta(hours=24),
        # Saturday 5 Sep: 00:00 -04 (04:00 UTC) to the jump at 04:00 UTC on 6 Sep = 24 h
        "2026-09-05": timedelta(hours=24),
        # Sunday 6 Sep begins at the jump (04:00 UTC, reads 01:00) and ends at Monday
        # 00:00 -03 (03:00 UTC 7 Sep) = 23 h
        "2026-09-06": timedelta(hours=23),
    }


def test_santiago_hours_starting_at_a_midnight_that_does_not_exist():
    # Sunday 00:00-02:00. On 6 Sep 00:00 does not exist: the day starts at the jump,
    # 04:00 UTC (reads 01:00 -03), and 02:00 -03 is 05:00 UTC -> 1 h.
    calendar = Calendar("America/Santiago", sunday_hours(time(0), time(2)))
    assert periods(calendar, utc(2026, 9, 5), utc(2026, 9, 8)) == [
        (utc(2026, 9, 6, 4), utc(2026, 9, 6, 5))
    ]
    # A ticket at Saturday 23:30 (-04, 03:30 UTC) + 30 min: nothing counts until the jump,
    # then 30 min -> 04:30 UTC = Sunday 01:30 -03.
    deadline = calendar.add_business_time(
        datetime(2026, 9, 5, 23, 30, tzinfo=SANTIAGO), timedelta(minutes=30)
    )
    assert deadline == utc(2026, 9, 6, 4, 30)
    assert deadline.astimezone(SANTIAGO).time() == time(1, 30)


def test_santiago_hours_until_midnight_on_the_saturday_of_each_change():
    calendar = Calendar(
        "America/Santiago", WeeklyHours.from_mapping({SATURDAY: [(time(22), None)]})
    )
    # 5 Sep: 22:00 -04 (02:00 UTC 6 Sep) until the jump at 04:00 UTC -> 2 h.
    assert periods(calendar, utc(2026, 9, 5), utc(2026, 9, 7)) == [
        (utc(2026, 9, 6, 2), utc(2026, 9, 6, 4))
    ]
    # 4 Apr: 22:00 -03 (01:00 UTC 5 Apr) until Sunday 00:00 -04 (04:00 UTC): the hour
    # 23:00-24:00 happens twice -> 3 h.
    assert periods(calendar, utc(2026, 4, 4), utc(2026, 4, 6)) == [
        (utc(2026, 4, 5, 1), utc(2026, 4, 5, 4))
    ]
    # 23:00-23:30 on 4 Apr: first 23:00 (-03, 02:00 UTC) to second 23:30 (-04, 03:30 UTC).
    repeated = Calendar(
        "America/Santiago", WeeklyHours.from_mapping({SATURDAY: [(time(23), time(23, 30))]})
    )
    assert repeated.business_time_between(utc(2026, 4, 4), utc(2026, 4, 6)) == timedelta(
        hours=1, minutes=30
    )


def test_santiago_office_calendar_with_chilean_holidays():
    calendar = Calendar(
        "America/Santiago", WeeklyHours.uniform([(time(9), time(17))]), country="CL"
    )
    # Friday 4 Sep 16:00 -04 + 2 h: 1 h Friday; weekend with the change; Monday 7 Sep
    # 09:00 -03 + 1 h = 10:00 -03 = 13:00 UTC.
    deadline = calendar.add_business_time(
        datetime(2026, 9, 4, 16, tzinfo=SANTIAGO), timedelta(hours=2)
    )
    assert deadline == utc(2026, 9, 7, 13)
    # Thursday 17 Sep 16:00 + 2 h: Friday 18 (Independence Day) and Saturday 19 (Army Day)
    # are holidays; Monday 21 Sep 10:00 -03.
    deadline = calendar.add_business_time(
        datetime(2026, 9, 17, 16, tzinfo=SANTIAGO), timedelta(hours=2)
    )
    assert deadline == datetime(2026, 9, 21, 10, tzinfo=SANTIAGO)


# -- half-hour shifts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_day", "hours"),
    [((2026, 4, 5), 24.5), ((2026, 10, 4), 23.5), ((2026, 6, 7), 24)],
)
def test_lord_howe_days_with_half_hour_shifts(local_day, hours):
    zone = ZoneInfo("Australia/Lord_Howe")
    calendar = Calendar.always_open("Australia/Lord_Howe")
    [(start, end)] = calendar.next_open_periods(datetime(*local_day, 12, tzinfo=zone), 1)
    assert end - start == timedelta(hours=hours)
