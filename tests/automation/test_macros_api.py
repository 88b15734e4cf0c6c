"""/api/v1/automation/macros and /tickets/{id}/macros/{macro_id}: CRUD by scope, applying as
the caller with the ticket's version, bulk apply with a report per ticket."""

from __future__ import annotations

import pytest

from atiende.automation.models import Macro, TicketTag
from atiende.tickets.models import EventType, Ticket

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def body(**extra):
    return {
        "name": "Take it",
        "actions": [
            {"type": "add_tag", "value": "mine"},
            {"type": "reply", "text": "Hello {{requester.first_name}}, I am on it."},
        ],
        **extra,
    }


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester)


def test_crud(agent, manager):
    api = ApiClient(agent)
    created = api.post("/automation/macros", body())
    assert created.status_code == 201, created.content
    macro = created.json()
    assert (macro["scope"], macro["owner"], macro["can_edit"]) == ("personal", agent.pk, True)
    assert [m["name"] for m in api.get("/automation/macros").json()] == ["Take it"]
    changed = api.patch(
        f"/automation/macros/{macro['id']}", {"name": "Renamed", "version": macro["version"]}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    stale = api.patch(f"/automation/macros/{macro['id']}", {"name": "X", "version": 1})
    assert_error(stale, 409)
    # a manager neither sees nor keeps an agent's personal macro
    assert_error(ApiClient(manager).get(f"/automation/macros/{macro['id']}"), 404)
    assert api.delete(f"/automation/macros/{macro['id']}").status_code == 204
    assert not Macro.objects.exists()


def test_scopes_are_checked(agent, manager, team):
    api = ApiClient(agent)
    assert_error(api.post("/automation/macros", body(scope="global")), 403)
    assert_error(api.post("/automation/macros", body(scope="team", team=team.pk)), 403)
    everyone = ApiClient(manager).post("/automation/macros", body(scope="global"))
    assert everyone.status_code == 201
    listed = api.get("/automation/macros").json()
    assert [(m["scope"], m["can_edit"]) for m in listed] == [("global", False)]
    assert_error(api.delete(f"/automation/macros/{everyone.json()['id']}"), 404)


def test_bad_rows_are_422_and_write_nothing(agent):
    api = ApiClient(agent)
    answer = api.post(
        "/automation/macros", body(actions=[{"type": "set_field", "field": "team", "value": "x"}])
    )
    assert_error(answer, 422, "actions.0.value")
    assert_error(api.post("/automation/macros", body(actions=[{"type": "webhook"}])), 422)
    assert not Macro.objects.exists()


def test_apply_as_the_caller(agent, ticket, requester):
    api = ApiClient(agent)
    macro = api.post("/automation/macros", body()).json()
    answer = api.post(f"/tickets/{ticket.pk}/macros/{macro['id']}", {"version": ticket.version})
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["number"] == ticket.number and len(data["done"]) == 2
    assert data["version"] == Ticket.objects.get(pk=ticket.pk).version
    reply = ticket.events.get(type=EventType.COMMENT)
    assert reply.actor_id == agent.pk and requester.first_name in reply.body
    stale = api.post(f"/tickets/{ticket.pk}/macros/{macro['id']}", {"version": data["version"] + 1})
    assert_error(stale, 409)
    assert ticket.events.filter(type=EventType.COMMENT).count() == 1


def test_apply_many_reports_each(agent, ticket, requester, other_agent, other_team):
    api = ApiClient(agent)
    macro = api.post("/automation/macros", body()).json()
    hidden = make_ticket(requester, actor=other_agent, team_id=other_team.pk)
    answer = api.post(
        f"/automation/macros/{macro['id']}/apply", {"ticket_ids": [ticket.pk, hidden.pk]}
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["done"] == [ticket.pk]
    assert [f["ticket_id"] for f in data["failed"]] == [hidden.pk]
    assert list(TicketTag.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    assert_error(api.post(f"/automation/macros/{macro['id']}/apply", {}), 422, "ticket_ids")


def test_requesters_cannot(requester, ticket):
    api = ApiClient(requester)
    assert api.get("/automation/macros").json() == []
    assert_error(api.post("/automation/macros", body()), 403)
