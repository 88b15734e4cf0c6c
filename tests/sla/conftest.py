"""SLA test helpers: a clean configuration (the default policies the migration seeds are
removed so each test states its own), calendars, policies, and a `committed` context that
runs the after-commit subscribers inside the default rolled-back test transaction."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine

from atiende.sla.models import (
    BusinessCalendar,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaTarget,
)

# Monday 2 March 2026 (1 March 2026 is a Sunday).
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026, UTC: at(2, 9) is Monday 2 March 09:00."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def seeded_policies(db):
    """Keep the policies the data migration seeded (other tests start from none)."""
    return list(SlaPolicy.objects.all())


@pytest.fixture(autouse=True)
def _no_seeded_policies(request, db):
    if "seeded_policies" not in request.fixturenames:
        SlaPolicy.objects.all().delete()


@pytest.fixture
def office(db):
    """Mon-Fri 09:00-17:00 UTC, no holidays."""
    return BusinessCalendar.objects.create(
        name="Office 8x5", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )


@pytest.fixture
def always(db):
    return BusinessCalendar.objects.create(name="Always", time_zone="UTC", is_24x7=True)


def make_policy(calendar, *, name="Standard", position=0, targets=None, **conditions):
    """targets: {priority: (first_response, resolution, next_response)} in minutes."""
    teams = conditions.pop("teams", [])
    organizations = conditions.pop("organizations", [])
    categories = conditions.pop("categories", [])
    conditions.setdefault("pause_statuses", ["pending"])
    policy = SlaPolicy.objects.create(name=name, position=position, calendar=calendar, **conditions)
    policy.teams.set(teams)
    policy.organizations.set(organizations)
    policy.categories.set(categories)
    for priority, (first, resolution, following) in (targets or {}).items():
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            resolution_minutes=resolution,
            next_response_minutes=following,
        )
    return policy


def escalate(policy, trigger, action, *, clock="any", team=None):
    return SlaEscalation.objects.create(
        policy=policy, trigger=trigger, action=action, clock=clock, team=team
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(at(2, 9)):` travels to that instant and runs the on-commit
    subscribers of what happens inside, as a real commit would."""

    @contextmanager
    def run(when: datetime):
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return run


def clock_of(ticket, kind: str) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, kind=kind)
