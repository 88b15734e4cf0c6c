"""Report test helpers: time travel with the after-commit subscribers run (as a real commit
would), and an SLA policy on an office calendar (Mon-Fri 09:00-17:00 UTC)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine

from atiende.reports.actions import facts_catch_up
from atiende.sla.models import BusinessCalendar, SlaPolicy, SlaTarget


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """An instant of 2026, UTC: at(2, 9) is Monday 2 March 09:00."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block at `when` with its after-commit handlers, then what the periodic job
    does next: recompute the facts of the tickets the block queued."""

    @contextmanager
    def run(when: datetime):
        with time_machine.travel(when, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                yield
            facts_catch_up()

    return run


@pytest.fixture
def office_policy(db):
    """The only active policy: first response 60 min, resolution 480 min for every priority,
    on office hours, paused while pending."""
    SlaPolicy.objects.all().delete()
    calendar = BusinessCalendar.objects.create(
        name="Office 8x5", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    policy = SlaPolicy.objects.create(
        name="Office", position=0, calendar=calendar, pause_statuses=["pending"]
    )
    for priority in range(1, 6):
        SlaTarget.objects.create(
            policy=policy, priority=priority, first_response_minutes=60, resolution_minutes=480
        )
    return policy
