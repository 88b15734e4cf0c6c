"""Holidays and closures are entered in the admin (model forms, so model.clean): a date the
SLA clocks cannot count around is a form error there. A closure until 9999-12-31 used to be
saved, and then every new ticket's clock failed ("no business time for that long"): a 500
for everyone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from atiende.sla.models import CalendarClosure, CalendarHoliday

START = datetime(2026, 12, 24, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (START, datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "end"),
        (datetime(1, 1, 1, tzinfo=UTC), START, "start"),
        (START, START + timedelta(days=367), "end"),
        (START, START - timedelta(hours=1), "end"),
    ],
)
def test_a_closure_the_clocks_cannot_count_around_is_refused_on_its_field(
    office, start, end, field
):
    closure = CalendarClosure(calendar=office, start=start, end=end)
    with pytest.raises(ValidationError) as refused:
        closure.full_clean()
    assert field in refused.value.message_dict


def test_a_closure_of_up_to_a_year_is_accepted(office):
    CalendarClosure(calendar=office, start=START, end=START + timedelta(days=366)).full_clean()


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(3000, 1, 1)])
def test_a_holiday_outside_the_desks_years_is_refused(office, day):
    with pytest.raises(ValidationError) as refused:
        CalendarHoliday(calendar=office, date=day, name="Far").full_clean()
    assert "between 1900 and 2999" in refused.value.message_dict["date"][0]


def test_a_closure_stored_before_the_checks_is_ignored_by_the_clocks(office, caplog):
    """A poisoned row already in the database (saved before clean() existed, or written past
    it) must not fail every new ticket's clock: the calendar skips it and says so."""
    CalendarClosure.objects.create(
        calendar=office, start=START, end=datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    )
    CalendarClosure.objects.create(
        calendar=office,
        start=datetime(2026, 12, 7, tzinfo=UTC),
        end=datetime(2026, 12, 8, tzinfo=UTC),
    )
    office.refresh_from_db()
    calendar = office.to_calendar()
    monday_9 = datetime(2026, 12, 7, 9, tzinfo=UTC)
    # The sane closure (all of Monday) still counts; the absurd one is skipped.
    assert calendar.add_business_time(monday_9, timedelta(hours=8)) == datetime(
        2026, 12, 8, 17, tzinfo=UTC
    )
    assert calendar.add_business_time(START, timedelta(hours=2)) > START
    assert "ignored" in caplog.text
