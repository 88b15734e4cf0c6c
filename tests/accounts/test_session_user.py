"""The signed-in user of a request (accounts.middleware): read with their team ids in one
statement, under the same rules as Django's get_user, and never stale across requests."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.accounts.models import TeamMembership

from ..factories import AgentFactory, add_to_team, make_ticket

pytestmark = pytest.mark.django_db


def page(ticket) -> str:
    return reverse("desk:ticket", args=[ticket.number])


@pytest.fixture
def other_teams_ticket(requester, other_agent, other_team):
    return make_ticket(requester, actor=other_agent, team_id=other_team.pk)


def test_user_and_team_ids_come_in_one_statement(client, agent, team, other_team):
    add_to_team(agent, other_team)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("desk:queue"))
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert user.pk == agent.pk and user.is_authenticated
    assert user._team_ids == sorted([team.pk, other_team.pk])
    statements = [q["sql"] for q in captured]
    (own,) = [sql for sql in statements if re.search(rf'\."id" = {agent.pk}\b', sql)]
    assert "accounts_teammembership" in own  # the user's row with their memberships
    by_user = rf'"accounts_teammembership"\."user_id" = {agent.pk}\b'
    assert not any(re.search(by_user, sql) for sql in statements)  # no second read


def test_agent_without_team_has_no_team_ids(client, db):
    loner = AgentFactory(username="loner")
    client.force_login(loner)
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 200 and response.wsgi_request.user._team_ids == []


def test_joining_a_team_shows_its_tickets_at_the_next_request(
    client, agent, other_team, other_teams_ticket
):
    client.force_login(agent)
    assert client.get(page(other_teams_ticket)).status_code == 404
    add_to_team(agent, other_team)
    assert client.get(page(other_teams_ticket)).status_code == 200


def test_leaving_a_team_hides_its_tickets_at_the_next_request(
    client, agent, other_team, other_teams_ticket
):
    add_to_team(agent, other_team)
    client.force_login(agent)
    assert client.get(page(other_teams_ticket)).status_code == 200
    TeamMembership.objects.filter(user=agent, team=other_team).delete()
    assert client.get(page(other_teams_ticket)).status_code == 404


def test_deactivated_user_is_signed_out(client, agent):
    client.force_login(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_deleted_user_is_nobody(client, requester):
    client.force_login(requester)
    requester.delete()
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_password_changed_elsewhere_ends_the_session(client, agent):
    client.force_login(agent)
    agent.set_password("a-brand-new-secret-42")
    agent.save()
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated
    assert SESSION_KEY not in client.session  # flushed, as Django's get_user does


def test_session_of_an_unknown_backend_is_nobody(client, agent):
    client.force_login(agent)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_signing_in_with_the_form_then_reading_a_page(client, agent):
    agent.set_password("correct-horse-battery-9")
    agent.save()
    response = client.post(
        reverse("login"), {"username": "agent", "password": "correct-horse-battery-9"}
    )
    assert response.status_code == 302
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 200 and response.wsgi_request.user.pk == agent.pk
