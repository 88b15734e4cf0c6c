"""Bulk status choices fit the kinds selected: each row says the statuses it may move to (the
panel offers only those every selected row allows), and a transition one kind refuses is
reported for that ticket, without a 500 and without touching it."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from atiende.tickets.models import Status, Ticket

from ...changes.factories import make_change
from ...factories import make_ticket

QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def row_targets(body: str, pk: int) -> tuple[str, set[str]]:
    match = re.search(
        rf'name="ticket_ids" value="{pk}"[^>]*data-kind="(\w+)" data-targets="([\w ]*)"', body
    )
    assert match, f"row {pk} has no targets"
    return match.group(1), set(match.group(2).split())


def test_each_row_carries_its_kind_and_allowed_targets(desk, agent, requester, team):
    incident = make_ticket(requester, actor=agent, team_id=team.pk, assignee_id=agent.pk)
    change = make_change(agent, team_id=team.pk)
    body = desk.get(QUEUE, {"view": "open", "kind": ""}).content.decode()
    assert row_targets(body, incident.pk) == (
        "incident",
        {"in_progress", "pending", "resolved", "cancelled", "new"},
    )
    body = desk.get(QUEUE, {"view": "open", "kind": "change"}).content.decode()
    assert row_targets(body, change.pk) == ("change", set())  # moves on its own page
    assert "data-bulk-no-status" in body


def test_a_transition_one_kind_refuses_is_reported_and_writes_nothing(desk, agent, requester, team):
    incident = make_ticket(requester, actor=agent, team_id=team.pk, assignee_id=agent.pk)
    change = make_change(agent, team_id=team.pk)
    before = (change.status, change.version, change.events.count())
    response = desk.post(
        QUEUE + "?view=open",
        {"ticket_ids": [incident.pk, change.pk], "action": "status", "status": "in_progress"},
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 ticket updated." in texts
    assert any(
        change.number in t and "own lifecycle" in t and "1 ticket was not changed" in t
        for t in texts
    ), texts
    change.refresh_from_db()
    assert (change.status, change.version, change.events.count()) == before
    assert Ticket.objects.get(pk=incident.pk).status == Status.IN_PROGRESS
