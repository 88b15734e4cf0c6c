"""The requester and assignee pickers: a type-ahead endpoint answering at most N people,
from indexed prefix searches, in a fixed number of queries, for agents only; the new-ticket
form takes what it sends (an id or an e-mail address) and its assignee list follows the
team."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.accounts.selectors import PICKER_LIMIT, people_search
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient, assert_error
from ..factories import AgentFactory, RequesterFactory, add_to_team


@pytest.fixture
def crowd(db):
    people = [
        RequesterFactory(first_name="Ana", last_name=f"Pérez {n}", email=f"ana{n}@example.org")
        for n in range(PICKER_LIMIT + 5)
    ]
    people.append(RequesterFactory(first_name="Bruno", last_name="Anaya", email="b@x.org"))
    people.append(RequesterFactory(first_name="Carla", last_name="Ruiz", email="carla@x.org"))
    return people


def test_prefix_of_any_name_or_email_at_most_n(agent, crowd):
    found = people_search(agent, "ana")
    assert len(found) == PICKER_LIMIT
    assert people_search(agent, "anaya")[0].first_name == "Bruno"  # the last name
    assert [p.email for p in people_search(agent, "CARLA@")] == ["carla@x.org"]
    assert len(people_search(agent, "PéR")) == PICKER_LIMIT  # accents as written
    assert [p.email for p in people_search(agent, "bruno an")] == ["b@x.org"]  # every word
    assert people_search(agent, "uiz") == []  # prefixes, not substrings: index range scans
    assert people_search(agent, "   ") == []


def test_requesters_never_list_people(requester, crowd):
    assert people_search(requester, "ana") == []
    assert_error(ApiClient(requester).get("/people?q=ana"), 403)


def test_endpoint_in_a_fixed_number_of_queries(agent, crowd):
    client = Client()
    client.force_login(agent)
    url = reverse("api:people_search")
    client.get(url, {"q": "x"})
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"q": "ana"})
    assert answer.status_code == 200
    assert len(answer.json()) == PICKER_LIMIT
    assert len(captured) <= 3, [q["sql"] for q in captured]  # session, user, people
    assert_error(ApiClient(agent).get("/people?q=ana&limit=500"), 422)


def test_agents_and_team_filters(agent, other_agent, team, crowd):
    assert {p.pk for p in people_search(agent, "agent", agents=True)} >= {agent.pk}
    assert people_search(agent, "ana", agents=True) == []
    members = people_search(agent, "", agents=True, team_id=team.pk)
    assert members == []  # no words, nobody
    found = {p.pk for p in people_search(agent, agent.username[:3], team_id=team.pk)}
    assert agent.pk in found and other_agent.pk not in found


def test_the_search_is_an_index_scan(agent, crowd):
    """Every word is a range on the folded name keys and the UPPER() indexes: the plan names
    them (PostgreSQL is told to avoid sequential scans, which it prefers on a table this
    small)."""
    with CaptureQueriesContext(connection) as captured:
        people_search(agent, "ana")
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = " ".join(str(row) for row in cursor.fetchall())
    for index in ("user_first_name_key", "user_last_name_key", "user_email_upper"):
        assert index in plan, plan


def test_new_ticket_takes_the_pickers_answer(agent, requester, team, other_team):
    client = Client()
    client.force_login(agent)
    data = {"kind": "incident", "title": "Picked", "impact": 3, "urgency": 3}
    bad = client.post(reverse("desk:new"), {**data, "requester": "nobody@nowhere.org"})
    assert bad.status_code == 422 and "No such person" in bad.content.decode()
    by_email = client.post(reverse("desk:new"), {**data, "requester": requester.email.upper()})
    assert by_email.status_code == 302
    assert Ticket.objects.get(title="Picked").requester == requester


def test_assignee_options_say_their_teams(agent, team, other_team):
    helper = add_to_team(AgentFactory(), other_team)
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:new")).content.decode()
    assert 'data-follows-team="new_team"' in page
    assert f'value="{agent.pk}" data-teams="{team.pk}"' in page
    assert f'value="{helper.pk}" data-teams="{other_team.pk}"' in page


def test_names_fold_accents_and_case_on_every_database(agent):
    """SQLite's UPPER() and LIKE know ASCII only: the stored folded keys (User.*_key) make
    "jose" find "José" and "ÁLVARO" find "Álvaro" there as on PostgreSQL."""
    jose = RequesterFactory(first_name="José", last_name="Núñez", email="jn@x.org")
    alvaro = RequesterFactory(first_name="Álvaro", last_name="Íñiguez", email="ai@x.org")
    RequesterFactory(first_name="Josefina", last_name="Ruiz", email="jr@x.org")
    assert [p.pk for p in people_search(agent, "jose nu")] == [jose.pk]
    assert [p.pk for p in people_search(agent, "ÁLVARO")] == [alvaro.pk]
    assert [p.pk for p in people_search(agent, "alvaro")] == [alvaro.pk]
    assert [p.pk for p in people_search(agent, "iñig")] == [alvaro.pk]
    assert [p.pk for p in people_search(agent, "NUNEZ")] == [jose.pk]
    assert len(people_search(agent, "JOSÉ")) == 2  # José and Josefina
    # A rename keeps the key (save with update_fields too).
    jose.first_name = "Ángela"
    jose.save(update_fields=["first_name"])
    assert [p.pk for p in people_search(agent, "angela")] == [jose.pk]
    assert people_search(agent, "jose nu") == []
