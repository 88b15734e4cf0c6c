"""What a requester sees of the desk (docs/api.md, "What a requester sees"): status, dates,
the conversation, number, title, kind and category; who handles it only as the agent's first
name or "Service desk"; never the team, the priority, impact or urgency, or an agent's full
name. The same in the portal, the API and (tests/mail/test_notify_tickets.py) their e-mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    agent.first_name, agent.last_name = "Lucía", "Fernández Ruiz"
    agent.save()
    ticket = make_ticket(requester, title="VPN drops", impact=1, urgency=1)
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking at it.")
    return Ticket.objects.get(pk=ticket.pk)


def test_api_ticket_as_requester_hides_what_is_internal(requester, ticket):
    body = ApiClient(requester).get(f"/tickets/{ticket.pk}").json()
    assert body["handled_by"] == "Lucía"
    assert body["assignee"] is None and body["team"] is None
    assert (body["priority"], body["impact"], body["urgency"]) == (None, None, None)
    assert body["status"] == ticket.status and body["title"] == "VPN drops"
    listed = ApiClient(requester).get("/tickets").json()["items"][0]
    assert listed["assignee"] is None and listed["priority"] is None
    assert "Fernández" not in str(listed)


def test_api_ticket_as_agent_is_complete(agent, ticket):
    body = ApiClient(agent).get(f"/tickets/{ticket.pk}").json()
    assert body["assignee"]["display_name"] == "Lucía Fernández Ruiz"
    assert body["team"]["name"] == "Service Desk"
    assert body["priority"] == ticket.priority and body["impact"] == 1


def test_api_timeline_names_agents_by_first_name_for_requesters(requester, agent, ticket):
    mine = ApiClient(requester).get(f"/tickets/{ticket.pk}/events").json()
    by_agent = [e["actor"] for e in mine if e["actor"] and e["actor"]["id"] == agent.pk]
    assert by_agent and {a["display_name"] for a in by_agent} == {"Lucía"}
    theirs = ApiClient(agent).get(f"/tickets/{ticket.pk}/events").json()
    assert "Lucía Fernández Ruiz" in {e["actor"]["display_name"] for e in theirs if e["actor"]}


@pytest.mark.parametrize(
    "params", [{"priority": 1}, {"team": 1}, {"assignee": "none"}, {"sort": "priority"}]
)
def test_requesters_cannot_filter_by_internal_fields(requester, agent, ticket, params):
    answer = ApiClient(requester).get("/tickets", params)
    assert answer.status_code == 422
    assert ApiClient(agent).get("/tickets", params).status_code == 200


def test_portal_names_the_agent_by_first_name_only(client, requester, ticket):
    client.force_login(requester)
    html = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "Lucía" in html and "Fernández" not in html
    assert "Service Desk" not in html  # the team


def test_unassigned_or_nameless_is_the_service_desk(client, requester, agent, ticket):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": None}
    )
    assert ApiClient(requester).get(f"/tickets/{ticket.pk}").json()["handled_by"] == "Service desk"
    agent.first_name = ""
    agent.save()
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    client.force_login(requester)
    html = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "Service desk" in html and agent.username not in html
