"""One change must not break the change calendar for everyone. The calendar's range scans
reach back by the longest planned window (ScheduleBound); a far-future window grew it past
anything a date can lose, and from then on every calendar page, feed and scheduling answered
500. Windows are now bounded (conflicts.MAX_WINDOW), the bound heals itself, and the
arithmetic on it cannot overflow (docs/change-calendar.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from atiende.changes import actions, conflicts
from atiende.changes.calendar import actions as calendar_actions
from atiende.changes.models import ChangeDetails, ScheduleBound
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import Status, Ticket

from ..api.conftest import ApiClient, assert_error
from .calendar_support import T0, at
from .calendar_support import make_change as place_change
from .factories import make_change

HUGE = 2**62  # seconds: no timedelta holds it
TOO_LONG = "A change window lasts at most 366 days"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poison() -> None:
    ScheduleBound.objects.update_or_create(pk=1, defaults={"longest_seconds": HUGE})


def old_long_change(agent, *, start: datetime, end: datetime) -> Ticket:
    """A change saved before windows were bounded (written directly, as an old row is)."""
    ticket = place_change(agent, start=at(1), end=at(3), status=Status.SCHEDULED)
    ChangeDetails.objects.filter(ticket=ticket).update(planned_start=start, planned_end=end)
    return ticket


# --- refused at the door ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-08T22:00:00Z", "2999-12-31T23:59:59Z", TOO_LONG),  # about 973 years
        ("2026-12-08T22:00:00Z", "2027-12-10T22:00:00Z", TOO_LONG),  # 367 days
        ("2026-12-08T22:00:00Z", "9999-12-31T23:59:59Z", "Give a year between 1900 and 2999"),
    ],
)
def test_api_refuses_a_far_future_window_with_a_message(agent, start, end, message):
    client = ApiClient(agent)
    body = {"title": "Forever", "planned_start": start, "planned_end": end}
    error = assert_error(client.post("/changes", body), 422, "planned_end")
    assert message in error["errors"]["planned_end"][0]
    assert not Ticket.objects.exists()
    change = make_change(agent)
    patch = {"version": change.version, "planned_start": start, "planned_end": end}
    assert_error(client.patch(f"/changes/{change.pk}", patch), 422, "planned_end")
    assert not ScheduleBound.objects.filter(longest_seconds__gt=366 * 86400).exists()


def test_a_window_of_exactly_the_limit_is_accepted(agent):
    start = datetime(2026, 12, 8, tzinfo=UTC)
    change = make_change(agent, planned_start=start, planned_end=start + timedelta(days=366))
    assert change.change.planned_end - change.change.planned_start == conflicts.MAX_WINDOW


def test_the_form_refuses_a_far_future_window_on_its_field(agent):
    response = client_for(agent).post(
        "/changes/new/",
        {"change_type": "normal", "title": "Forever", "impact": 3, "urgency": 3,
         "planned_start": "2026-12-08T22:00", "planned_end": "2999-12-31T23:59"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["planned_end"][0].startswith(TOO_LONG)
    assert not Ticket.objects.exists()


# --- a poisoned bound cannot take a page down ---------------------------------------------------


@pytest.fixture
def poisoned(agent):
    """A bound no timedelta holds, and an old change spanning nearly all of Python's calendar
    (which keeps the bound huge when computed again)."""
    place_change(agent, start=at(1), end=at(3), title="Ordinary change")
    old_long_change(
        agent,
        start=datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        end=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    )
    poison()


@pytest.mark.parametrize("view", ["month", "week", "list"])
@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Kiritimati", "America/Adak"])
def test_calendar_pages_survive_a_poisoned_bound(agent, poisoned, view, time_zone):
    agent.time_zone = time_zone
    agent.save(update_fields=["time_zone"])
    response = client_for(agent).get("/changes/calendar/", {"view": view, "date": "2026-12-07"})
    assert response.status_code == 200
    assert "Ordinary change" in response.content.decode()


def test_ical_feed_survives_a_poisoned_bound(client, agent, poisoned):
    issued = calendar_actions.feed_token_create(actor=agent)
    response = client.get("/changes/calendar.ics", {"token": issued.secret})
    assert response.status_code == 200
    assert b"Ordinary change" in response.content


def test_api_calendar_survives_a_poisoned_bound(agent, poisoned):
    range_ = {"start": "2026-12-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"}
    response = ApiClient(agent).get("/changes/calendar", range_)
    assert response.status_code == 200, response.content
    assert "Ordinary change" in [item["title"] for item in response.json()["items"]]


def test_scheduling_survives_a_poisoned_bound(agent, poisoned):
    scheduled = place_change(agent, start=at(5), end=at(6), status=Status.SCHEDULED)
    moved = actions.change_update(
        actor=agent,
        ticket_id=scheduled.pk,
        version=scheduled.version,
        changes={"planned_start": at(7), "planned_end": at(8)},
    )
    assert moved.change.planned_start == at(7)


def test_an_old_too_long_window_must_be_corrected_before_it_is_scheduled(agent):
    old = old_long_change(agent, start=at(0), end=at(0, days=800))
    with pytest.raises(ValidationFailed) as refused:
        conflicts.check_schedule(old.change, at(0), at(0, days=800), actor=agent)
    assert TOO_LONG in refused.value.errors["planned_end"][0]


# --- the bound heals ---------------------------------------------------------------------------


def test_a_poisoned_row_is_computed_again_from_the_changes(agent):
    place_change(agent, start=at(1), end=at(3))
    poison()
    assert conflicts.longest_window() == timedelta(hours=2)
    assert ScheduleBound.objects.get().longest_seconds == 7200


def test_correcting_the_long_change_shrinks_the_bound(agent):
    place_change(agent, start=at(1), end=at(3))
    long = place_change(agent, start=at(0), end=at(0, days=300), status=Status.ASSESSMENT)
    assert conflicts.longest_window() == timedelta(days=300)
    actions.change_update(
        actor=agent,
        ticket_id=long.pk,
        version=long.version,
        changes={"planned_start": at(0), "planned_end": at(4)},
    )
    assert conflicts.longest_window() == timedelta(hours=4)


def test_correcting_an_old_far_future_change_heals_the_calendar(agent):
    old = old_long_change(agent, start=at(1), end=datetime(2999, 12, 31, tzinfo=UTC))
    conflicts.note_window(old.change.planned_start, old.change.planned_end)  # as it once did
    actions.change_update(
        actor=agent,
        ticket_id=old.pk,
        version=old.version,
        changes={"planned_end": "2026-12-08"},  # a date alone: through that day
    )
    assert conflicts.longest_window() < timedelta(days=2)


def test_deleting_the_long_change_shrinks_the_bound(agent):
    place_change(agent, start=at(1), end=at(3))
    old = old_long_change(agent, start=at(1), end=datetime(2999, 12, 31, tzinfo=UTC))
    conflicts.note_window(old.change.planned_start, old.change.planned_end)
    Ticket.objects.filter(pk=old.pk).delete()  # changes are never deleted by the app itself
    assert conflicts.longest_window() == timedelta(hours=2)


def test_the_migration_drops_an_oversized_bound(agent):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("atiende.changes.migrations.0009_schedule_bound_recomputed")
    poison()
    migration.drop_oversized_bound(apps, None)
    assert not ScheduleBound.objects.exists()
    ScheduleBound.objects.create(pk=1, longest_seconds=7200)
    migration.drop_oversized_bound(apps, None)
    assert ScheduleBound.objects.get().longest_seconds == 7200
