"""GET /api/v1/reports/…: the same numbers as the desk, scoped the same way, documented."""

from __future__ import annotations

import pytest

from atiende.api.api import api

from ..api.conftest import ApiClient
from ..factories import AgentFactory, add_to_team
from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

MARCH = {"start": "2026-03-01T00:00Z", "end": "2026-03-31T23:59:59.999999Z"}


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def test_the_report_by_team_with_the_previous_period(data, manager, team, other_team):
    answer = ApiClient(manager).get(
        "/reports/report", {"metric": "created", "dimension": "team", **MARCH}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [(r["key"], r["label"], r["value"]) for r in body["rows"]] == [
        (team.pk, team.name, 4),
        (other_team.pk, other_team.name, 1),
    ]
    assert (body["total"]["value"], body["total"]["previous"]) == (5, 1)


def test_percentiles_and_parts(data, manager):
    body = ApiClient(manager).get("/reports/report", {"metric": "resolution_wall", **MARCH}).json()
    assert (body["unit"], body["total"]["value"], body["total"]["parts"]["p90"]) == (
        "seconds", 10800, 241200,
    )  # fmt: skip


def test_an_agent_gets_only_what_they_may_see(data, other_team):
    outsider = add_to_team(AgentFactory(username="bea"), other_team)
    body = ApiClient(outsider).get("/reports/report", {"metric": "created", **MARCH}).json()
    assert body["total"]["value"] == 1


def test_requesters_get_404_and_bad_input_422(data, requester, manager):
    assert ApiClient(requester).get("/reports/report", {"metric": "created"}).status_code == 404
    assert ApiClient(requester).get("/reports/metrics").status_code == 404
    client = ApiClient(manager)
    assert client.get("/reports/report", {"metric": "nope"}).status_code == 422
    assert client.get("/reports/report", {"metric": "created", "dimension": "x"}).status_code == 422
    bad_range = client.get(
        "/reports/report", {"metric": "created", "start": "2026-03-02", "end": "2026-03-01"}
    )
    assert bad_range.status_code == 422
    split = client.get("/reports/report", {"metric": "change_success", "dimension": "team"})
    assert split.status_code == 422


def test_the_dictionary_and_the_openapi_document(manager):
    body = ApiClient(manager).get("/reports/metrics").json()
    assert {"created", "sla_resolution", "fcr", "change_success"} <= {
        m["name"] for m in body["metrics"]
    }
    assert "service" in {d["name"] for d in body["dimensions"]}
    paths = api.get_openapi_schema()["paths"]
    assert "/api/v1/reports/report" in paths and "/api/v1/reports/metrics" in paths
