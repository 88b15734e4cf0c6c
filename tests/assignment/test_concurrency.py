"""Fairness under concurrent creation, on the real PostgreSQL: 50 tickets created at once by
10 threads into one team. The policy row's lock serialises the choice, so round-robin counts
differ by at most one and nobody goes over the cap."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from atiende.assignment.models import Mode
from atiende.tickets import actions
from atiende.tickets.models import Ticket

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team
from .conftest import policy

THREADS, PER_THREAD = 10, 5


def _create_at_once(creator_id: int, requester_id: int, team_id: int) -> list[BaseException]:
    from atiende.accounts.models import User

    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work():
        try:
            creator = User.objects.get(pk=creator_id)
            start.wait()
            for _ in range(PER_THREAD):
                actions.ticket_create(
                    actor=creator, title="At once", requester_id=requester_id, team_id=team_id
                )
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    return errors


def _setup(agents: int):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections are only exercised on PostgreSQL")
    team = TeamFactory(name="Concurrent desk")
    members = [add_to_team(AgentFactory(), team) for _ in range(agents)]
    creator = AgentFactory(username="creator")
    return team, members, creator, RequesterFactory()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [Mode.ROUND_ROBIN, Mode.LEAST_LOADED])
def test_fifty_concurrent_creations_are_shared_fairly(mode):
    team, members, creator, requester = _setup(agents=4)
    policy(team, mode)
    assert _create_at_once(creator.pk, requester.pk, team.pk) == []
    counts = Counter(Ticket.objects.filter(team=team).values_list("assignee_id", flat=True))
    assert None not in counts
    assert sum(counts.values()) == THREADS * PER_THREAD
    assert set(counts) == {m.pk for m in members}
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creations_never_go_over_the_cap():
    team, members, creator, requester = _setup(agents=4)
    policy(team, Mode.ROUND_ROBIN, default_cap=9)
    assert _create_at_once(creator.pk, requester.pk, team.pk) == []
    counts = Counter(Ticket.objects.filter(team=team).values_list("assignee_id", flat=True))
    assert counts.pop(None) == THREADS * PER_THREAD - 4 * 9
    assert counts == {m.pk: 9 for m in members}
    unassigned = Ticket.objects.filter(team=team, assignee__isnull=True)
    for ticket in unassigned:
        assert ticket.events.filter(type="assignment", old_value="nobody").count() == 1
