"""Several workers sweeping at the same time: every breach is claimed, recorded and escalated
exactly once (real transactions and connections, one per thread)."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import close_old_connections, connection, connections

from atiende.notifications.models import Notification
from atiende.sla import actions as sla_actions
from atiende.sla.models import BusinessCalendar, ClockState, SlaClock
from atiende.tickets.models import DeskSettings, TicketEvent

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team, make_ticket
from .conftest import at, escalate, make_policy

TICKETS = 30
WORKERS = 4


def _sweep_in_threads(now) -> tuple[list, list[BaseException]]:
    results, errors = [], []
    start = threading.Barrier(WORKERS)

    def work():
        try:
            start.wait()
            results.append(sla_actions.sweep_due(now=now))
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    close_old_connections()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_breach_and_escalate_each_clock_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database (shared cache) fails a second writer at once "
            "instead of waiting, and SQLite serialises writers anyway: run on PostgreSQL"
        )
    # Small batches, so the workers' claims interleave over the same due clocks.
    monkeypatch.setattr(sla_actions, "SWEEP_BATCH", 7)
    team = TeamFactory(name="Desk")
    add_to_team(AgentFactory(username="on_call"), team)
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    office = BusinessCalendar.objects.create(
        name="Office", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    policy = make_policy(office, targets={3: (60, 480, None)})
    escalate(policy, "breach", "notify_team")
    requester = RequesterFactory()
    with time_machine.travel(at(2, 9), tick=False):
        for _ in range(TICKETS):  # real commits: the subscribers start the clocks
            make_ticket(requester, impact=2, urgency=2)
    assert SlaClock.objects.filter(state=ClockState.RUNNING).count() == 2 * TICKETS

    # Monday 17:00: first response (due 10:00) and resolution (due 17:00) are both breached.
    results, errors = _sweep_in_threads(at(2, 17))

    assert errors == []
    assert sum(r.breached for r in results) == 2 * TICKETS
    breaches = TicketEvent.objects.filter(type="sla", new_value="breach")
    assert breaches.count() == 2 * TICKETS
    assert len(set(breaches.values_list("ticket_id", "field"))) == 2 * TICKETS
    assert TicketEvent.objects.filter(type="sla", new_value="notify_team").count() == 2 * TICKETS
    assert Notification.objects.filter(user__username="on_call").count() == 2 * TICKETS
    assert not SlaClock.objects.exclude(state=ClockState.BREACHED).exists()
    # And again: nothing left to do.
    again, errors = _sweep_in_threads(at(2, 17, 1))
    assert errors == [] and sum(r.processed for r in again) == 0
