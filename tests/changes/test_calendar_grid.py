"""Grid arithmetic of the calendar: which days a month or week shows, local day ranges and
per-day buckets with "+N more"."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

from atiende.changes.calendar.selectors import (
    bucket,
    local_range,
    month_days,
    shift_month,
    spanned_days,
    week_days,
    weeks,
)

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def test_month_grid_is_whole_weeks_monday_first():
    days = month_days(2026, 12)  # 1 December 2026 is a Tuesday
    assert days[0] == date(2026, 11, 30) and days[0].weekday() == 0
    assert days[-1] == date(2027, 1, 3) and days[-1].weekday() == 6
    assert len(days) % 7 == 0 and date(2026, 12, 31) in days
    assert month_days(2021, 2)[0] == date(2021, 2, 1) and len(month_days(2021, 2)) == 28


def test_week_and_month_shift():
    assert week_days(date(2026, 12, 10))[0] == date(2026, 12, 7)
    assert shift_month(date(2026, 12, 15), 1) == date(2027, 1, 1)
    assert shift_month(date(2026, 1, 31), -1) == date(2025, 12, 1)


def test_local_range_follows_the_viewers_time_zone():
    start, end = local_range([date(2026, 12, 7), date(2026, 12, 13)], MADRID)
    assert start.astimezone(UTC) == datetime(2026, 12, 6, 23, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 13, 23, tzinfo=UTC)


def test_spanned_days_midnight_end_stays_on_the_previous_day():
    first, last = spanned_days(
        datetime(2026, 12, 7, 22, tzinfo=UTC), datetime(2026, 12, 8, 0, tzinfo=UTC), UTC
    )
    assert (first, last) == (date(2026, 12, 7), date(2026, 12, 7))
    # 23:30 UTC is already the next day in Madrid.
    first, _last = spanned_days(
        datetime(2026, 12, 7, 23, 30, tzinfo=UTC), datetime(2026, 12, 8, 1, tzinfo=UTC), MADRID
    )
    assert first == date(2026, 12, 8)


def test_bucket_caps_cells_and_counts_the_rest():
    days = month_days(2026, 12)
    entries = [
        (datetime(2026, 12, 7, h, tzinfo=UTC), datetime(2026, 12, 7, h + 1, tzinfo=UTC))
        for h in range(8)
    ]
    entries.append((datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 2, 12, tzinfo=UTC)))
    cells = bucket(entries, days, UTC, window=lambda e: e, per_cell=3, month=12)
    by_day = {c.day: c for c in cells}
    assert len(by_day[date(2026, 12, 7)].shown) == 3 and by_day[date(2026, 12, 7)].more == 5
    # A long change starting before the grid shows on every grid day it covers.
    assert by_day[date(2026, 11, 30)].total == 1 and not by_day[date(2026, 11, 30)].in_month
    assert by_day[date(2026, 12, 2)].total == 1 and by_day[date(2026, 12, 3)].total == 0
    assert [len(w) for w in weeks(cells)] == [7] * (len(days) // 7)
