"""The desk queue: predefined views, filters, search, sorting, keyset pages, access, speed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from atiende.accounts.models import Role
from atiende.tickets import actions
from atiende.tickets.models import Kind, Status

from ...factories import AgentFactory, CategoryFactory, UserFactory, add_to_team, make_ticket

QUEUE = reverse("desk:queue")


def numbers(response) -> list[str]:
    """Ticket numbers listed in the queue table, in order."""
    return re.findall(
        r'<td class="num"><a href="[^"]+">([A-Z]{3}-\d+)</a>', response.content.decode()
    )


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def tickets(requester, agent, other_agent, team, other_team, desk_default_team):
    """Mine (assigned to agent), unassigned in my team, other team's, and a resolved one."""
    mine = make_ticket(requester, actor=agent, title="Mine", assignee_id=agent.pk)
    unassigned = make_ticket(requester, title="Unassigned in my team")
    elsewhere = make_ticket(
        requester, actor=other_agent, title="Networks only", team_id=other_team.pk
    )
    done = make_ticket(requester, actor=agent, title="Done", assignee_id=agent.pk)
    actions.ticket_transition(
        actor=agent, ticket_id=done.pk, to=Status.RESOLVED,
        resolution_code="solved", resolution_notes="Fixed.",
    )  # fmt: skip
    return {"mine": mine, "unassigned": unassigned, "elsewhere": elsewhere, "done": done}


def test_requester_is_sent_to_the_portal(client, requester):
    client.force_login(requester)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_anonymous_must_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_default_view_is_my_open_tickets(desk, tickets):
    response = desk.get(QUEUE)
    assert response.status_code == 200
    assert numbers(response) == [tickets["mine"].number]
    assert 'aria-current="page">My open tickets' in response.content.decode()


def test_my_teams_unassigned(desk, tickets):
    response = desk.get(QUEUE, {"view": "unassigned"})
    assert numbers(response) == [tickets["unassigned"].number]


def test_agent_without_teams_has_no_team_queue(client, tickets):
    loner = AgentFactory()
    client.force_login(loner)
    assert numbers(client.get(QUEUE, {"view": "unassigned"})) == []


def test_all_open_is_scoped_to_the_agents_teams(desk, tickets):
    listed = numbers(desk.get(QUEUE, {"view": "open"}))
    assert sorted(listed) == sorted([tickets["mine"].number, tickets["unassigned"].number])
    assert tickets["elsewhere"].number not in listed  # another team's ticket
    assert tickets["done"].number not in listed  # not open


def test_agent_who_sees_all_tickets_sees_other_teams(client, tickets, team):
    watcher = add_to_team(AgentFactory(sees_all_tickets=True), team)
    client.force_login(watcher)
    assert tickets["elsewhere"].number in numbers(client.get(QUEUE, {"view": "open"}))


def test_recently_updated_includes_closed_work_newest_first(desk, tickets):
    listed = numbers(desk.get(QUEUE, {"view": "recent"}))
    assert listed[0] == tickets["done"].number  # resolved last, so updated last
    assert set(listed) == {
        tickets["mine"].number,
        tickets["unassigned"].number,
        tickets["done"].number,
    }


def test_filters_narrow_the_view(desk, tickets, agent, requester, other_requester, team):
    printers = CategoryFactory(name="Printers")
    question = make_ticket(
        other_requester, actor=agent, title="How?", kind=Kind.QUESTION, category_id=printers.pk,
        impact=1, urgency=1,
    )  # fmt: skip
    base = {"view": "recent"}
    assert numbers(desk.get(QUEUE, {**base, "kind": "question"})) == [question.number]
    assert numbers(desk.get(QUEUE, {**base, "category": printers.pk})) == [question.number]
    assert numbers(desk.get(QUEUE, {**base, "priority": 1})) == [question.number]
    assert numbers(desk.get(QUEUE, {**base, "status": "resolved"})) == [tickets["done"].number]
    org = other_requester.organization_id
    assert numbers(desk.get(QUEUE, {**base, "organization": org})) == [question.number]
    assigned = numbers(desk.get(QUEUE, {**base, "assignee": agent.pk}))
    assert sorted(assigned) == sorted([tickets["mine"].number, tickets["done"].number])
    unassigned = numbers(desk.get(QUEUE, {**base, "assignee": "none"}))
    assert sorted(unassigned) == sorted([tickets["unassigned"].number, question.number])
    assert len(numbers(desk.get(QUEUE, {**base, "team": team.pk}))) == 4


def test_invalid_filter_is_reported_not_a_crash(desk, tickets):
    response = desk.get(QUEUE, {"view": "open", "priority": "banana", "team": "x"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert len(numbers(response)) == 2  # the valid part of the request still applies


def test_search_finds_by_words_and_number(desk, agent, requester, desk_default_team):
    printer = make_ticket(requester, title="La impresora no imprime", description="Planta 2")
    make_ticket(requester, title="Outlook asks for my password")
    assert numbers(desk.get(QUEUE, {"q": "impresoras"})) == [printer.number]
    assert numbers(desk.get(QUEUE, {"q": printer.number})) == [printer.number]
    empty = desk.get(QUEUE, {"q": "zzzunknownword"})
    assert numbers(empty) == []
    assert "No ticket matches your search." in empty.content.decode()


def test_sort_by_priority(desk, agent, requester, desk_default_team):
    low = make_ticket(requester, title="low", impact=3, urgency=3)
    high = make_ticket(requester, title="high", impact=1, urgency=1)
    medium = make_ticket(requester, title="medium", impact=2, urgency=2)
    listed = numbers(desk.get(QUEUE, {"view": "open", "sort": "priority"}))
    assert listed == [high.number, medium.number, low.number]
    listed = numbers(desk.get(QUEUE, {"view": "open", "sort": "-priority"}))
    assert listed == [low.number, medium.number, high.number]


def test_keyset_pages_next_and_first(desk, agent, requester, desk_default_team):
    created = [make_ticket(requester, title=f"Ticket {i}").number for i in range(30)]
    first = desk.get(QUEUE, {"view": "open"})
    body = first.content.decode()
    assert "30 tickets" in body
    assert numbers(first) == list(reversed(created))[:25]
    assert "First page" not in body
    next_url = re.search(r'<a rel="next" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    second = desk.get(QUEUE + next_url)
    assert numbers(second) == list(reversed(created))[25:]
    assert 'rel="next"' not in second.content.decode()
    assert "First page" in second.content.decode()


def test_count_shows_plus_when_capped(desk, tickets, monkeypatch):
    from atiende.core import pagination

    monkeypatch.setattr(pagination.capped_count, "__defaults__", (1,))
    response = desk.get(QUEUE, {"view": "open"})
    assert "1+ tickets" in response.content.decode()


def test_queue_escapes_titles(desk, agent, requester, desk_default_team):
    make_ticket(requester, title="<script>alert(1)</script><img src=x onerror=alert(1)>")
    body = desk.get(QUEUE, {"view": "open"}).content.decode()
    assert "<script>alert(1)" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_manager_uses_the_desk(client, team, tickets):
    manager = add_to_team(UserFactory(role=Role.MANAGER), team)
    client.force_login(manager)
    assert client.get(QUEUE, {"view": "open"}).status_code == 200


def test_queue_query_count_is_constant(
    desk, agent, requester, other_requester, team, desk_default_team, django_assert_max_num_queries
):
    category = CategoryFactory(name="Laptops")
    for i in range(3):
        make_ticket(
            requester, actor=agent, title=f"t{i}", assignee_id=agent.pk, category_id=category.pk
        )
    # 12 + the unread-notifications badge + the sidebar (saved views, one count for all views)
    # + the catalogue's item names for its filter (read once per process, then kept in memory)
    # + automation's macros for the bulk panel and its tag names (kept in memory too)
    with django_assert_max_num_queries(18) as few:
        desk.get(QUEUE, {"view": "open"})
    for i in range(30):
        who = requester if i % 2 else other_requester
        make_ticket(
            who, actor=agent, title=f"more {i}", assignee_id=agent.pk, category_id=category.pk
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(QUEUE, {"view": "open"})
    assert len(numbers(response)) == 25
