"""The ticket JSON carries its SLA clocks (agents and requesters), in lists without a query
per ticket, documented in the OpenAPI."""

from __future__ import annotations

import pytest
import time_machine

from atiende.sla.actions import sweep_due
from atiende.sla.models import BusinessCalendar, SlaPolicy
from atiende.tickets import actions

from ...factories import make_ticket
from ...sla.conftest import at, make_policy

TARGETS = {3: (60, 480, None)}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    from ...sla.conftest import committed as fixture

    return fixture.__wrapped__(django_capture_on_commit_callbacks)


@pytest.fixture
def policy(db):
    SlaPolicy.objects.all().delete()
    calendar = BusinessCalendar.objects.create(name="Always", time_zone="UTC", is_24x7=True)
    return make_policy(calendar, name="Gold secret policy", targets=TARGETS)


@pytest.fixture
def sla_ticket(policy, requester, agent, desk_default_team, committed):
    with committed(at(2, 9)):
        return make_ticket(requester, impact=2, urgency=2)


def get_at(client, path, when, params=None):
    with time_machine.travel(when, tick=False):
        return client.get(path, params)


def test_ticket_json_has_its_clocks(api_as, agent, sla_ticket):
    response = get_at(api_as(agent), f"/tickets/{sla_ticket.pk}", at(2, 9, 15))
    assert response.status_code == 200
    assert response.json()["sla"] == [
        {
            "kind": "first_response",
            "state": "running",
            "target_minutes": 60,
            "deadline": "2026-03-02T10:00:00Z",
            "remaining_seconds": 45 * 60,
            "elapsed_seconds": 15 * 60,
            "breached_at": None,
            "paused": False,
        },
        {
            "kind": "resolution",
            "state": "running",
            "target_minutes": 480,
            "deadline": "2026-03-02T17:00:00Z",
            "remaining_seconds": 465 * 60,
            "elapsed_seconds": 15 * 60,
            "breached_at": None,
            "paused": False,
        },
    ]


def test_requester_sees_the_same_clocks_of_their_ticket_and_no_policy(api_as, requester,
                                                                     sla_ticket):  # fmt: skip
    sweep_due(now=at(2, 10, 1))
    response = get_at(api_as(requester), f"/tickets/{sla_ticket.number}", at(2, 10, 30))
    body = response.json()
    first = body["sla"][0]
    assert (first["state"], first["breached_at"]) == ("breached", "2026-03-02T10:01:00Z")
    assert first["remaining_seconds"] == -30 * 60
    assert "Gold secret policy" not in response.content.decode()
    assert all("policy" not in clock for clock in body["sla"])


def test_paused_clock_has_no_deadline(api_as, agent, sla_ticket, committed):
    with committed(at(2, 9, 20)):
        actions.ticket_transition(actor=agent, ticket_id=sla_ticket.pk, to="pending",
                                  pending_reason="requester", comment="Which one?")  # fmt: skip
    clocks = get_at(api_as(agent), f"/tickets/{sla_ticket.pk}", at(2, 12)).json()["sla"]
    assert {(c["state"], c["deadline"], c["paused"]) for c in clocks} == {("paused", None, True)}
    assert {c["elapsed_seconds"] for c in clocks} == {20 * 60}


def test_ticket_without_clocks_has_an_empty_list(api_as, agent, requester, desk_default_team):
    SlaPolicy.objects.all().delete()
    ticket = make_ticket(requester)
    assert api_as(agent).get(f"/tickets/{ticket.pk}").json()["sla"] == []


def test_writes_answer_with_the_clocks(api_as, agent, sla_ticket):
    client = api_as(agent)
    with time_machine.travel(at(2, 9, 30), tick=False):
        response = client.patch(f"/tickets/{sla_ticket.pk}",
                                {"version": sla_ticket.version, "title": "Paper jam"})  # fmt: skip
    assert response.status_code == 200
    assert [c["kind"] for c in response.json()["sla"]] == ["first_response", "resolution"]


def test_list_has_clocks_without_a_query_per_ticket(api_as, agent, requester, policy,
                                                    desk_default_team, committed,
                                                    django_assert_max_num_queries):  # fmt: skip
    client = api_as(agent)
    with committed(at(2, 9)):
        for i in range(3):
            make_ticket(requester, impact=2, urgency=2, title=f"t{i}")
    with time_machine.travel(at(2, 9, 30), tick=False), django_assert_max_num_queries(20) as few:
        client.get("/tickets")
    with committed(at(2, 9)):
        for i in range(30):
            make_ticket(requester, impact=2, urgency=2, title=f"more {i}")
    with (
        time_machine.travel(at(2, 9, 30), tick=False),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        response = client.get("/tickets", {"limit": 30})
    items = response.json()["items"]
    assert len(items) == 30
    assert all([c["remaining_seconds"] for c in t["sla"]] == [1800, 28800 - 1800] for t in items)


def test_openapi_documents_the_sla_clocks(api_as, agent):
    schema = api_as(agent).get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["TicketOut"]["properties"]["sla"]["items"] == {
        "$ref": "#/components/schemas/SlaClockOut"
    }
    assert set(components["SlaClockOut"]["properties"]) == {
        "kind", "state", "target_minutes", "deadline", "remaining_seconds", "elapsed_seconds",
        "breached_at", "paused",
    }  # fmt: skip


def test_creation_answers_with_the_clocks_it_started_in_its_own_transaction(
    api_as, requester, policy, desk_default_team, django_assert_max_num_queries
):
    """The clocks commit with the ticket (no second transaction, nothing after commit) and
    the 201 shows them without reading them back."""
    client = api_as(requester)
    with time_machine.travel(at(2, 9), tick=False):  # warm the policy and matrix caches
        client.post("/tickets", {"title": "Printer", "impact": 2, "urgency": 2})
    with (
        time_machine.travel(at(2, 9), tick=False),
        # 15: the webhooks that want ticket.created (webhooks/subscribers.py), the report
        # fact and its day's aggregate row (reports: one insert-or-add, docs/metrics.md)
        django_assert_max_num_queries(15) as queries,
    ):
        response = client.post("/tickets", {"title": "VPN down", "impact": 2, "urgency": 2})
    assert response.status_code == 201, response.content
    sla = response.json()["sla"]
    assert [(c["kind"], c["remaining_seconds"]) for c in sla] == [
        ("first_response", 3600),
        ("resolution", 480 * 60),
    ]
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert not any("sla_slaclock" in q["sql"] and q["sql"].startswith("SELECT")
                   for q in queries.captured_queries)  # fmt: skip
    assert statements.count("COMMIT") <= 1  # one transaction (SQLite's is implicit)
