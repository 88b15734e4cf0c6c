"""Saved personal views: the queue's filters under a name, listed in the sidebar with a count
each (one query for all counts), only ever showing what the access rule allows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import SAVED_VIEWS_MAX, SavedView

from ...factories import make_ticket
from .test_desk_queue import numbers

QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def tickets(requester, agent, other_agent, team, other_team, desk_default_team):
    return {
        "mine": make_ticket(requester, actor=agent, title="Mine", assignee_id=agent.pk),
        "team": make_ticket(requester, title="Team's", kind="request"),
        "elsewhere": make_ticket(
            requester, actor=other_agent, title="Networks only", team_id=other_team.pk
        ),
    }


def count_of(response, name: str) -> int:
    match = re.search(
        rf">{re.escape(name)} <span class=\"view-count\"[^>]*>(\d+)<",
        response.content.decode(),
    )
    assert match, f"no count for {name}"
    return int(match.group(1))


def test_save_the_current_filters_as_a_view(desk, agent, tickets):
    response = desk.post(
        reverse("desk:view_save"), {"name": "Requests", "query": "view=open&kind=request"}
    )
    view = SavedView.objects.get(owner=agent)
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?saved={view.pk}"
    page = desk.get(QUEUE, {"saved": view.pk})
    assert numbers(page) == [tickets["team"].number]
    assert count_of(page, "Requests") == 1
    assert count_of(page, "All open tickets I may see") == 3 - 1  # not the other team's


def test_the_queue_offers_to_save_its_filters_without_the_search(desk, tickets):
    body = desk.get(QUEUE, {"view": "open", "kind": "request", "q": "team"}).content.decode()
    assert 'name="query" value="kind=request&amp;view=open"' in body


def test_a_view_shows_only_what_the_access_rule_allows(client, agent, other_agent, tickets):
    view = actions.saved_view_create(actor=agent, name="Everything", query="view=recent")
    client.force_login(agent)
    assert tickets["elsewhere"].number not in numbers(client.get(QUEUE, {"saved": view.pk}))
    client.force_login(other_agent)  # another's view is not theirs to open
    assert client.get(QUEUE, {"saved": view.pk}).status_code == 404


def test_a_stale_filter_is_ignored(desk, agent, tickets, other_team):
    view = actions.saved_view_create(actor=agent, name="Old team", query="view=open&team=999999")
    response = desk.get(QUEUE, {"saved": view.pk})
    assert response.status_code == 200
    assert tickets["mine"].number in numbers(response)


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [("", "view=open", "name"), ("x" * 61, "", "name"), ("Search", "q=printer", "query")],
)
def test_bad_input_is_refused(desk, agent, name, query, field):
    response = desk.post(reverse("desk:view_save"), {"name": name, "query": query})
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not SavedView.objects.filter(owner=agent).exists()


def test_names_are_unique_per_agent_and_views_are_capped(agent, other_agent):
    actions.saved_view_create(actor=agent, name="Mine", query="")
    actions.saved_view_create(actor=other_agent, name="Mine", query="")  # another's: fine
    with pytest.raises(actions.ValidationFailed):
        actions.saved_view_create(actor=agent, name="mine", query="")
    for n in range(SAVED_VIEWS_MAX - 1):
        actions.saved_view_create(actor=agent, name=f"V{n}", query="")
    with pytest.raises(actions.ValidationFailed):
        actions.saved_view_create(actor=agent, name="One too many", query="")


def test_rename_move_and_delete(desk, agent, other_agent):
    first = actions.saved_view_create(actor=agent, name="First", query="")
    second = actions.saved_view_create(actor=agent, name="Second", query="view=open")
    desk.post(reverse("desk:view_rename", args=[first.pk]), {"name": "Renamed"})
    desk.post(reverse("desk:view_move", args=[second.pk]), {"direction": "up"})
    assert [v.name for v in SavedView.objects.filter(owner=agent)] == ["Second", "Renamed"]
    assert desk.post(reverse("desk:view_delete", args=[first.pk])).status_code == 302
    assert list(SavedView.objects.filter(owner=agent)) == [second]
    taken = actions.saved_view_create(actor=other_agent, name="Theirs", query="")
    assert desk.post(reverse("desk:view_delete", args=[taken.pk])).status_code == 404


def test_the_counts_cost_the_same_for_one_view_or_twelve(desk, agent, tickets):
    def queries() -> int:
        desk.get(QUEUE, {"view": "open"})  # warm per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert desk.get(QUEUE, {"view": "open"}).status_code == 200
        return len(ctx)

    actions.saved_view_create(actor=agent, name="V0", query="view=open&kind=request")
    one = queries()
    for n in range(1, SAVED_VIEWS_MAX):
        actions.saved_view_create(
            actor=agent, name=f"V{n}", query=f"view=open&priority={n % 5 + 1}"
        )
    assert queries() == one


def test_only_views_of_open_tickets_are_counted(desk, agent, tickets):
    """Counting reads the open tickets alone (their index); a view that may hold finished
    tickets would mean counting every ticket ever, so it shows no count."""
    actions.saved_view_create(actor=agent, name="Open requests", query="view=open&kind=request")
    actions.saved_view_create(actor=agent, name="Everything recent", query="view=recent")
    page = desk.get(QUEUE)
    assert count_of(page, "Open requests") == 1
    assert "Everything recent</a>" in page.content.decode()
    assert not re.search(r">Everything recent <span class=\"view-count\"", page.content.decode())
