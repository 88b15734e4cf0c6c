"""The issue's hand-computed deadlines, each with its arithmetic written out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atiende.sla import Calendar, WeeklyHours

MADRID = ZoneInfo("Europe/Madrid")
OFFICE_8X5 = WeeklyHours.uniform([(time(9), time(17))])  # Mon-Fri 09:00-17:00
SPLIT_DAY = WeeklyHours.uniform([(time(8), time(14)), (time(15), time(18))])


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


def test_friday_night_ticket_skips_weekend_and_monday_holiday():
    # Madrid, Mon-Fri 09:00-17:00; Monday 2026-11-02 is a Madrid holiday ("Monday following
    # All Saints' Day"). Ticket Friday 2026-10-30 23:59, target 4 h:
    #   Fri 23:59 is after closing; Sat, Sun closed; Mon 2 Nov holiday;
    #   Tue 3 Nov 09:00 + 4 h = 13:00 CET (UTC+1, DST ended on 25 Oct) = 12:00 UTC.
    calendar = Calendar("Europe/Madrid", OFFICE_8X5, country="ES", subdivision="MD")
    created = madrid(2026, 10, 30, 23, 59)

    deadline = calendar.add_business_time(created, timedelta(hours=4))

    assert deadline == madrid(2026, 11, 3, 13, 0)
    assert deadline == datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    assert deadline.tzinfo is UTC
    assert calendar.business_time_between(created, deadline) == timedelta(hours=4)


def test_same_case_with_a_custom_holiday_instead_of_public_holidays():
    # Same arithmetic as above; the Monday is closed by a custom date, no country.
    calendar = Calendar("Europe/Madrid", OFFICE_8X5, closed_dates=frozenset({date(2026, 11, 2)}))
    deadline = calendar.add_business_time(madrid(2026, 10, 30, 23, 59), timedelta(hours=4))
    assert deadline == madrid(2026, 11, 3, 13, 0)
    # Without the holiday, Monday counts: Mon 09:00 + 4 h = 13:00 on 2 Nov.
    plain = Calendar("Europe/Madrid", OFFICE_8X5)
    assert plain.add_business_time(madrid(2026, 10, 30, 23, 59), timedelta(hours=4)) == madrid(
        2026, 11, 2, 13, 0
    )


def test_ticket_created_on_a_non_working_day():
    # Saturday 2026-03-14 10:00, target 2 h: nothing counts until Monday 16 Mar 09:00;
    # 09:00 + 2 h = 11:00 CET = 10:00 UTC.
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    saturday = madrid(2026, 3, 14, 10, 0)

    assert not calendar.is_open(saturday)
    assert calendar.add_business_time(saturday, timedelta(hours=2)) == madrid(2026, 3, 16, 11, 0)
    assert calendar.business_time_between(saturday, madrid(2026, 3, 16, 9, 0)) == timedelta(0)
    assert calendar.business_time_between(saturday, madrid(2026, 3, 16, 9, 30)) == timedelta(
        minutes=30
    )


def test_deadline_that_uses_up_a_day_is_closing_time_not_next_opening():
    # Monday 2026-03-16 09:00 + 8 h = 17:00 the same day (the end of the period), not Tuesday 09:00.
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    assert calendar.add_business_time(madrid(2026, 3, 16, 9), timedelta(hours=8)) == madrid(
        2026, 3, 16, 17
    )
    # One more microsecond spills into Tuesday.
    assert calendar.add_business_time(
        madrid(2026, 3, 16, 9), timedelta(hours=8, microseconds=1)
    ) == madrid(2026, 3, 17, 9, 0, 0, 1)


def test_zero_duration_returns_start_unchanged_even_when_closed():
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    saturday = madrid(2026, 3, 14, 10, 0)
    assert calendar.add_business_time(saturday, timedelta(0)) == saturday


def test_24x7_across_midnight():
    # Wednesday 2026-06-10 22:30 CEST + 3 h = Thursday 01:30 CEST = Wednesday 23:30 UTC.
    calendar = Calendar.always_open("Europe/Madrid")
    created = madrid(2026, 6, 10, 22, 30)

    deadline = calendar.add_business_time(created, timedelta(hours=3))

    assert deadline == madrid(2026, 6, 11, 1, 30)
    assert deadline == datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    assert calendar.business_time_between(created, deadline) == timedelta(hours=3)
    # Two periods: the rest of Wednesday (1 h 30) and the start of Thursday (1 h 30).
    assert list(calendar.open_periods(created, deadline)) == [
        (created, madrid(2026, 6, 11, 0, 0)),
        (madrid(2026, 6, 11, 0, 0), deadline),
    ]


def test_target_spanning_the_lunch_gap():
    # 08:00-14:00 and 15:00-18:00. Wednesday 2026-06-10 12:00 + 4 h:
    #   12:00-14:00 = 2 h, lunch 14:00-15:00 does not count, 15:00 + 2 h = 17:00 CEST.
    calendar = Calendar("Europe/Madrid", SPLIT_DAY)
    created = madrid(2026, 6, 10, 12, 0)

    assert calendar.add_business_time(created, timedelta(hours=4)) == madrid(2026, 6, 10, 17, 0)
    assert not calendar.is_open(madrid(2026, 6, 10, 14, 30))
    assert calendar.is_open(madrid(2026, 6, 10, 15, 0))
    assert not calendar.is_open(madrid(2026, 6, 10, 14, 0))  # periods are half-open
    # 2 h exactly ends at 14:00 (end of the morning), 2 h + 1 min at 15:01.
    assert calendar.add_business_time(created, timedelta(hours=2)) == madrid(2026, 6, 10, 14, 0)
    assert calendar.add_business_time(created, timedelta(hours=2, minutes=1)) == madrid(
        2026, 6, 10, 15, 1
    )
    # A whole day is 6 h + 3 h = 9 h.
    assert calendar.business_time_between(
        madrid(2026, 6, 10, 0, 0), madrid(2026, 6, 11, 0, 0)
    ) == timedelta(hours=9)


def test_closure_on_christmas_eve_afternoon():
    # Madrid 09:00-17:00 Mon-Fri, ES-MD holidays, closed 2026-12-24 from 14:00 to midnight.
    # Ticket Thursday 24 Dec 12:00, target 4 h:
    #   12:00-14:00 = 2 h; closed from 14:00; Fri 25 Christmas; Sat 26, Sun 27 closed;
    #   Mon 28 09:00 + remaining 2 h = 11:00 CET = 10:00 UTC.
    calendar = Calendar(
        "Europe/Madrid",
        OFFICE_8X5,
        country="ES",
        subdivision="MD",
        closures=((madrid(2026, 12, 24, 14, 0), madrid(2026, 12, 25, 0, 0)),),
    )
    created = madrid(2026, 12, 24, 12, 0)

    assert calendar.add_business_time(created, timedelta(hours=4)) == madrid(2026, 12, 28, 11, 0)
    assert not calendar.is_open(madrid(2026, 12, 24, 15, 0))
    assert calendar.is_open(madrid(2026, 12, 24, 13, 59))
    assert list(calendar.open_periods(madrid(2026, 12, 24, 0, 0), madrid(2026, 12, 29, 0, 0))) == [
        (madrid(2026, 12, 24, 9, 0), madrid(2026, 12, 24, 14, 0)),
        (madrid(2026, 12, 28, 9, 0), madrid(2026, 12, 28, 17, 0)),
    ]


def test_closure_in_the_middle_of_a_day_splits_the_period():
    # Closed 11:00-12:30 on Monday 2026-03-16: Monday 09:00 + 3 h = 09:00-11:00 (2 h),
    # then 12:30 + 1 h = 13:30.
    calendar = Calendar(
        "Europe/Madrid",
        OFFICE_8X5,
        closures=((madrid(2026, 3, 16, 11, 0), madrid(2026, 3, 16, 12, 30)),),
    )
    assert calendar.add_business_time(madrid(2026, 3, 16, 9), timedelta(hours=3)) == madrid(
        2026, 3, 16, 13, 30
    )
    assert calendar.business_time_between(
        madrid(2026, 3, 16, 0), madrid(2026, 3, 17, 0)
    ) == timedelta(hours=6, minutes=30)


def test_long_duration_grows_the_timeline_far_ahead():
    # 2000 business hours of an 8x5 calendar = 250 working days = 50 weeks (no holidays):
    # Monday 2026-01-05 09:00 + 50 weeks - the last day ends at 17:00 on Friday of week 50,
    # i.e. 2026-12-18 17:00 CET.
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    deadline = calendar.add_business_time(madrid(2026, 1, 5, 9), timedelta(hours=2000))
    assert deadline == madrid(2026, 12, 18, 17, 0)
    # 20,000 h = 2,500 days = 500 weeks: the Friday of week 500 is 2026-01-05 + 499 weeks
    # + 4 days = 2035-08-03, and the deadline its 17:00 (CEST).
    far = calendar.add_business_time(madrid(2026, 1, 5, 9), timedelta(hours=20_000))
    assert far == madrid(2035, 8, 3, 17, 0)
    assert calendar.business_time_between(madrid(2026, 1, 5, 9), far) == timedelta(hours=20_000)


def test_starts_before_the_timeline_are_handled():
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    calendar.add_business_time(madrid(2030, 1, 7, 9), timedelta(hours=1))  # builds 2030
    # Now a question about 2020 (Mon 2020-01-06 to Mon 2030-01-07 09:00): the answer must
    # agree with a fresh calendar.
    fresh = Calendar("Europe/Madrid", OFFICE_8X5)
    start, end = madrid(2020, 1, 6, 9), madrid(2030, 1, 7, 9)
    assert calendar.business_time_between(start, end) == fresh.business_time_between(start, end)
    assert calendar.business_time_between(start, end) > timedelta(hours=8 * 5 * 52 * 9)


def test_next_open_periods_preview():
    calendar = Calendar("Europe/Madrid", SPLIT_DAY)
    # Friday 2026-06-12 13:00: the rest of the morning (whole period), the afternoon, then
    # Monday's two periods.
    assert calendar.next_open_periods(madrid(2026, 6, 12, 13, 0), 4) == [
        (madrid(2026, 6, 12, 8, 0), madrid(2026, 6, 12, 14, 0)),
        (madrid(2026, 6, 12, 15, 0), madrid(2026, 6, 12, 18, 0)),
        (madrid(2026, 6, 15, 8, 0), madrid(2026, 6, 15, 14, 0)),
        (madrid(2026, 6, 15, 15, 0), madrid(2026, 6, 15, 18, 0)),
    ]
    assert calendar.next_open_periods(madrid(2026, 6, 12, 13, 0), 0) == []
    always = Calendar.always_open("UTC")
    assert always.next_open_periods(datetime(2026, 6, 12, 13, tzinfo=UTC), 2) == [
        (datetime(2026, 6, 12, tzinfo=UTC), datetime(2026, 6, 13, tzinfo=UTC)),
        (datetime(2026, 6, 13, tzinfo=UTC), datetime(2026, 6, 14, tzinfo=UTC)),
    ]


def test_results_are_utc_whatever_the_input_zone():
    calendar = Calendar("Europe/Madrid", OFFICE_8X5)
    tokyo = datetime(2026, 3, 16, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # = 10:00 Madrid
    deadline = calendar.add_business_time(tokyo, timedelta(hours=1))
    assert deadline.tzinfo is UTC
    assert deadline == madrid(2026, 3, 16, 11, 0)
    for period_start, period_end in calendar.open_periods(tokyo, deadline):
        assert period_start.tzinfo is UTC and period_end.tzinfo is UTC
