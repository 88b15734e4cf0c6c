"""One reading of dates and datetimes from clients: aware, in the caller's time zone, bounded."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from atiende.core.dates import YEAR_MAX, YEAR_MIN, check_range, parse_moment
from atiende.core.errors import ValidationFailed

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def test_empty_is_none():
    assert parse_moment(None, field="start") is None
    assert parse_moment("  ", field="start") is None


def test_an_aware_datetime_is_kept():
    assert parse_moment("2026-12-01T09:00Z", field="start") == datetime(2026, 12, 1, 9, tzinfo=UTC)
    moment = parse_moment("2026-12-01T09:00+01:00", field="start", tz=UTC)
    assert moment == datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_a_naive_datetime_is_read_in_the_callers_time_zone():
    with timezone.override(MADRID):
        moment = parse_moment("2026-12-01T09:00", field="start")
    assert moment == datetime(2026, 12, 1, 8, tzinfo=UTC)
    naive = datetime(2026, 7, 1, 9)
    assert parse_moment(naive, field="start", tz=MADRID) == datetime(2026, 7, 1, 7, tzinfo=UTC)


def test_a_date_alone_is_the_start_or_the_end_of_that_day_in_the_callers_time_zone():
    with timezone.override(MADRID):
        start = parse_moment("2026-12-01", field="start")
        end = parse_moment("2026-12-01", field="end", end_of_day=True)
        from_date = parse_moment(date(2026, 12, 1), field="start")
    assert start == datetime(2026, 11, 30, 23, tzinfo=UTC) == from_date
    assert end == start + timedelta(days=1) - timedelta(microseconds=1)
    assert timezone.is_aware(start) and timezone.is_aware(end)


def test_an_offset_can_be_required_for_times_but_a_date_is_still_read():
    with pytest.raises(ValidationFailed) as failure:
        parse_moment("2026-12-01T09:00", field="starts_at", offset_required=True)
    assert "starts_at" in failure.value.errors
    assert parse_moment("2026-12-01", field="starts_at", offset_required=True, tz=UTC) == (
        datetime(2026, 12, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "value",
    ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00",
     f"{YEAR_MIN - 1}-12-31", f"{YEAR_MAX + 1}-01-01", datetime(9999, 12, 31, 23),
     date(1, 1, 1)],
)  # fmt: skip
def test_years_out_of_range_are_a_field_error_never_an_overflow(value):
    with pytest.raises(ValidationFailed) as failure:
        parse_moment(value, field="start", tz=MADRID)
    assert str(YEAR_MIN) in failure.value.errors["start"][0]


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30", "2026-13-01T00:00Z", 20261201, []])
def test_anything_else_is_a_field_error(value):
    with pytest.raises(ValidationFailed) as failure:
        parse_moment(value, field="start")
    assert "start" in failure.value.errors


def test_the_range_ends_are_accepted():
    assert parse_moment(f"{YEAR_MIN}-01-01", field="start", tz=UTC).year == YEAR_MIN
    assert parse_moment(f"{YEAR_MAX}-12-31", field="end", end_of_day=True, tz=UTC).year == YEAR_MAX


def test_a_text_too_long_to_be_a_date_is_refused_unread():
    # Twenty thousand digits of a second were read as a date and stored.
    with pytest.raises(ValidationFailed) as failure:
        parse_moment("2026-12-01T09:00:00." + "1" * 20_000, field="start")
    assert "start" in failure.value.errors


def test_check_range_refuses_backwards_and_too_long_ranges():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    check_range(start, start + timedelta(days=31), max_days=31)  # exactly the limit: fine
    for end, max_days in (
        (start, 0),
        (start - timedelta(seconds=1), 0),
        (start + timedelta(days=32), 31),
    ):
        with pytest.raises(ValidationFailed) as refused:
            check_range(start, end, max_days=max_days)
        assert "end" in refused.value.errors
