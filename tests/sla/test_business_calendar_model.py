"""BusinessCalendar rows become pure Calendars: hours, time zone, public and custom holidays,
closures; the cached calendar is refreshed when the row is saved."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from atiende.sla.models import BusinessCalendar, CalendarClosure, CalendarHoliday

from ..factories import make_ticket
from .conftest import at, clock_of, make_policy


@pytest.fixture
def madrid(db):
    calendar = BusinessCalendar.objects.create(
        name="Madrid office",
        time_zone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        hours={"mon-fri": "09:00-17:00"},
    )
    CalendarHoliday.objects.create(calendar=calendar, date=date(2026, 3, 9), name="Bridge day")
    calendar.save()
    return calendar


def test_friday_2359_with_a_monday_holiday(madrid, requester, committed, desk_default_team):
    make_policy(madrid, targets={3: (60, 480, None)})
    # Friday 6 March 23:59 in Madrid (UTC+1 in March) = 22:59 UTC. Saturday, Sunday and the
    # custom holiday on Monday 9 are closed: counting starts Tuesday 10 at 09:00 Madrid
    # (08:00 UTC); 60 min -> 10:00 Madrid = 09:00 UTC; 480 min -> 17:00 Madrid = 16:00 UTC.
    with committed(datetime(2026, 3, 6, 22, 59, tzinfo=UTC)):
        ticket = make_ticket(requester, impact=2, urgency=2)
    assert clock_of(ticket, "first_response").deadline == at(10, 9)
    assert clock_of(ticket, "resolution").deadline == at(10, 16)


def test_public_holidays_and_closures_are_closed(madrid):
    CalendarClosure.objects.create(
        calendar=madrid, start=at(10, 8), end=at(10, 12), reason="Office move"
    )
    madrid.save()
    calendar = madrid.to_calendar()
    assert not calendar.is_open(at(9, 10))  # custom holiday
    assert not calendar.is_open(at(10, 9))  # closure (10:00 Madrid)
    assert calendar.is_open(at(10, 12))  # 13:00 Madrid
    assert not calendar.is_open(datetime(2026, 5, 1, 10, tzinfo=UTC))  # Labour Day (ES)


def test_saving_refreshes_the_cached_calendar(office):
    first = office.to_calendar()
    assert office.to_calendar() is first  # built once
    office.hours = {"mon-fri": "08:00-12:00"}
    office.save()
    office.refresh_from_db()
    assert office.to_calendar() is not first
    assert office.to_calendar().is_open(at(2, 8, 30))


def test_24x7_ignores_hours(always):
    assert always.to_calendar().is_open(at(7, 3))  # Saturday 03:00


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hours", {"mon-fri": "17:00-09:00"}),
        ("hours", {"someday": "09:00-17:00"}),
        ("time_zone", "Mars/Olympus"),
        ("country", "XX"),
    ],
)
def test_invalid_calendars_are_refused(db, field, value):
    calendar = BusinessCalendar(name="Bad", hours={"mon-fri": "09:00-17:00"})
    setattr(calendar, field, value)
    with pytest.raises(ValidationError):
        calendar.full_clean()
