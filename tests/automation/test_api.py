"""/api/v1/automation/...: managers build rules with typed rows; bad rows are a 422 naming the
row and write nothing; agents are refused; the dry run writes nothing."""

from __future__ import annotations

import pytest

from atiende.automation.models import Rule
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def body(team, **extra):
    return {
        "name": "Printers",
        "trigger": "created",
        "conditions": [{"field": "title", "op": "contains", "values": ["printer"]}],
        "actions": [{"type": "set_field", "field": "team", "value": str(team.pk)}],
        **extra,
    }


def test_create_list_update_move_delete(manager, other_team, requester):
    api = ApiClient(manager)
    created = api.post("/automation/rules", body(other_team))
    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule["position"] == 0 and rule["enabled"]
    assert make_ticket(requester).team_id == other_team.pk

    second = api.post("/automation/rules", body(other_team, name="Second")).json()
    assert second["position"] == 1
    moved = api.post(f"/automation/rules/{second['id']}/move", {"up": True}).json()
    assert moved["position"] == 0
    assert [r["name"] for r in api.get("/automation/rules").json()] == ["Second", "Printers"]

    off = api.patch(f"/automation/rules/{rule['id']}", {"enabled": False, "version": 1})
    assert off.status_code == 200 and off.json()["enabled"] is False
    stale = api.patch(f"/automation/rules/{rule['id']}", {"name": "X", "version": 1})
    assert stale.status_code == 409

    assert api.delete(f"/automation/rules/{rule['id']}").status_code == 204
    assert api.get(f"/automation/rules/{rule['id']}").status_code == 404


def test_bad_rows_are_422_and_write_nothing(manager, other_team):
    api = ApiClient(manager)
    bad = body(other_team, conditions=[{"field": "priority", "op": "in", "values": ["9"]}])
    assert_error(api.post("/automation/rules", bad), 422, "conditions.0.values")
    unknown = body(other_team, actions=[{"type": "explode"}])
    assert_error(api.post("/automation/rules", unknown), 422)
    free = body(other_team, conditions=[{"field": "title", "op": "contains", "x": 1}])
    assert_error(api.post("/automation/rules", free), 422)
    assert not Rule.objects.exists()


def test_agents_and_requesters_are_refused(agent, requester, other_team):
    assert_error(ApiClient(agent).get("/automation/rules"), 403)
    assert_error(ApiClient(agent).post("/automation/rules", body(other_team)), 403)
    assert_error(ApiClient(requester).post("/automation/dry-run", body(other_team)), 403)
    assert not Rule.objects.exists()


def test_dry_run_answers_and_writes_nothing(manager, other_team, requester):
    make_ticket(requester, title="Printer jam")
    make_ticket(requester, title="VPN down")
    answer = ApiClient(manager).post("/automation/dry-run", body(other_team))
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["looked_at"], data["matched"]) == (2, 1)
    assert data["hits"][0]["title"] == "Printer jam"
    assert data["hits"][0]["actions"] == [f"Set Team to {other_team.name}"]
    assert not Ticket.objects.filter(team=other_team).exists()
    assert not Rule.objects.exists()


def test_the_api_offers_every_condition_field():
    from typing import get_args

    from atiende.automation import api, schema

    assert set(get_args(api.ConditionField)) == set(schema.CONDITION_FIELDS)
