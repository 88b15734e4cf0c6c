"""The assignee follows the ticket's team: an agent outside the team (who does not see every
ticket) is refused as its assignee with a clear 422, in the API and on the desk; the ticket
page's and the bulk bar's assignee selects say each agent's teams, so the list follows the
team chosen."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient
from ..factories import AgentFactory, add_to_team, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agent, requester, team):
    return make_ticket(requester, actor=agent, team_id=team.pk)


def test_the_api_refuses_an_assignee_outside_the_team(agent, other_agent, ticket):
    answer = ApiClient(agent).patch(
        f"/tickets/{ticket.pk}", {"version": ticket.version, "assignee": other_agent.pk}
    )
    assert answer.status_code == 422, answer.content
    assert "assignee" in answer.json()["errors"]
    assert "team" in answer.json()["errors"]["assignee"][0]
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_moving_to_their_team_with_the_assignee_is_accepted(agent, other_agent, other_team, ticket):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None,
        changes={"team": other_team.pk, "assignee": other_agent.pk},
    )  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == other_agent.pk


def test_an_agent_who_sees_every_ticket_may_be_assigned(agent, ticket):
    everywhere = AgentFactory(sees_all_tickets=True)
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": everywhere.pk}
    )
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == everywhere.pk


def test_the_ticket_page_and_bulk_selects_follow_the_team(agent, other_agent, team, ticket):
    colleague = add_to_team(AgentFactory(first_name="Colega"), team)
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert 'data-follows-team="fields_team"' in page
    assert f'value="{colleague.pk}" data-teams="{team.pk}"' in page
    queue = client.get(reverse("desk:queue") + "?view=all").content.decode()
    assert 'data-follows-team="bulk_team"' in queue
