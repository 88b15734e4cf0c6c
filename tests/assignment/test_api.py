"""/api/v1/assignment: a team's policy and an agent's settings."""

from __future__ import annotations

import pytest

from atiende.assignment.models import AgentSettings, Mode, TeamPolicy

from ..api.conftest import ApiClient, assert_error
from ..factories import CategoryFactory
from .conftest import policy


@pytest.fixture
def api_as():
    return ApiClient


def test_agents_read_a_teams_policy(api_as, agent, desk):
    answer = api_as(agent).get(f"/assignment/teams/{desk.pk}")
    assert answer.status_code == 200
    assert answer.json() == {
        "team": {"id": desk.pk, "name": desk.name},
        "mode": "manual",
        "use_skills": False,
        "respect_working_hours": True,
        "default_cap": None,
        "last_assigned": None,
        "version": 1,
    }


def test_requesters_see_no_policy(api_as, requester, desk):
    assert_error(api_as(requester).get(f"/assignment/teams/{desk.pk}"), 404)


def test_a_manager_changes_the_policy_with_its_version(api_as, manager, desk):
    client = api_as(manager)
    answer = client.patch(f"/assignment/teams/{desk.pk}", {"mode": "least_loaded"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["mode"] == "least_loaded"
    answer = client.patch(
        f"/assignment/teams/{desk.pk}", {"version": 1, "default_cap": 6, "use_skills": True}
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["default_cap"], answer.json()["version"]) == (6, 2)
    stale = client.patch(f"/assignment/teams/{desk.pk}", {"version": 1, "mode": "manual"})
    assert_error(stale, 409)
    assert stale.json()["current_version"] == 2
    assert TeamPolicy.objects.get(team=desk).mode == Mode.LEAST_LOADED


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mode": "lottery"}, "mode"),
        ({"default_cap": 0}, "default_cap"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_policy_input_is_422_and_writes_nothing(api_as, manager, desk, body, field):
    assert_error(api_as(manager).patch(f"/assignment/teams/{desk.pk}", body), 422, field)
    assert not TeamPolicy.objects.exists()


def test_agents_cannot_change_a_policy(api_as, agent, desk):
    assert_error(api_as(agent).patch(f"/assignment/teams/{desk.pk}", {"mode": "manual"}), 403)
    assert not TeamPolicy.objects.exists()


def test_an_agent_sets_their_own_availability(api_as, agent):
    client = api_as(agent)
    answer = client.patch(
        f"/assignment/agents/{agent.pk}",
        {"available": False, "away_from": "2026-08-01T09:00:00Z", "away_until": "2026-08-15"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["available"] is False
    assert body["away_from"].startswith("2026-08-01T09:00")
    assert body["version"] == 2
    # Their skills and cap are the managers' to set.
    assert_error(client.patch(f"/assignment/agents/{agent.pk}", {"cap": 3}), 403)
    assert AgentSettings.objects.get(user=agent).cap is None


def test_another_agents_settings_look_missing(api_as, agent, other_agent):
    assert_error(api_as(agent).get(f"/assignment/agents/{other_agent.pk}"), 404)
    assert_error(
        api_as(agent).patch(f"/assignment/agents/{other_agent.pk}", {"available": False}), 404
    )
    assert not AgentSettings.objects.exists()


def test_a_manager_sets_skills_and_a_bad_period_is_refused(api_as, manager, agent):
    category = CategoryFactory()
    client = api_as(manager)
    answer = client.patch(
        f"/assignment/agents/{agent.pk}",
        {"categories": [category.pk], "languages": ["es"], "cap": 4},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["categories"] == [category.pk]
    assert (answer.json()["languages"], answer.json()["cap"]) == (["es"], 4)
    bad = client.patch(
        f"/assignment/agents/{agent.pk}",
        {"away_from": "2026-08-15T00:00:00Z", "away_until": "2026-08-01T00:00:00Z"},
    )
    assert_error(bad, 422, "away_until")
    assert_error(client.patch(f"/assignment/agents/{agent.pk}", {"categories": [999999]}), 422)
    assert_error(client.patch(f"/assignment/agents/{agent.pk}", {"languages": ["fr"]}), 422)
    assert AgentSettings.objects.get(user=agent).away_from is None


def test_the_pointer_shows_who_was_chosen_last(api_as, agent, desk, agents, requester):
    from ..factories import make_ticket

    policy(desk)
    make_ticket(requester, actor=agent, team_id=desk.pk)
    answer = api_as(agent).get(f"/assignment/teams/{desk.pk}")
    assert answer.json()["last_assigned"]["id"] == agents[0].pk


def test_the_creators_answer_shows_the_assignment(api_as, requester, admin_user, desk, agents):
    policy(desk)
    answer = api_as(admin_user).post(
        "/tickets", {"title": "VPN down", "team": desk.pk, "requester": requester.pk}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    # Inserted assigned: the first version.
    assert (body["assignee"]["id"], body["status"], body["version"]) == (
        agents[0].pk,
        "assigned",
        1,
    )
    # The version is the stored one: a PATCH with it is accepted.
    patched = api_as(admin_user).patch(
        f"/tickets/{body['id']}", {"version": body["version"], "title": "VPN down again"}
    )
    assert patched.status_code == 200, patched.content
