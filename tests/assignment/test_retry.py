"""The periodic retry of tickets nobody could take: oldest first, a bounded batch, nothing
written while still nobody can, tickets put back in the queue by hand left alone, and each
ticket assigned exactly once when several workers run at once (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections

from atiende.assignment import actions as assignment
from atiende.assignment import tasks
from atiende.assignment.models import Mode
from atiende.celery import app
from atiende.core.background import PERIODIC_JOBS
from atiende.notifications.models import Notification
from atiende.tickets import actions
from atiende.tickets.models import Status, Ticket

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team, make_ticket
from .conftest import policy, settings


def _new(team, requester, creator) -> Ticket:
    return make_ticket(requester, actor=creator, team_id=team.pk)


def _notes(ticket: Ticket) -> list[str]:
    return list(
        ticket.events.filter(type="assignment").order_by("id").values_list("old_value", flat=True)
    )


def _resolve(ticket: Ticket, agent) -> None:
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, version=None, to=Status.RESOLVED,
        resolution_code="solved", resolution_notes="Done.",
    )  # fmt: skip


def test_the_retry_is_a_periodic_job():
    jobs = {job.task: job.every for job in PERIODIC_JOBS}
    assert jobs["atiende.assignment.retry"] == timedelta(seconds=60)
    assert app.tasks["atiende.assignment.retry"].name == tasks.assignment_retry.name


def test_the_task_reports_what_it_did(db):
    assert tasks.assignment_retry() == {"tried": 0, "assigned": 0}


def test_waiting_tickets_go_to_whoever_is_free_oldest_first(desk, agents, requester, other_agent):
    a, b, c = agents
    policy(desk, default_cap=1)
    first = [_new(desk, requester, other_agent) for _ in range(3)]
    waiting = [_new(desk, requester, other_agent) for _ in range(3)]
    assert {t.assignee_id for t in first} == {a.pk, b.pk, c.pk}
    assert {t.assignee_id for t in waiting} == {None}

    # Still nobody: tried once (the team stops at its first), and nothing is written.
    assert assignment.retry_waiting() == assignment.RetryResult(tried=1, assigned=0)
    assert _notes(waiting[0]) == ["nobody"]

    _resolve(first[1], b)  # b is under the cap again
    assert assignment.retry_waiting() == assignment.RetryResult(tried=2, assigned=1)
    fresh = [Ticket.objects.get(pk=t.pk) for t in waiting]
    assert [t.assignee_id for t in fresh] == [b.pk, None, None]
    assert (fresh[0].status, _notes(fresh[0])) == (Status.ASSIGNED, ["nobody", "assigned"])
    assert Notification.objects.filter(
        ticket_id=fresh[0].pk, verb="ticket_assigned", user_id=b.pk
    ).exists()

    # A bounded batch: one ticket per run.
    policy(desk, default_cap=5)
    assert assignment.retry_waiting(batch=1) == assignment.RetryResult(tried=1, assigned=1)
    assert Ticket.objects.get(pk=waiting[1].pk).assignee_id is not None
    assert Ticket.objects.get(pk=waiting[2].pk).assignee_id is None
    assert assignment.retry_waiting().assigned == 1
    assert not Ticket.objects.filter(team=desk, assignee__isnull=True).exists()


def test_tickets_put_back_in_the_queue_by_hand_or_of_manual_teams_are_left_alone(
    desk, agents, requester, other_agent, other_team
):
    policy(desk)
    ticket = _new(desk, requester, other_agent)
    actions.ticket_update(
        actor=agents[0], ticket_id=ticket.pk, version=None, changes={"assignee": None}
    )
    manual = _new(other_team, requester, other_agent)
    assert assignment.retry_waiting() == assignment.RetryResult(tried=0, assigned=0)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert Ticket.objects.get(pk=manual.pk).assignee_id is None


def test_a_skills_team_goes_on_past_a_ticket_nobody_can_take(desk, agents, other_agent):
    from atiende.accounts.models import Language

    a = agents[0]
    policy(desk, use_skills=True)
    for agent in agents:
        settings(agent, languages=[Language.ENGLISH], available=False)
    spanish = _new(desk, RequesterFactory(language=Language.SPANISH), other_agent)
    english = _new(desk, RequesterFactory(language=Language.ENGLISH), other_agent)
    settings(a, available=True)
    assert assignment.retry_waiting() == assignment.RetryResult(tried=2, assigned=1)
    assert Ticket.objects.get(pk=spanish.pk).assignee_id is None
    assert Ticket.objects.get(pk=english.pk).assignee_id == a.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_assign_each_ticket_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections are only exercised on PostgreSQL")
    team = TeamFactory(name="Retry desk")
    members = [add_to_team(AgentFactory(), team) for _ in range(4)]
    creator, requester = AgentFactory(username="creator"), RequesterFactory()
    policy(team, Mode.ROUND_ROBIN)
    for member in members:
        settings(member, available=False)
    waiting = [_new(team, requester, creator) for _ in range(20)]
    assert {t.assignee_id for t in waiting} == {None}
    for member in members:
        settings(member, available=True)

    workers, errors, results = 4, [], []
    start = threading.Barrier(workers)

    def work():
        try:
            start.wait()
            results.append(assignment.retry_waiting(batch=50))
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert sum(r.assigned for r in results) == 20
    counts = Counter(Ticket.objects.filter(team=team).values_list("assignee_id", flat=True))
    assert counts == {m.pk: 5 for m in members}
    for ticket in waiting:
        assert _notes(ticket) == ["nobody", "assigned"]
        assert ticket.events.filter(type="field", field="assignee").count() == 1
