"""The managers' assignment pages and the agent's availability card on /account/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from atiende.assignment.models import AgentSettings, Mode, TeamPolicy
from atiende.audit.models import AuditEntry
from atiende.sla.models import BusinessCalendar

from ..factories import CategoryFactory
from .conftest import policy, settings


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_administration_menu_links_the_page(manager, agent):
    assert reverse("assignment:teams") in _as(manager).get(reverse("desk:queue")).text
    assert reverse("assignment:teams") not in _as(agent).get(reverse("desk:queue")).text


def test_agents_and_requesters_get_404(agent, requester, desk):
    for user in (agent, requester):
        client = _as(user)
        for url in (
            reverse("assignment:teams"),
            reverse("assignment:team", args=[desk.pk]),
            reverse("assignment:agent", args=[agent.pk]),
        ):
            assert client.get(url).status_code == 404, (user, url)


def test_team_list_and_page_in_few_queries(manager, desk, agents, django_assert_max_num_queries):
    policy(desk, Mode.LEAST_LOADED, default_cap=7)
    for agent in agents:
        settings(agent, cap=3, calendar=BusinessCalendar.objects.first())
    client = _as(manager)
    client.get(reverse("assignment:teams"))  # warm the session
    with django_assert_max_num_queries(8):
        page = client.get(reverse("assignment:teams"))
    assert "Least loaded" in page.text
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assignment:team", args=[desk.pk]))
    assert page.status_code == 200
    for agent in agents:
        assert agent.display_name in page.text


def test_a_manager_sets_the_policy_and_it_is_audited(manager, desk):
    response = _as(manager).post(
        reverse("assignment:team", args=[desk.pk]),
        {"mode": "round_robin", "use_skills": "on", "default_cap": "5"},
    )
    assert response.status_code == 302
    found = TeamPolicy.objects.get(team=desk)
    assert (found.mode, found.use_skills, found.respect_working_hours, found.default_cap) == (
        Mode.ROUND_ROBIN,
        True,
        False,
        5,
    )
    assert AuditEntry.objects.filter(object_id=desk.pk, object_repr=desk.name).exists()


@pytest.mark.parametrize("data", [{"mode": "lottery"}, {"mode": "round_robin", "default_cap": "0"}])
def test_bad_policy_is_422_and_writes_nothing(manager, desk, data):
    response = _as(manager).post(reverse("assignment:team", args=[desk.pk]), data)
    assert response.status_code == 422
    assert not TeamPolicy.objects.exists()


def test_a_stale_policy_form_is_a_conflict(manager, desk):
    policy(desk)
    TeamPolicy.objects.filter(team=desk).update(version=3)
    response = _as(manager).post(
        reverse("assignment:team", args=[desk.pk]), {"mode": "manual", "version": "2"}
    )
    assert response.status_code == 422
    assert "changed by someone else (version 3, you had 2)" in response.text
    assert TeamPolicy.objects.get(team=desk).mode == Mode.ROUND_ROBIN


def test_a_manager_sets_an_agents_skills(manager, desk, agents):
    category = CategoryFactory(name="Printers")
    calendar = BusinessCalendar.objects.first()
    response = _as(manager).post(
        reverse("assignment:agent", args=[agents[0].pk]) + f"?team={desk.pk}",
        {
            "available": "on",
            "calendar": calendar.pk,
            "cap": "4",
            "categories": [category.pk],
            "languages": ["es"],
            "away_from": "2026-08-01T09:00",
            "away_until": "2026-08-15T18:00",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("assignment:team", args=[desk.pk])
    found = AgentSettings.objects.get(user=agents[0])
    assert (found.calendar, found.cap, found.languages) == (calendar, 4, ["es"])
    assert list(found.categories.all()) == [category]
    assert found.away_from < found.away_until


def test_the_agent_sets_their_availability_on_their_account(agent):
    client = _as(agent)
    page = client.get(reverse("accounts:profile"))
    assert 'id="assignment-availability"' in page.text
    response = client.post(
        reverse("assignment:availability"),
        {"away_from": "2026-08-01T09:00", "away_until": "2026-08-15T18:00"},
    )
    assert response.status_code == 302
    found = AgentSettings.objects.get(user=agent)
    assert found.available is False
    assert found.away_until > found.away_from
    assert found.away_from.astimezone(UTC) == datetime(2026, 8, 1, 9, 0, tzinfo=UTC)


def test_an_away_period_that_ends_before_it_starts_is_refused(agent):
    response = _as(agent).post(
        reverse("assignment:availability"),
        {"available": "on", "away_from": "2026-08-15T09:00", "away_until": "2026-08-01T09:00"},
    )
    assert response.status_code == 422
    assert "The end must be after the start." in response.text
    assert not AgentSettings.objects.exists()


def test_requesters_have_no_availability_card(requester):
    page = _as(requester).get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "assignment-availability" not in page.text
    assert _as(requester).post(reverse("assignment:availability"), {}).status_code in (302, 404)
    assert not AgentSettings.objects.exists()


def test_the_timeline_explains_the_choice(desk, requester, other_agent, agents):
    from ..factories import make_ticket

    policy(desk, default_cap=1)
    first = make_ticket(requester, actor=other_agent, team_id=desk.pk)
    page = _as(agents[0]).get(reverse("desk:ticket", args=[first.number]))
    assert "Automatic assignment" in page.text
    assert f"Round-robin chose {agents[0].display_name} (0 open tickets, load 0)" in page.text
    for _ in range(2):
        make_ticket(requester, actor=other_agent, team_id=desk.pk)
    left = make_ticket(requester, actor=other_agent, team_id=desk.pk)
    assert left.assignee_id is None
    page = _as(agents[0]).get(reverse("desk:ticket", args=[left.number]))
    assert "Round-robin: nobody could take it, it stays in the team queue (3 agents)" in page.text
    assert "Passed over: 3 at their cap" in page.text
    # Requesters never see the explanation (an internal entry).
    page = _as(requester).get(reverse("portal:ticket", args=[left.number]))
    assert page.status_code == 200
    assert "Automatic assignment" not in page.text
