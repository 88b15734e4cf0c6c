"""Clocks follow the ticket: started on create, paused in a pausing status, met by the first
public agent reply and by resolving, resumed on reopen, stopped on cancel. Calendar: Mon-Fri
09:00-17:00 UTC; Monday = 2 March 2026. Priority = impact + urgency - 1."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.sla.models import ClockState, SlaClock
from atiende.tickets import actions
from atiende.tickets.models import TicketEvent

from ..factories import make_ticket
from .conftest import at, clock_of, make_policy

# P3 (impact 2 x urgency 2): first response 60 min, resolution 480 min (one working day).
TARGETS = {3: (60, 480, 30), 2: (30, 240, None)}

pytestmark = pytest.mark.usefixtures("desk_default_team")


@pytest.fixture
def policy(office):
    return make_policy(office, targets=TARGETS)


def p3_ticket(requester, committed, when):
    with committed(when):
        return make_ticket(requester, impact=2, urgency=2)


def test_clocks_start_on_create_with_business_time_deadlines(policy, requester, committed):
    ticket = p3_ticket(requester, committed, at(2, 16, 30))  # Monday 16:30
    first = clock_of(ticket, "first_response")
    resolution = clock_of(ticket, "resolution")
    # First response 60 min: Mon 16:30-17:00 (30) + Tue 09:00-09:30 (30) -> Tue 09:30.
    assert first.deadline == at(3, 9, 30)
    # Warning at 75 % = 45 min: 30 on Monday + 15 on Tuesday -> Tue 09:15.
    assert first.warn_at == at(3, 9, 15)
    # Resolution 480 min: 30 on Monday + 450 (7 h 30) from Tue 09:00 -> Tue 16:30.
    assert resolution.deadline == at(3, 16, 30)
    # Warning at 360 min: 30 + 330 (5 h 30) -> Tue 14:30.
    assert resolution.warn_at == at(3, 14, 30)
    assert (first.state, first.target_minutes, first.policy_id) == ("running", 60, policy.pk)
    assert first.elapsed == timedelta(0) and first.started_at == at(2, 16, 30)
    started = TicketEvent.objects.get(ticket=ticket, type="sla")
    assert (started.new_value, started.public, started.actor) == ("started", False, None)
    assert "Standard" in started.body


def test_ticket_created_on_a_saturday_counts_from_monday_opening(policy, requester, committed):
    ticket = p3_ticket(requester, committed, at(7, 11))  # Saturday 11:00
    # Nothing counts until Monday 09:00; 60 min -> Mon 10:00; 480 min -> Mon 17:00 (the
    # target uses the whole period: the deadline is its end, not Tuesday's opening).
    assert clock_of(ticket, "first_response").deadline == at(9, 10)
    assert clock_of(ticket, "resolution").deadline == at(9, 17)


def test_no_matching_policy_no_clocks(office, requester, committed):
    make_policy(office, targets=TARGETS, kinds=["request"])
    ticket = p3_ticket(requester, committed, at(2, 9))
    assert not SlaClock.objects.filter(ticket=ticket).exists()


def test_pause_across_a_weekend_pushes_the_deadline(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(6, 10))  # Friday 10:00
    with committed(at(6, 12)):  # Friday 12:00: 120 business minutes counted
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                                  pending_reason="requester")  # fmt: skip
    paused = clock_of(ticket, "resolution")
    assert paused.state == ClockState.PAUSED
    assert paused.elapsed == timedelta(minutes=120)
    assert paused.paused_since == at(6, 12)
    with committed(at(9, 11)):  # Monday 11:00 (Fri 12-17 and Mon 9-11 were paused: 7 h)
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="in_progress")
    resumed = clock_of(ticket, "resolution")
    # 480 - 120 = 360 min remain from Mon 11:00 -> Mon 17:00.
    assert resumed.state == ClockState.RUNNING
    assert resumed.deadline == at(9, 17)
    assert resumed.elapsed == timedelta(minutes=120)
    # Warning at 360 min: 240 remain to it -> Mon 15:00.
    assert resumed.warn_at == at(9, 15)


def test_first_response_met_only_by_a_public_agent_reply(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))
    with committed(at(2, 9, 10)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking", public=False)
    with committed(at(2, 9, 15)):
        actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Any news?")
    assert clock_of(ticket, "first_response").state == ClockState.RUNNING
    with committed(at(2, 9, 40)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On my way")
    first = clock_of(ticket, "first_response")
    assert (first.state, first.met_at) == (ClockState.MET, at(2, 9, 40))
    assert first.elapsed == timedelta(minutes=40)  # 09:00 -> 09:40
    assert clock_of(ticket, "resolution").state == ClockState.RUNNING


def test_next_response_after_a_requester_reply(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))
    with committed(at(2, 9, 30)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Try rebooting")
    with committed(at(2, 16, 50)):  # requester answers late on Monday
        actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Did not help")
    following = clock_of(ticket, "next_response")
    # 30 min: Mon 16:50-17:00 (10) + Tue 09:00-09:20 (20) -> Tue 09:20.
    assert following.deadline == at(3, 9, 20)
    with committed(at(3, 9, 5)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Replacing it")
    following.refresh_from_db()
    assert following.state == ClockState.MET
    assert following.elapsed == timedelta(minutes=15)  # 10 on Monday + 5 on Tuesday


def test_resolve_meets_resolution_and_reopen_keeps_elapsed(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))
    with committed(at(2, 12)):  # 180 business minutes
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  resolution_code="solved", resolution_notes="Toner")  # fmt: skip
    resolution = clock_of(ticket, "resolution")
    assert (resolution.state, resolution.met_at) == (ClockState.MET, at(2, 12))
    assert resolution.elapsed == timedelta(minutes=180)
    # Resolving answers the requester: first response is met too.
    assert clock_of(ticket, "first_response").state == ClockState.MET
    with committed(at(3, 10)):  # requester reopens Tuesday 10:00
        actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to="in_progress")
    reopened = clock_of(ticket, "resolution")
    # The documented rule: the resolution clock continues; 480 - 180 = 300 min remain from
    # Tue 10:00 -> Tue 15:00. The time the ticket spent resolved does not count.
    assert reopened.state == ClockState.RUNNING and reopened.met_at is None
    assert reopened.elapsed == timedelta(minutes=180)
    assert reopened.deadline == at(3, 15)
    assert clock_of(ticket, "first_response").state == ClockState.MET  # stays met


def test_cancel_stops_every_clock(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))
    with committed(at(2, 10)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="cancelled")
    states = set(SlaClock.objects.filter(ticket=ticket).values_list("state", "met_at"))
    assert states == {(ClockState.STOPPED, None)}
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("elapsed", flat=True)) == {
        timedelta(minutes=60)
    }


def test_policy_change_half_way_keeps_elapsed_time(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))  # P3: resolution 480
    with committed(at(2, 11)):  # 120 min counted; urgency high -> P2: resolution 240
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                              changes={"urgency": 1})  # fmt: skip
    resolution = clock_of(ticket, "resolution")
    assert resolution.target_minutes == 240
    assert resolution.elapsed == timedelta(minutes=120)
    # New deadline = now + (240 - 120) business minutes = Mon 13:00.
    assert resolution.deadline == at(2, 13)
    # Warning at 75 % of 240 = 180 min: 60 more -> Mon 12:00.
    assert resolution.warn_at == at(2, 12)
    change = TicketEvent.objects.get(ticket=ticket, type="sla", new_value="policy_changed",
                                     field="resolution")  # fmt: skip
    assert change.old_value == "Standard: 480 min" and "240 min" in change.body


def test_policy_change_past_the_new_target_breaches_at_once(policy, requester, agent, committed):
    ticket = p3_ticket(requester, committed, at(2, 9))
    # First response P3 = 60 min, P2 = 30 min. At 09:45, 45 min are counted > 30: breached now.
    with committed(at(2, 9, 45)):
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                              changes={"urgency": 1})  # fmt: skip
    first = clock_of(ticket, "first_response")
    assert (first.state, first.breached_at) == (ClockState.BREACHED, at(2, 9, 45))
    assert first.elapsed == timedelta(minutes=45)
    breach = TicketEvent.objects.filter(ticket=ticket, type="sla", new_value="breach")
    assert list(breach.values_list("field", flat=True)) == ["first_response"]
    # It skipped the warning (it went past the deadline directly).
    assert not TicketEvent.objects.filter(ticket=ticket, new_value="warning").exists()
