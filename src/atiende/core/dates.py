"""Dates and datetimes from query parameters, JSON bodies and forms: one reading for all.

- An aware datetime ("2026-12-01T09:00Z", "...+01:00") is kept as it is.
- A naive one ("2026-12-01T09:00") is read in the caller's time zone (the active one: the
  signed-in user's preference, else UTC), unless the caller demands an offset.
- A date alone ("2026-12-01") is the start of that day in the caller's time zone, or its
  last instant when it is an inclusive upper bound (`end_of_day=True`).
- Years outside YEAR_MIN..YEAR_MAX are refused: the far ends of Python's calendar (0001,
  9999) overflow as soon as a time zone moves them, and no service desk date lies there.
Anything else is a ValidationFailed on the field, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .errors import ValidationFailed

YEAR_MIN = 1900
YEAR_MAX = 2999
# The longest text read as a date ("2026-12-01T09:00:00.123456+01:00" is 32): anything longer
# is not one a person or a client means, and is not worth parsing.
TEXT_MAX = 64


def parse_moment(
    value: Any,
    *,
    field: str,
    end_of_day: bool = False,
    offset_required: bool = False,
    tz: tzinfo | None = None,
) -> datetime | None:
    """`value` (a string, a datetime or a date) as an aware datetime; None when empty.

    `tz` defaults to the active time zone. `offset_required` refuses naive datetimes (for
    APIs whose contract is "with a time zone"); a date alone is still read in `tz`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    zone = tz or timezone.get_current_timezone()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return _day_edge(value, zone, field=field, end_of_day=end_of_day)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > TEXT_MAX:
            raise ValidationFailed.field(
                field, _("Enter a date (2026-12-01) or a date and time (2026-12-01T09:00Z).")
            )
        try:  # the date first: parse_datetime also reads a date alone, as naive midnight
            day = parse_date(text)
            parsed = None if day is not None else parse_datetime(text)
        except ValueError:  # well formed but impossible, e.g. 2026-02-30
            parsed = day = None
        if day is not None:
            return _day_edge(day, zone, field=field, end_of_day=end_of_day)
        if parsed is None:
            raise ValidationFailed.field(
                field, _("Enter a date (2026-12-01) or a date and time (2026-12-01T09:00Z).")
            )
        moment = parsed
    else:
        raise ValidationFailed.field(
            field, _("Enter a date (2026-12-01) or a date and time (2026-12-01T09:00Z).")
        )
    check_year(moment.year, field)
    if timezone.is_naive(moment):
        if offset_required:
            raise ValidationFailed.field(field, _("Give the time zone, e.g. 2026-12-24T18:00Z."))
        moment = timezone.make_aware(moment, zone)
    return moment


def _day_edge(day: date, zone: tzinfo, *, field: str, end_of_day: bool) -> datetime:
    check_year(day.year, field)
    return timezone.make_aware(datetime.combine(day, time.max if end_of_day else time.min), zone)


def check_year(year: int, field: str) -> None:
    """Refuse (ValidationFailed on `field`) a year outside YEAR_MIN..YEAR_MAX: also for a
    date alone (a calendar page's day), whose neighbours a page computes."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationFailed.field(
            field,
            _("Give a year between %(min)d and %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX},
        )


def check_range(start: datetime, end: datetime, *, field: str = "end", max_days: int = 0) -> None:
    """Refuse (ValidationFailed on `field`) a range that ends before it starts, or, with
    `max_days`, one longer than that: the one check behind every `start`/`end` query."""
    if end <= start:
        raise ValidationFailed.field(field, _("The end must be after the start."))
    if max_days and end - start > timedelta(days=max_days):
        raise ValidationFailed.field(
            field, _("Ask for %(days)d days at most.") % {"days": max_days}
        )
