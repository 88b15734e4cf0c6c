"""Periods and day rows are cut at the reader's midnight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from atiende.reports import selectors
from atiende.reports.selectors import Period

from ..factories import make_ticket

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")


def test_a_late_evening_ticket_counts_on_the_next_day_in_madrid(committed, requester, manager):
    with committed(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)):
        make_ticket(requester)
    with committed(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)):
        make_ticket(requester)
    period = Period(datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))
    with timezone.override("Europe/Madrid"):
        days = selectors.report(manager, metric="created", dimension="day", period=period)
    assert [(r.key.date().isoformat(), r.value) for r in days.rows] == [
        ("2026-03-01", 1),
        ("2026-03-02", 1),
    ]
    with timezone.override("UTC"):
        days = selectors.report(manager, metric="created", dimension="day", period=period)
    assert [(r.key.date().isoformat(), r.value) for r in days.rows] == [("2026-03-01", 2)]
