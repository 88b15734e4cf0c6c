"""Changes stay out of the desk's incident queues unless the kind filter asks for them: they
have their own list and calendar (the changes app)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ...changes.factories import make_change
from ...factories import make_ticket
from .test_desk_queue import numbers

QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def both(agent, requester, team, desk_default_team):
    incident = make_ticket(requester, actor=agent, title="Printer jam", team_id=team.pk)
    change = make_change(agent, team_id=team.pk, assignee_id=agent.pk)
    return incident, change


def test_a_change_is_not_in_all_open_by_default(desk, both):
    incident, change = both
    listed = numbers(desk.get(QUEUE, {"view": "open"}))
    assert incident.number in listed
    assert change.number not in listed


def test_a_change_is_not_in_my_open_tickets(desk, both):
    assert both[1].number not in numbers(desk.get(QUEUE, {"view": "mine"}))


def test_filtering_kind_change_lists_it(desk, both):
    change = both[1]
    listed = numbers(desk.get(QUEUE, {"view": "open", "kind": "change"}))
    assert listed == [change.number]


def test_a_search_still_finds_a_change_by_number(desk, both):
    assert both[1].number in numbers(desk.get(QUEUE, {"q": both[1].number}))


def test_the_changes_list_still_has_it(desk, both):
    assert both[1].number in desk.get(reverse("changes:list")).content.decode()
