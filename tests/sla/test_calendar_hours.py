"""WeeklyHours conventions (None = until midnight) and refusals of bad input."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from atiende.sla import Calendar, WeeklyHours


def test_until_midnight_is_none_and_parses_from_24_00():
    hours = WeeklyHours.parse({"mon-fri": "08:00-14:00, 15:00-18:00", "sat": "20:00-24:00"})
    assert hours.days[0] == ((time(8), time(14)), (time(15), time(18)))
    assert hours.days[4] == hours.days[0]
    assert hours.days[5] == ((time(20), None),)
    assert hours.days[6] == ()
    assert hours.to_strings() == {
        **dict.fromkeys(["mon", "tue", "wed", "thu", "fri"], "08:00-14:00, 15:00-18:00"),
        "sat": "20:00-24:00",
    }
    assert WeeklyHours.parse(hours.to_strings()) == hours


def test_until_midnight_runs_to_the_next_day_start():
    # Saturday 20:00-24:00 in UTC: 4 h, ending exactly at Sunday 00:00.
    calendar = Calendar("UTC", WeeklyHours.parse({"sat": "20:00-24:00"}))
    saturday = datetime(2026, 6, 13, tzinfo=UTC)
    assert list(calendar.open_periods(saturday, saturday + timedelta(days=2))) == [
        (datetime(2026, 6, 13, 20, tzinfo=UTC), datetime(2026, 6, 14, tzinfo=UTC))
    ]
    assert calendar.is_open(datetime(2026, 6, 13, 23, 59, 59, 999999, tzinfo=UTC))
    assert not calendar.is_open(datetime(2026, 6, 14, tzinfo=UTC))


def test_midnight_as_an_end_time_is_refused():
    with pytest.raises(ValueError, match="until midnight"):
        WeeklyHours.uniform([(time(20), time(0))])


@pytest.mark.parametrize(
    "intervals",
    [
        [(time(9), time(9))],  # empty
        [(time(17), time(9))],  # backwards
        [(time(8), time(14)), (time(13), time(18))],  # overlapping
        [(time(8), None), (time(10), time(11))],  # overlapping an until-midnight interval
    ],
)
def test_bad_intervals_are_refused(intervals):
    with pytest.raises(ValueError):
        WeeklyHours.uniform(intervals)


def test_touching_intervals_merge_and_order_does_not_matter():
    hours = WeeklyHours.uniform([(time(14), time(18)), (time(8), time(14))], weekdays=[2])
    assert hours.days[2] == ((time(8), time(18)),)


@pytest.mark.parametrize(
    "spec",
    [
        {"mon": "9-17"},
        {"mon": "09:00-25:00"},
        {"funday": "09:00-17:00"},
        {"fri-mon": "09:00-17:00"},
    ],
)
def test_bad_text_is_refused(spec):
    with pytest.raises(ValueError):
        WeeklyHours.parse(spec)


def test_a_weekday_given_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        WeeklyHours.parse({"mon-fri": "09:00-17:00", "wed": "10:00-12:00"})


def test_weekly_hours_need_seven_days_and_valid_weekdays():
    with pytest.raises(ValueError):
        WeeklyHours(((),) * 6)
    with pytest.raises(ValueError):
        WeeklyHours.from_mapping({7: [(time(9), time(17))]})


def test_naive_datetimes_and_negative_durations_are_refused():
    calendar = Calendar("Europe/Madrid", WeeklyHours.uniform([(time(9), time(17))]))
    naive = datetime(2026, 3, 16, 10)
    aware = naive.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        calendar.add_business_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        calendar.business_time_between(aware, naive)
    with pytest.raises(ValueError, match="naive"):
        calendar.is_open(naive)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_time(aware, timedelta(hours=-1))
    with pytest.raises(ValueError, match="naive"):
        Calendar("UTC", WeeklyHours.always(), closures=((naive, naive + timedelta(hours=1)),))


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        Calendar("Mars/Olympus_Mons", WeeklyHours.always())


def test_end_before_start_gives_zero_and_no_periods():
    calendar = Calendar.always_open("UTC")
    later, earlier = datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert calendar.business_time_between(later, earlier) == timedelta(0)
    assert list(calendar.open_periods(later, earlier)) == []


def test_a_calendar_that_never_opens_says_so_instead_of_looping():
    never = Calendar("UTC", WeeklyHours.from_mapping({}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="no business time"):
        never.add_business_time(start, timedelta(minutes=1))
    assert never.next_open_periods(start, 3) == []
    assert never.business_time_between(start, start + timedelta(days=30)) == timedelta(0)
    assert not never.is_open(start)


def test_calendars_are_values():
    first = Calendar("Europe/Madrid", WeeklyHours.uniform([(time(9), time(17))]), country="ES")
    second = Calendar("Europe/Madrid", WeeklyHours.uniform([(time(9), time(17))]), country="ES")
    first.is_open(datetime(2026, 1, 5, 10, tzinfo=UTC))  # builds first's timeline only
    assert first == second
    assert hash(first) == hash(second)
    assert Calendar.always_open("UTC") != Calendar.always_open("Europe/Madrid")


@pytest.mark.parametrize(
    "start", [datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)]
)
def test_instants_at_the_edges_of_datetime_are_refused_clearly(start):
    calendar = Calendar("Europe/Madrid", WeeklyHours.uniform([(time(9), time(17))]))
    with pytest.raises(ValueError):
        calendar.add_business_time(start, timedelta(hours=1))
