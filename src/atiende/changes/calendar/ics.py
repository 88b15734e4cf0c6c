"""iCalendar (RFC 5545) rendering of the change calendar, for calendar applications that
subscribe to a feed. Pure: takes plain entries, answers bytes; the view reads and checks
access. Times are written in UTC (DTSTART:20260101T100000Z) so every client agrees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

PRODID = "-//Atiende//Change calendar//EN"

# Our change statuses mapped to the VEVENT STATUS values (RFC 5545 3.8.1.11).
TENTATIVE = "TENTATIVE"
CONFIRMED = "CONFIRMED"
CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT. `uid` must be stable across fetches: clients update the event by it."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    status: str = CONFIRMED
    url: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()
    last_modified: datetime | None = None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("iCalendar times must be aware datetimes")
    return value.astimezone(UTC)


def render(events: Iterable[FeedEvent], *, name: str, stamp: datetime) -> bytes:
    """The VCALENDAR with one VEVENT per entry. `stamp` is DTSTAMP (when the feed was built)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = _utc(stamp)
    for entry in events:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(entry.start))
        event.add("dtend", _utc(entry.end))
        event.add("summary", entry.summary)
        event.add("status", entry.status)
        if entry.url:
            event.add("url", entry.url)
        if entry.description:
            event.add("description", entry.description)
        if entry.categories:
            event.add("categories", list(entry.categories))
        if entry.last_modified is not None:
            event.add("last-modified", _utc(entry.last_modified))
        calendar.add_component(event)
    return calendar.to_ical()
