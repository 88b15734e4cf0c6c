"""iCalendar rendering: UTC times, stable UIDs, escaping, parseable by the icalendar library."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import icalendar
import pytest

from atiende.changes.calendar.ics import CANCELLED, FeedEvent, render

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def test_render_writes_utc_times_and_escapes_text():
    body = render(
        [
            FeedEvent(
                uid="change-12@atiende",
                start=datetime(2026, 12, 7, 10, tzinfo=MADRID),
                end=datetime(2026, 12, 7, 12, tzinfo=MADRID),
                summary="CHG-000012 Patch ERP; reboot, then test",
                status=CANCELLED,
                url="https://desk.example/changes/12/",
            )
        ],
        name="Changes",
        stamp=datetime(2026, 12, 1, tzinfo=UTC),
    )
    text = body.decode()
    assert "DTSTART:20261207T090000Z" in text and "DTEND:20261207T110000Z" in text
    assert "SUMMARY:CHG-000012 Patch ERP\\; reboot\\, then test" in text
    assert "STATUS:CANCELLED" in text and "UID:change-12@atiende" in text
    parsed = icalendar.Calendar.from_ical(body)
    (event,) = parsed.walk("VEVENT")
    assert str(event["summary"]) == "CHG-000012 Patch ERP; reboot, then test"
    assert event.decoded("dtstart") == datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert str(event["url"]) == "https://desk.example/changes/12/"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        render(
            [FeedEvent("x", datetime(2026, 1, 1), datetime(2026, 1, 2), "x")],
            name="x",
            stamp=datetime(2026, 1, 1, tzinfo=UTC),
        )
