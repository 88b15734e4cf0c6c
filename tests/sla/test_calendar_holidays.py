"""Public holidays by country and subdivision (the `holidays` package) and custom closed days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from atiende.sla import Calendar, WeeklyHours, holiday_dates

OFFICE_8X5 = WeeklyHours.uniform([(time(9), time(17))])


def test_madrid_and_catalonia_have_different_holidays():
    madrid = holiday_dates("ES", "MD", [2025, 2026])
    catalonia = holiday_dates("ES", "CT", [2025, 2026])
    # Shared national holidays.
    for day in (date(2025, 1, 1), date(2025, 5, 1), date(2025, 12, 25), date(2026, 10, 12)):
        assert day in madrid and day in catalonia
    # 2 May (Community of Madrid day) only in Madrid; 24 Jun and 11 Sep only in Catalonia.
    assert date(2025, 5, 2) in madrid and date(2025, 5, 2) not in catalonia
    for day in (date(2025, 6, 24), date(2025, 9, 11), date(2026, 9, 11)):
        assert day in catalonia and day not in madrid
    assert all(isinstance(name, str) and name for name in madrid.values())


def test_the_same_ticket_gets_a_later_deadline_in_madrid_than_in_barcelona():
    # Wednesday 2025-04-30 16:00, target 2 h, 09:00-17:00 Mon-Fri:
    #   both: 16:00-17:00 = 1 h; Thursday 1 May is Labour Day everywhere;
    #   Madrid: Friday 2 May is a holiday, weekend -> Monday 5 May 09:00 + 1 h = 10:00;
    #   Catalonia: Friday 2 May is a working day -> Friday 10:00.
    zone = ZoneInfo("Europe/Madrid")
    created = datetime(2025, 4, 30, 16, tzinfo=zone)
    in_madrid = Calendar("Europe/Madrid", OFFICE_8X5, country="ES", subdivision="MD")
    in_barcelona = Calendar("Europe/Madrid", OFFICE_8X5, country="ES", subdivision="CT")

    assert in_madrid.add_business_time(created, timedelta(hours=2)) == datetime(
        2025, 5, 5, 10, tzinfo=zone
    )
    assert in_barcelona.add_business_time(created, timedelta(hours=2)) == datetime(
        2025, 5, 2, 10, tzinfo=zone
    )


def test_us_thanksgiving():
    # America/New_York, Wednesday 2026-11-25 16:00 + 2 h: 1 h Wednesday; Thursday 26 is
    # Thanksgiving; Friday 27 is a working day for the federal calendar -> Friday 10:00 EST.
    zone = ZoneInfo("America/New_York")
    calendar = Calendar("America/New_York", OFFICE_8X5, country="US")
    deadline = calendar.add_business_time(
        datetime(2026, 11, 25, 16, tzinfo=zone), timedelta(hours=2)
    )
    assert deadline == datetime(2026, 11, 27, 10, tzinfo=zone)
    assert date(2026, 11, 26) in holiday_dates("US", None, [2026])


def test_england_and_scotland_bank_holidays_differ():
    # Friday 2026-08-28 16:00 (BST) + 2 h: 1 h Friday, then
    #   England: Monday 31 Aug is the late summer bank holiday -> Tuesday 1 Sep 10:00;
    #   Scotland: its summer bank holiday was 3 Aug -> Monday 31 Aug 10:00.
    zone = ZoneInfo("Europe/London")
    created = datetime(2026, 8, 28, 16, tzinfo=zone)
    england = Calendar("Europe/London", OFFICE_8X5, country="GB", subdivision="ENG")
    scotland = Calendar("Europe/London", OFFICE_8X5, country="GB", subdivision="SCT")
    assert england.add_business_time(created, timedelta(hours=2)) == datetime(
        2026, 9, 1, 10, tzinfo=zone
    )
    assert scotland.add_business_time(created, timedelta(hours=2)) == datetime(
        2026, 8, 31, 10, tzinfo=zone
    )
    assert date(2026, 12, 25) in holiday_dates("GB", None, [2026])


@pytest.mark.parametrize(
    ("country", "independence_or_national_day"),
    [
        ("MX", date(2026, 9, 16)),
        ("CO", date(2026, 7, 20)),
        ("AR", date(2026, 7, 9)),
        ("CL", date(2026, 9, 18)),
        ("PE", date(2026, 7, 28)),
        ("US", date(2026, 7, 4)),
        ("ES", date(2026, 10, 12)),
    ],
)
def test_latin_american_and_other_countries(country, independence_or_national_day):
    found = holiday_dates(country, None, [2026])
    assert date(2026, 1, 1) in found
    assert independence_or_national_day in found
    assert len(found) >= 5


def test_codes_are_case_insensitive():
    assert holiday_dates("es", "md", [2026]) == holiday_dates("ES", "MD", [2026])


def test_unknown_country_or_subdivision_is_refused_when_the_calendar_is_made():
    with pytest.raises(ValueError):
        Calendar("Europe/Madrid", OFFICE_8X5, country="XX")
    with pytest.raises(ValueError):
        Calendar("Europe/Madrid", OFFICE_8X5, country="ES", subdivision="ZZ")
    with pytest.raises(ValueError, match="subdivision needs a country"):
        Calendar("Europe/Madrid", OFFICE_8X5, subdivision="MD")


def test_holidays_of_later_years_are_loaded_as_computations_reach_them():
    # The first computation is in 2026; the second crosses into 2031, whose 1 January
    # (a Wednesday) must still be closed: Tuesday 2030-12-31 16:00 + 2 h -> 1 h on Tuesday,
    # Wednesday closed, Thursday 2 Jan 2031 09:00 + 1 h = 10:00 CET.
    zone = ZoneInfo("Europe/Madrid")
    calendar = Calendar("Europe/Madrid", OFFICE_8X5, country="ES", subdivision="MD")
    calendar.add_business_time(datetime(2026, 3, 2, 9, tzinfo=zone), timedelta(hours=1))
    deadline = calendar.add_business_time(
        datetime(2030, 12, 31, 16, tzinfo=zone), timedelta(hours=2)
    )
    assert deadline == datetime(2031, 1, 2, 10, tzinfo=zone)
    # A long target from 2026 also skips holidays years ahead: the whole of 2031-01-01 is
    # closed when the timeline grows forward from 2026.
    assert not calendar.is_open(datetime(2031, 1, 1, 12, tzinfo=zone))
    assert calendar.is_open(datetime(2031, 1, 2, 12, tzinfo=zone))


def test_custom_closed_dates_add_to_public_holidays():
    zone = ZoneInfo("Europe/Madrid")
    company_day = date(2026, 6, 5)  # a Friday, not a public holiday in Madrid
    calendar = Calendar(
        "Europe/Madrid",
        OFFICE_8X5,
        country="ES",
        subdivision="MD",
        closed_dates=frozenset({company_day}),
    )
    closed = calendar.holidays([2026])
    assert company_day in closed
    assert date(2026, 5, 2) in closed  # still the public ones
    # Thursday 4 Jun 16:00 + 2 h -> Monday 8 Jun 10:00 (Friday closed).
    assert calendar.add_business_time(
        datetime(2026, 6, 4, 16, tzinfo=zone), timedelta(hours=2)
    ) == datetime(2026, 6, 8, 10, tzinfo=zone)
