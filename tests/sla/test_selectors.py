"""Reading clocks: only through tickets the actor sees; summaries in business time; the
"breaching soon" list; one query for a page of tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.sla.actions import sweep_due
from atiende.sla.selectors import breaching_soon, clock_summaries, clock_summary, clocks_for
from atiende.tickets import actions

from ..factories import make_ticket
from .conftest import at, make_policy

TARGETS = {3: (60, 480, None)}

pytestmark = pytest.mark.usefixtures("desk_default_team")


@pytest.fixture
def ticket(office, requester, committed):
    make_policy(office, targets=TARGETS)
    with committed(at(2, 16, 30)):  # Monday 16:30
        return make_ticket(requester, impact=2, urgency=2)


def test_clocks_for_follows_ticket_visibility(ticket, requester, agent, other_requester,
                                              other_agent):  # fmt: skip
    assert [c.kind for c in clocks_for(agent, ticket)] == ["first_response", "resolution"]
    assert len(clocks_for(requester, ticket)) == 2  # the portal shows expected times
    assert clocks_for(other_requester, ticket) == []
    assert clocks_for(other_agent, ticket.pk) == []  # another team's agent


def test_summary_counts_business_time_only(ticket, agent):
    first = clocks_for(agent, ticket)[0]
    # At Tuesday 09:10: Mon 16:30-17:00 (30 min) + Tue 09:00-09:10 (10 min) = 40 min counted
    # (the night does not count), 20 min left of 60.
    assert clock_summary(first, now=at(3, 9, 10)) == {
        "kind": "first_response",
        "state": "running",
        "target_minutes": 60,
        "deadline": at(3, 9, 30),
        "remaining_seconds": 20 * 60,
        "elapsed_seconds": 40 * 60,
        "breached_at": None,
        "paused": False,
    }
    # Past the deadline: negative remaining time (10 min late at 09:40).
    assert clock_summary(first, now=at(3, 9, 40))["remaining_seconds"] == -10 * 60


def test_paused_summary(ticket, agent, committed):
    with committed(at(3, 9)):  # 30 min counted on Monday
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                                  pending_reason="requester")  # fmt: skip
    summary = clock_summaries(agent, [ticket], now=at(5, 12))[ticket.pk][1]
    assert (summary["state"], summary["paused"], summary["deadline"]) == ("paused", True, None)
    assert summary["elapsed_seconds"] == 30 * 60  # days later, still 30 min: paused


def test_breaching_soon_lists_nearest_deadlines_first(ticket, agent, other_agent):
    # First response is due Tue 09:30, resolution Tue 16:30.
    soon = breaching_soon(agent, timedelta(hours=1), now=at(3, 9))
    assert [c.kind for c in soon] == ["first_response"]
    later = breaching_soon(agent, timedelta(hours=8), now=at(3, 9))
    assert [c.kind for c in later] == ["first_response", "resolution"]
    sweep_due(now=at(3, 9, 30))
    # A breached clock still counting stays on the list (overdue first).
    assert [c.kind for c in breaching_soon(agent, timedelta(0), now=at(3, 9, 31))] == [
        "first_response"
    ]
    assert list(breaching_soon(other_agent, timedelta(days=9), now=at(3, 9))) == []


def test_summaries_of_a_page_in_constant_queries(office, requester, agent, committed,
                                                 django_assert_max_num_queries):  # fmt: skip
    make_policy(office, targets=TARGETS)
    with committed(at(2, 9)):
        tickets = [make_ticket(requester, impact=2, urgency=2) for _ in range(10)]
    agent.refresh_from_db()
    with django_assert_max_num_queries(2):  # the agent's teams, then the clocks
        found = clock_summaries(agent, tickets, now=at(2, 9, 30))
    assert len(found) == 10
    assert {s["remaining_seconds"] for f in found.values() for s in f} == {30 * 60, 450 * 60}
