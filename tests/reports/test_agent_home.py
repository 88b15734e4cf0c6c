"""The agent's home, where agents land after signing in: their open work soonest due first,
what waits on them (the requester replied), their recent CSAT and their teams' tickets
breaching soon; read only through the agent's own tickets' indexes, a fixed number of
queries."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from atiende.sla.models import SlaTarget
from atiende.tickets import actions

from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")


def client_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_agents_land_on_their_home_with_the_queue_one_click_away(agent, requester):
    answer = client_for(agent).get(reverse("home"))
    assert answer.status_code == 302 and answer["Location"] == reverse("agent_home")
    page = client_for(agent).get(reverse("agent_home"))
    assert page.status_code == 200
    assert f'<a class="button primary" href="{reverse("desk:queue")}">Open the queue</a>' in (
        page.content.decode()
    )
    # Requesters still land on the portal, and never see the home.
    assert client_for(requester).get(reverse("home"))["Location"] == reverse("portal:home")
    assert client_for(requester).get(reverse("agent_home")).status_code == 302


def test_my_work_by_due_time_and_what_waits_on_me(
    agent, other_agent, requester, committed, office_policy
):
    SlaTarget.objects.filter(policy=office_policy).update(next_response_minutes=120)
    with committed(at(2, 9)):
        later = make_ticket(requester, actor=agent, title="Later one", assignee_id=agent.pk,
                            impact=3, urgency=3)  # fmt: skip
    with committed(at(3, 9)):
        sooner = make_ticket(requester, actor=agent, title="Sooner one", assignee_id=agent.pk)
    with committed(at(3, 10)):
        make_ticket(requester, actor=other_agent, title="Not mine", assignee_id=other_agent.pk)
    with committed(at(3, 11)):
        actions.comment_add(actor=agent, ticket_id=sooner.pk, body="Which printer?")
    with committed(at(3, 12)):
        actions.comment_add(actor=requester, ticket_id=sooner.pk, body="Floor 2.")
    with time_machine.travel(at(3, 13), tick=False):
        html = client_for(agent).get(reverse("agent_home")).content.decode()
    mine = html[html.index('id="mine-h"') : html.index('id="waiting"')]
    assert "Not mine" not in mine
    # Both have the same targets; "Later one" was created a day earlier, so it is due first.
    assert mine.index(later.number) < mine.index(sooner.number)
    waiting = html[html.index('id="waiting"') : html.index('id="breaching"')]
    assert sooner.number in waiting and later.number not in waiting


def test_my_teams_breaching_soon(agent, other_agent, requester, committed):
    with committed(at(2, 9)):
        ours = make_ticket(requester, actor=agent, title="Ours")  # the desk's default team
    with committed(at(2, 9)):
        theirs = make_ticket(
            requester, actor=other_agent, title="Theirs", team_id=other_agent.teams.first().pk
        )
    # First response due at 10:00 (60 business minutes): at 09:30 it is within 4 hours.
    with time_machine.travel(at(2, 9, 30), tick=False):
        html = client_for(agent).get(reverse("agent_home")).content.decode()
    breaching = html[html.index('id="breaching"') :]
    assert ours.number in breaching and theirs.number not in breaching


def test_a_fixed_number_of_queries(agent, requester, committed, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            with committed(at(2 + i % 5, 9)):
                make_ticket(requester, actor=agent, assignee_id=agent.pk)

    add(1)
    client = client_for(agent)
    with time_machine.travel(at(9, 9, 30), tick=False):
        client.get(reverse("agent_home"))
        with CaptureQueriesContext(connection) as first:
            client.get(reverse("agent_home"))
    add(12)
    with time_machine.travel(at(9, 9, 30), tick=False), django_assert_num_queries(len(first)):
        client.get(reverse("agent_home"))
