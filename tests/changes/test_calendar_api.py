"""The calendar's API: calendar of a range, conflicts of a change, blackouts, CAB agenda;
bad input answered with field errors; requesters get 404; listed in the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine

from atiende.accounts.actions import api_token_create
from atiende.changes import conflicts
from atiende.changes.models import BlackoutWindow, ChangeConflict
from atiende.tickets.models import Status

from .calendar_support import T0, at, make_blackout, make_change, small_estate


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def estate(db):
    return small_estate()


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(actor=user, user=user).secret}"}


RANGE = {"start": "2026-12-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}


def test_calendar_of_a_range(client, agent, team, estate):
    a = make_change(agent, start=at(1), end=at(3), team=team, items=[estate["erp_db"]])
    b = make_change(agent, start=at(2), end=at(4), items=[estate["erp_db"]])
    make_change(agent, start=at(0, days=60), end=at(1, days=60))
    conflicts.refresh(a.pk)
    make_blackout("Year end", start=at(0, days=15), end=at(0, days=20))
    response = client.get("/api/v1/changes/calendar", RANGE, **bearer(agent))
    assert response.status_code == 200
    data = response.json()
    assert [i["number"] for i in data["items"]] == [a.number, b.number]
    assert data["items"][0]["has_conflict"] and data["items"][0]["team_id"] == team.pk
    assert data["items"][0]["planned_start"].startswith("2026-12-07T10:00:00")
    assert data["blackouts"][0]["name"] == "Year end" and data["blackouts"][0]["items"] == []
    filtered = client.get(
        "/api/v1/changes/calendar", {**RANGE, "team": team.pk, "status": "scheduled,implementing"},
        **bearer(agent),
    ).json()  # fmt: skip
    assert [i["id"] for i in filtered["items"]] == [a.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}, "end"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}, "end"),
        ({**RANGE, "status": "nowhere"}, "status"),
        ({**RANGE, "type": "urgent"}, "type"),
        ({"start": "yesterday", "end": "2027-01-01T00:00:00Z"}, "start"),
        ({"end": "2027-01-01T00:00:00Z"}, "start"),
        ({**RANGE, "team": "0"}, "team"),
    ],
)
def test_calendar_bad_input_is_a_field_error(client, agent, params, field):
    response = client.get("/api/v1/changes/calendar", params, **bearer(agent))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_requesters_get_404(client, requester):
    headers = bearer(requester)
    assert client.get("/api/v1/changes/calendar", RANGE, **headers).status_code == 404
    assert client.get("/api/v1/cab/agenda", **headers).status_code == 404
    assert client.get("/api/v1/blackouts", **headers).status_code == 404
    assert client.get("/api/v1/changes/calendar", RANGE).status_code == 401


def test_conflicts_of_a_change(client, agent, estate):
    a = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    b = make_change(agent, start=at(2), end=at(4), items=[estate["erp_app"]])
    blackout = make_blackout("Freeze", start=at(0), end=at(2), items=[estate["erp"]])
    conflicts.refresh(a.pk)
    data = client.get(f"/api/v1/changes/{a.number}/conflicts", **bearer(agent)).json()
    kinds = {c["kind"]: c for c in data["items"]}
    assert kinds["shared_service"]["other"]["number"] == b.number
    assert kinds["shared_service"]["services"] == [{"id": estate["erp"].pk, "name": "ERP"}]
    assert kinds["blackout"]["blackout"]["id"] == blackout.pk
    assert kinds["blackout"]["blackout"]["items"] == [{"id": estate["erp"].pk, "name": "ERP"}]
    assert data["hidden"] == 0
    assert client.get("/api/v1/changes/calendarx/conflicts", **bearer(agent)).status_code == 422
    assert client.get("/api/v1/changes/CHG-999999/conflicts", **bearer(agent)).status_code == 404
    assert client.get("/api/v1/changes/999999/conflicts", **bearer(agent)).status_code == 404


def test_conflicts_with_invisible_changes_are_only_counted(
    client, agent, other_agent, other_team, estate
):
    a = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    make_change(other_agent, start=at(1), end=at(3), team=other_team, items=[estate["erp_db"]])
    conflicts.refresh(a.pk)
    data = client.get(f"/api/v1/changes/{a.pk}/conflicts", **bearer(agent)).json()
    assert data == {"items": [], "hidden": 1}


def test_managers_add_blackouts_and_covered_changes_get_the_conflict(
    client, manager, agent, estate
):
    change = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    payload = {
        "name": "Audit freeze",
        "starts_at": "2026-12-07T00:00:00Z",
        "ends_at": "2026-12-08T00:00:00Z",
        "reason": "External audit",
        "items": [estate["erp"].pk],
    }
    denied = client.post("/api/v1/blackouts", payload, content_type="application/json",
                         **bearer(agent))  # fmt: skip
    assert denied.status_code == 403
    response = client.post("/api/v1/blackouts", payload, content_type="application/json",
                           **bearer(manager))  # fmt: skip
    assert response.status_code == 201
    blackout = BlackoutWindow.objects.get()
    assert response.json()["items"] == [{"id": estate["erp"].pk, "name": "ERP"}]
    assert ChangeConflict.objects.filter(change=change, blackout=blackout).exists()
    listed = client.get("/api/v1/blackouts", **bearer(agent)).json()
    assert [b["name"] for b in listed] == ["Audit freeze"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"ends_at": "2026-12-06T00:00:00Z"}, "ends_at"),
        ({"items": [999999]}, "items"),
        ({"starts_at": "0001-01-01T00:00:00Z"}, "starts_at"),
        ({"starts_at": "2026-12-07 nine"}, "starts_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_blackouts_are_refused_and_nothing_is_written(client, manager, change, field):
    payload = {"name": "Freeze", "starts_at": "2026-12-07T00:00:00Z",
               "ends_at": "2026-12-08T00:00:00Z", **change}  # fmt: skip
    response = client.post("/api/v1/blackouts", payload, content_type="application/json",
                           **bearer(manager))  # fmt: skip
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not BlackoutWindow.objects.exists()


def test_cab_agenda_api(client, agent, estate):
    waiting = make_change(agent, start=at(24), end=at(26), status=Status.AUTHORISATION,
                          items=[estate["erp_db"]])  # fmt: skip
    soon = make_change(agent, start=at(25), end=at(27), items=[estate["erp_app"]])
    conflicts.refresh(waiting.pk)
    data = client.get("/api/v1/cab/agenda", {"days": 3}, **bearer(agent)).json()
    assert [c["number"] for c in data["awaiting_authorisation"]] == [waiting.number]
    assert [c["number"] for c in data["scheduled"]] == [soon.number]
    row = data["awaiting_authorisation"][0]
    assert row["services"] == [{"id": estate["erp"].pk, "name": "ERP"}]
    assert row["conflicts"][0]["other"]["number"] == soon.number
    assert row["approvals"] == {"approved": 0, "pending": 0, "rejected": 0}
    assert client.get("/api/v1/cab/agenda", {"days": 0}, **bearer(agent)).status_code == 422


def test_openapi_lists_the_calendar_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/changes/calendar", "/api/v1/changes/{change_id}/conflicts",
                 "/api/v1/blackouts", "/api/v1/cab/agenda"):  # fmt: skip
        assert path in paths


def test_calendar_api_query_count(client, agent, estate, django_assert_max_num_queries):
    for n in range(30):
        c = make_change(agent, start=at(n), end=at(n + 2), items=[estate["erp_db"]])
        conflicts.refresh(c.pk)
    headers = bearer(agent)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/changes/calendar", RANGE, **headers)
    assert response.json()["count"] == 30


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 10, 0, 5, 123456, tzinfo=UTC),
        datetime(2026, 12, 1, 10, 0, 5, 999, tzinfo=UTC),
        datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=-3))),
    ],
)
def test_calendar_times_are_written_as_every_other_answer_writes_them(value):
    from django.core.serializers.json import DjangoJSONEncoder

    from atiende.changes.calendar.api import _json_time

    assert _json_time(value) == DjangoJSONEncoder().default(value)


def test_a_naive_blackout_time_is_read_in_the_managers_time_zone(client, manager):
    # It used to be refused ("give the time zone"); every date is now read one way (docs/api.md).
    manager.time_zone = "Europe/Madrid"
    manager.save(update_fields=["time_zone"])
    payload = {"name": "Freeze", "starts_at": "2026-12-07T09:00", "ends_at": "2026-12-08"}
    response = client.post("/api/v1/blackouts", payload, content_type="application/json",
                           **bearer(manager))  # fmt: skip
    assert response.status_code == 201, response.json()
    blackout = BlackoutWindow.objects.get()
    assert blackout.starts_at == datetime(2026, 12, 7, 8, tzinfo=UTC)
    # a date alone as the end of a range is through that day
    assert blackout.ends_at == datetime(2026, 12, 8, 22, 59, 59, 999999, tzinfo=UTC)
