"""GET /tickets: keyset pagination, filters, full-text search, and a constant query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.tickets import actions
from atiende.tickets.models import Status

from ...api.conftest import assert_error
from ...factories import CategoryFactory, RequesterFactory, make_ticket


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_cursor_pagination_walks_every_ticket_once(api_as, requester, agent, desk_default_team):
    created = [make_ticket(requester, title=f"Ticket {n}").pk for n in range(23)]
    client = api_as(agent)
    first = client.get("/tickets", {"limit": 10})
    page = first.json()
    assert page["count"] == 23 and page["count_exact"] is True
    assert len(page["items"]) == 10
    seen = [item["id"] for item in page["items"]]
    pages = 1
    while page["next"]:
        assert page["next"].startswith("http://testserver/api/v1/tickets?")
        assert "limit=10" in page["next"]
        page = client.client.get(page["next"]).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 23
    # Default sort: newest activity first, i.e. the reverse of creation here.
    assert seen == sorted(created, reverse=True)


def test_limit_defaults_to_25_and_is_capped(api_as, requester, agent, desk_default_team):
    for n in range(26):
        make_ticket(requester, title=f"T{n}")
    page = api_as(agent).get("/tickets").json()
    assert len(page["items"]) == 25 and page["next"] is not None
    assert_error(api_as(agent).get("/tickets", {"limit": 101}), 422, "limit")
    assert_error(api_as(agent).get("/tickets", {"limit": 0}), 422, "limit")


def test_cursor_keeps_the_filters(api_as, requester, agent, desk_default_team):
    for n in range(4):
        make_ticket(requester, title=f"Question {n}", kind="question")
        make_ticket(requester, title=f"Incident {n}")
    client = api_as(agent)
    page = client.get("/tickets", {"kind": "question", "limit": 3}).json()
    rest = client.client.get(page["next"]).json()
    kinds = {item["kind"] for item in page["items"] + rest["items"]}
    assert kinds == {"question"}
    assert len(page["items"] + rest["items"]) == 4 and rest["next"] is None


@pytest.fixture
def varied(requester, agent, admin_user, team, other_team, desk_default_team):
    """Tickets differing in one field each, seen by an admin."""
    other = RequesterFactory(username="carla")
    printers = CategoryFactory(name="Printers")
    tickets = {
        "plain": make_ticket(requester, title="Plain"),
        "question": make_ticket(requester, title="How do I", kind="question"),
        "urgent": make_ticket(requester, title="Down", impact=1, urgency=1),
        "networks": make_ticket(requester, actor=agent, title="Switch", team_id=other_team.pk),
        "assigned": make_ticket(requester, actor=agent, title="Mine", assignee_id=agent.pk),
        "carla": make_ticket(other, title="Carla's"),
        "printer": make_ticket(requester, title="Jam", category_id=printers.pk),
    }
    actions.ticket_transition(
        actor=agent, ticket_id=tickets["plain"].pk, to=Status.RESOLVED,
        resolution_code="solved", resolution_notes="ok",
    )  # fmt: skip
    tickets["printers"] = printers
    tickets["carla_user"] = other
    return tickets


def test_filters(api_as, admin_user, agent, requester, other_team, varied):
    client = api_as(admin_user)
    t = varied
    assert ids(client.get("/tickets", {"kind": "question"})) == [t["question"].pk]
    assert ids(client.get("/tickets", {"status": "resolved"})) == [t["plain"].pk]
    both = {t["plain"].pk, t["assigned"].pk}
    assert set(ids(client.get("/tickets", {"status": "resolved,assigned"}))) == both
    assert set(ids(client.get("/tickets?status=resolved&status=assigned"))) == both
    assert ids(client.get("/tickets", {"priority": t["urgent"].priority})) == [t["urgent"].pk]
    assert ids(client.get("/tickets", {"team": other_team.pk})) == [t["networks"].pk]
    assert ids(client.get("/tickets", {"assignee": agent.pk})) == [t["assigned"].pk]
    unassigned = set(ids(client.get("/tickets", {"assignee": "none"})))
    assert t["assigned"].pk not in unassigned and len(unassigned) == 6
    assert ids(client.get("/tickets", {"requester": t["carla_user"].pk})) == [t["carla"].pk]
    assert ids(client.get("/tickets", {"category": t["printers"].pk})) == [t["printer"].pk]
    org = t["carla_user"].organization_id
    assert ids(client.get("/tickets", {"organization": org})) == [t["carla"].pk]
    created_order = ids(client.get("/tickets", {"sort": "created"}))
    assert created_order == sorted(created_order)
    by_priority = client.get("/tickets", {"sort": "priority"}).json()["items"]
    assert by_priority[0]["id"] == t["urgent"].pk


def test_bad_filters_are_422(api_as, agent):
    client = api_as(agent)
    assert_error(client.get("/tickets", {"status": "new,bogus"}), 422, "status")
    assert_error(client.get("/tickets", {"kind": "bogus"}), 422, "kind")
    assert_error(client.get("/tickets", {"sort": "title"}), 422, "sort")
    assert_error(client.get("/tickets", {"priority": 9}), 422, "priority")
    assert_error(client.get("/tickets", {"priority": "high"}), 422, "priority")
    assert_error(client.get("/tickets", {"assignee": "someone"}), 422, "assignee")
    assert_error(client.get("/tickets", {"team": 10**20}), 422, "team")
    assert_error(client.get("/tickets", {"cursor": "not-a-cursor"}), 422, "cursor")
    assert_error(client.get("/tickets", {"q": "x" * 501}), 422, "q")


def test_full_text_search_folds_accents_and_stems(api_as, requester, agent, desk_default_team):
    printer = make_ticket(requester, title="La impresión sale borrosa", description="Una impresora")
    make_ticket(requester, title="Correo caído", description="No llega el correo")
    client = api_as(requester)
    for query in ("impresion", "impresoras", "IMPRESIÓN borrosa"):
        assert ids(client.get("/tickets", {"q": query})) == [printer.pk], query
    assert ids(client.get("/tickets", {"q": "impresora correo"})) == []
    assert ids(api_as(agent).get("/tickets", {"q": "correos"})) != []


def test_list_query_count_does_not_grow_with_tickets(api_as, requester, agent, desk_default_team):
    client = api_as(agent)
    client.get("/me")  # the first use of a token records last_used_at; keep it out of the count

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tickets", {"limit": 100})
        assert response.status_code == 200
        return len(queries), len(response.json()["items"])

    other_requesters = [RequesterFactory() for _ in range(3)]
    categories = [CategoryFactory() for _ in range(3)]
    for n in range(3):
        make_ticket(other_requesters[n], actor=agent, category_id=categories[n].pk,
                    assignee_id=agent.pk)  # fmt: skip
    few, shown = count_queries()
    assert shown == 3
    for n in range(27):
        make_ticket(other_requesters[n % 3], actor=agent, category_id=categories[n % 3].pk,
                    assignee_id=agent.pk if n % 2 else None)  # fmt: skip
    many, shown = count_queries()
    assert shown == 30
    assert many == few
    assert many <= 6


def test_cursor_of_another_sort_is_422(api_as, requester, agent, desk_default_team):
    for n in range(3):
        make_ticket(requester, title=f"T{n}")
    client = api_as(agent)
    cursor = client.get("/tickets", {"limit": 1}).json()["next"].split("cursor=")[1]
    assert client.get(f"/tickets?limit=1&cursor={cursor}").status_code == 200
    assert_error(client.get(f"/tickets?limit=1&sort=created&cursor={cursor}"), 422, "cursor")
