"""Bulk actions from the queue: assign and change status, with per-ticket failures reported."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from atiende.tickets.models import Status, Ticket

from ...factories import make_ticket

QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def three(requester, desk_default_team):
    return [make_ticket(requester, title=f"Bulk {i}") for i in range(3)]


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_assign_to_agent(desk, agent, three):
    ids = [t.pk for t in three]
    response = desk.post(
        QUEUE + "?view=open",
        {"ticket_ids": ids, "action": "assign", "assignee": agent.pk, "next": "/desk/?view=open"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=open"
    assert "3 tickets updated." in texts(response)
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.assignee == agent
        assert ticket.status == Status.ASSIGNED


def test_bulk_assign_to_team_and_unassign(desk, agent, other_team, three):
    ids = [t.pk for t in three[:2]]
    desk.post(QUEUE, {"ticket_ids": ids, "action": "assign", "assignee": agent.pk})
    response = desk.post(
        QUEUE, {"ticket_ids": ids, "action": "assign", "assignee": "none", "team": other_team.pk}
    )
    assert "2 tickets updated." in texts(response)
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.assignee is None and ticket.team == other_team
        assert ticket.status == Status.NEW


def test_bulk_status_reports_which_failed_and_why(desk, agent, three):
    first, second, third = three
    desk.post(QUEUE, {"ticket_ids": [first.pk], "action": "status", "status": "cancelled"})
    response = desk.post(
        QUEUE,
        {
            "ticket_ids": [first.pk, second.pk, third.pk],
            "action": "status",
            "status": "resolved",
            "resolution_code": "solved",
            "resolution_notes": "Restarted the spooler.",
        },
    )
    messages = texts(response)
    assert "2 tickets updated." in messages
    failure = next(m for m in messages if "not changed" in m)
    assert first.number in failure and "Cancelled" in failure and "Resolved" in failure
    second.refresh_from_db()
    assert second.status == Status.RESOLVED and second.resolution_code == "solved"
    first.refresh_from_db()
    assert first.status == Status.CANCELLED


def test_bulk_on_invisible_ticket_fails_like_missing(
    desk, requester, other_agent, other_team, three
):
    hidden = make_ticket(requester, actor=other_agent, team_id=other_team.pk)
    response = desk.post(
        QUEUE,
        {"ticket_ids": [hidden.pk], "action": "assign", "assignee": "none", "team": other_team.pk},
    )
    failure = next(m for m in texts(response) if "not changed" in m)
    assert f"#{hidden.pk}: Not found." in failure
    assert hidden.number not in failure  # denied looks exactly like missing


def test_bulk_resolve_without_code_is_422_and_changes_nothing(desk, three):
    response = desk.post(
        QUEUE + "?view=open",
        {"ticket_ids": [three[0].pk], "action": "status", "status": "resolved"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose a resolution code." in body and "Describe the resolution." in body
    assert f'value="{three[0].pk}" aria-label="Select {three[0].number}" checked' in body
    three[0].refresh_from_db()
    assert three[0].status == Status.NEW


def test_bulk_without_selection_or_action(desk, three):
    response = desk.post(QUEUE, {"action": "assign", "assignee": "none"})
    assert response.status_code == 422
    assert "Select at least one ticket." in response.content.decode()
    response = desk.post(QUEUE, {"ticket_ids": [three[0].pk], "action": "assign"})
    assert response.status_code == 422
    assert "Choose an agent or a team to assign to." in response.content.decode()
    response = desk.post(QUEUE, {"ticket_ids": ["x"], "action": "assign", "assignee": "none"})
    assert response.status_code == 422


def test_bulk_redirect_stays_on_site(desk, three):
    response = desk.post(
        QUEUE,
        {
            "ticket_ids": [three[0].pk],
            "action": "status",
            "status": "in_progress",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == QUEUE
