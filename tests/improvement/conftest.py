"""Incidents at chosen days for the trend tests: created through the ticket action, then
moved to their day (the rule reads `created_at` only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atiende.cmdb.models import TicketItem
from atiende.tickets.models import Ticket

from ..factories import make_ticket

# The scan runs at NOW: its window is the 7 days before 2026-03-10 00:00 UTC, its baseline
# the 28 days before those.
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TODAY = datetime(2026, 3, 10, tzinfo=UTC)


def incidents_on(requester, days_ago: list[int], *, category=None, item=None, kind="incident"):
    """One incident per entry of `days_ago` (1 = yesterday), at noon of that day."""
    made = []
    for n, ago in enumerate(days_ago):
        fields = {"title": f"Incident {n}", "kind": kind}
        if category is not None:
            fields["category_id"] = category.pk
        ticket = make_ticket(requester, **fields)
        at = TODAY - timedelta(days=ago) + timedelta(hours=12)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=at, updated_at=at)
        if item is not None:
            TicketItem.objects.create(ticket=ticket, item=item, created_at=at)
        ticket.created_at = at
        made.append(ticket)
    return made


@pytest.fixture
def settings_utc(settings):
    settings.TIME_ZONE = "UTC"
    return settings
