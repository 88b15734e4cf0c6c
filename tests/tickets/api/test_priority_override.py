"""POST /tickets/{ref}/priority: an agent overrides the priority with a reason, or goes back to
impact x urgency; requesters never see or set it."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Ticket, TicketEvent

from ...api.conftest import assert_error
from ...factories import make_ticket


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    return make_ticket(requester, actor=agent, impact=3, urgency=3)


def path(ticket) -> str:
    return f"/tickets/{ticket.number}/priority"


def test_agent_overrides_and_goes_back(api_as, agent, ticket):
    answer = api_as(agent).post(
        path(ticket), {"version": ticket.version, "priority": 2, "reason": "VIP"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["priority"], body["priority_overridden"], body["priority_reason"]) == (
        2, True, "VIP",
    )  # fmt: skip
    back = api_as(agent).post(path(ticket), {"version": body["version"], "priority": None})
    assert back.status_code == 200, back.content
    assert (back.json()["priority"], back.json()["priority_overridden"]) == (5, False)


def test_reason_required(api_as, agent, ticket):
    answer = api_as(agent).post(path(ticket), {"version": ticket.version, "priority": 2})
    assert_error(answer, 422, "reason")
    assert Ticket.objects.get(pk=ticket.pk).priority == 5


def test_out_of_range_priority(api_as, agent, ticket):
    answer = api_as(agent).post(
        path(ticket), {"version": ticket.version, "priority": 9, "reason": "x"}
    )
    assert_error(answer, 422, "priority")


def test_stale_version_is_409(api_as, agent, ticket):
    answer = api_as(agent).post(
        path(ticket), {"version": ticket.version + 5, "priority": 2, "reason": "VIP"}
    )
    assert_error(answer, 409)
    assert not TicketEvent.objects.filter(ticket=ticket, field="priority").exists()


def test_requester_cannot_override_nor_read_it(api_as, agent, requester, ticket):
    answer = api_as(requester).post(
        path(ticket), {"version": ticket.version, "priority": 1, "reason": "Me first"}
    )
    assert_error(answer, 403)
    api_as(agent).post(path(ticket), {"version": ticket.version, "priority": 1, "reason": "VIP"})
    seen = api_as(requester).get(f"/tickets/{ticket.number}").json()
    assert (seen["priority"], seen["priority_overridden"], seen["priority_reason"]) == (
        None, None, None,
    )  # fmt: skip
    events = api_as(requester).get(f"/tickets/{ticket.number}/events").json()
    assert not [e for e in events if e["field"] == "priority" or "VIP" in e["body"]]


def test_other_requester_gets_404(api_as, other_requester, ticket):
    answer = api_as(other_requester).post(
        path(ticket), {"version": ticket.version, "priority": 1, "reason": "x"}
    )
    assert_error(answer, 404)
