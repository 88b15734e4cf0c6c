"""The sweep: a warning at 75 % and a breach, each recorded exactly once however often the
sweep runs; escalations (notify, reassign, raise priority) run once with them. Calendar:
Mon-Fri 09:00-17:00 UTC; Monday = 2 March 2026; P3 first response 60 min, resolution 480."""

from __future__ import annotations

import pytest
import time_machine

from atiende.accounts.models import SYSTEM_USERNAME
from atiende.notifications.models import Notification
from atiende.sla.actions import sweep_due
from atiende.sla.models import ClockState, SlaClock
from atiende.tickets import actions
from atiende.tickets.models import Ticket, TicketEvent

from ..factories import make_ticket
from .conftest import at, clock_of, escalate, make_policy

TARGETS = {3: (60, 480, None), 2: (30, 240, None)}

pytestmark = pytest.mark.usefixtures("desk_default_team")


@pytest.fixture
def policy(office):
    return make_policy(office, targets=TARGETS)


@pytest.fixture
def ticket(policy, requester, committed):
    with committed(at(2, 9)):
        return make_ticket(requester, impact=2, urgency=2)


def sla_events(ticket, what):
    return list(
        TicketEvent.objects.filter(ticket=ticket, type="sla", new_value=what).values_list(
            "field", flat=True
        )
    )


def test_warning_and_breach_each_happen_once(ticket):
    # First response: warning at 45 min -> 09:45, deadline 60 min -> 10:00.
    # Resolution: warning at 360 min -> 15:00, deadline 480 min -> 17:00.
    assert sweep_due(now=at(2, 9, 44)).processed == 0
    first = sweep_due(now=at(2, 9, 45))
    assert (first.warned, first.breached) == (1, 0)
    assert sweep_due(now=at(2, 9, 50)).processed == 0  # already warned
    assert sla_events(ticket, "warning") == ["first_response"]
    clock = clock_of(ticket, "first_response")
    assert (clock.warned_at, clock.state) == (at(2, 9, 45), ClockState.RUNNING)

    second = sweep_due(now=at(2, 10))
    assert (second.warned, second.breached) == (0, 1)
    assert sweep_due(now=at(2, 10, 1)).processed == 0
    assert sweep_due(now=at(2, 10, 1)).processed == 0
    clock.refresh_from_db()
    assert (clock.state, clock.breached_at) == (ClockState.BREACHED, at(2, 10))
    assert sla_events(ticket, "warning") == ["first_response"]
    assert sla_events(ticket, "breach") == ["first_response"]

    late = sweep_due(now=at(2, 17))  # resolution: warning and breach both due by now
    assert (late.warned, late.breached) == (0, 1)  # past the deadline: straight to breach
    assert sla_events(ticket, "breach") == ["first_response", "resolution"]


def test_a_breached_clock_met_later_keeps_its_breach(ticket, agent, committed):
    sweep_due(now=at(2, 10))
    with committed(at(2, 10, 30)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Sorry for the wait")
    clock = clock_of(ticket, "first_response")
    assert (clock.state, clock.breached_at, clock.met_at) == (
        ClockState.BREACHED, at(2, 10), at(2, 10, 30)
    )  # fmt: skip
    assert clock.elapsed.total_seconds() == 90 * 60  # 09:00 -> 10:30, 30 min late


def test_paused_clocks_are_not_swept(ticket, agent, committed):
    with committed(at(2, 9, 30)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                                  pending_reason="requester")  # fmt: skip
    assert sweep_due(now=at(4, 12)).processed == 0


def test_limit_caps_one_sweep(policy, requester, committed):
    with committed(at(2, 9)):
        for _ in range(3):
            make_ticket(requester, impact=2, urgency=2)
    # 6 clocks due to breach at 17:00 (3 first response, 3 resolution).
    assert sweep_due(now=at(2, 17), limit=4).breached == 4
    assert sweep_due(now=at(2, 17), limit=4).breached == 2
    assert TicketEvent.objects.filter(type="sla", new_value="breach").count() == 6


def test_notify_escalations_reach_the_right_people(policy, ticket, agent, manager, other_agent,
                                                   committed):  # fmt: skip
    escalate(policy, "warning", "notify_assignee", clock="first_response")
    escalate(policy, "breach", "notify_team")
    escalate(policy, "breach", "notify_managers")
    with committed(at(2, 9, 1)):
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                              changes={"assignee": agent.pk})  # fmt: skip
    sweep_due(now=at(2, 9, 45))
    assert list(Notification.objects.values_list("user__username", "verb")) == [
        ("agent", "sla_warning")
    ]
    warning = Notification.objects.get()
    assert warning.ticket_id == ticket.pk
    assert warning.message == (
        f"{ticket.number}: the first response target is about to be missed (due 2 Mar 2026 10:00)."
    )
    sweep_due(now=at(2, 10))
    breach = Notification.objects.filter(verb="sla_breach")
    # The team ("Service Desk": agent and manager) and its managers; other_agent is in
    # another team and hears nothing.
    assert sorted(breach.values_list("user__username", flat=True)) == [
        "agent", "manager", "manager"
    ]  # fmt: skip
    assert sla_events(ticket, "notify_team") == ["first_response"]
    assert sla_events(ticket, "notify_managers") == ["first_response"]
    sweep_due(now=at(2, 10, 5))
    assert Notification.objects.count() == 4  # nothing twice


def test_notify_assignee_of_an_unassigned_ticket_tells_the_team(policy, ticket, agent, manager):
    escalate(policy, "warning", "notify_assignee")
    sweep_due(now=at(2, 9, 45))
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "agent", "manager"
    ]  # fmt: skip


def test_reassign_team_moves_the_ticket_once(policy, ticket, other_team, committed):
    escalate(policy, "breach", "reassign_team", clock="first_response", team=other_team)
    with committed(at(2, 10)):
        sweep_due(now=at(2, 10))
    ticket.refresh_from_db()
    assert ticket.team == other_team
    moved = TicketEvent.objects.get(ticket=ticket, type="field", field="team")
    assert (moved.actor.username, moved.new_value) == (SYSTEM_USERNAME, other_team.name)
    assert sla_events(ticket, "reassign_team") == ["first_response"]
    with committed(at(2, 10, 5)):
        sweep_due(now=at(2, 10, 5))
    assert TicketEvent.objects.filter(ticket=ticket, field="team").count() == 1


def test_raise_priority_raises_urgency_and_the_clocks_follow(policy, ticket, committed):
    escalate(policy, "warning", "raise_priority", clock="first_response")
    with committed(at(2, 9, 45)):
        sweep_due(now=at(2, 9, 45))
    ticket.refresh_from_db()
    # Urgency medium -> high: impact 2 + urgency 1 - 1 = P2.
    assert (ticket.urgency, ticket.priority) == (1, 2)
    assert TicketEvent.objects.filter(ticket=ticket, type="field", field="priority",
                                      old_value="3", new_value="2").exists()  # fmt: skip
    raised = TicketEvent.objects.get(ticket=ticket, type="sla", new_value="raise_priority")
    assert raised.body == "P2"
    # The P2 targets now apply: resolution 240 min, 45 counted -> 195 more from 09:45 = 13:00.
    resolution = clock_of(ticket, "resolution")
    assert (resolution.target_minutes, resolution.deadline) == (240, at(2, 13))
    # First response P2 = 30 min < 45 counted: breached at once.
    assert clock_of(ticket, "first_response").breached_at == at(2, 9, 45)
    with committed(at(2, 9, 50)):
        sweep_due(now=at(2, 9, 50))
    ticket.refresh_from_db()
    assert ticket.priority == 2  # the warning (and its escalation) does not repeat


def test_raise_priority_keeps_a_manual_override(policy, ticket, agent, committed):
    """docs/notifications.md, "Decisions": the agent's override (with its reason) wins; the
    escalation raises urgency (recorded) and neither moves the priority nor clears the flag."""
    with committed(at(2, 9, 30)):
        actions.ticket_priority_set(
            actor=agent, ticket_id=ticket.pk, version=None, priority=4, reason="Cosmetic only"
        )
    escalate(policy, "warning", "raise_priority", clock="first_response")
    with committed(at(2, 9, 45)):
        sweep_due(now=at(2, 9, 45))
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.priority, ticket.priority_overridden) == (1, 4, True)
    assert TicketEvent.objects.filter(ticket=ticket, type="sla", new_value="raise_priority")


def test_sla_events_are_internal(ticket, requester, committed):
    sweep_due(now=at(2, 10))
    from atiende.tickets.selectors import timeline_for

    with time_machine.travel(at(2, 10, 1), tick=False):
        seen = [e.type for e in timeline_for(requester, Ticket.objects.get(pk=ticket.pk))]
    assert "sla" not in seen
    assert SlaClock.objects.filter(ticket=ticket, state="breached").count() == 1


def test_celery_task_runs_the_sweep(ticket):
    from atiende.sla.tasks import sla_sweep

    assert sla_sweep.name == "atiende.sla.sweep"
    with time_machine.travel(at(2, 10), tick=False):
        assert sla_sweep() == {"warned": 0, "breached": 1, "escalations": 0}
        assert sla_sweep() == {"warned": 0, "breached": 0, "escalations": 0}
