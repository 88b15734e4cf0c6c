"""Two approvers deciding at the same moment: the change's row lock serialises them, so
exactly one approval satisfies the policy and the other finds itself no longer needed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from atiende.changes import actions
from atiende.changes.models import Approval, ApprovalStatus, Board
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import TicketEvent

from ..factories import AgentFactory, TeamFactory, add_to_team
from .factories import make_change, to_authorisation


@pytest.mark.django_db(transaction=True)
def test_simultaneous_approvals_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are only exercised on PostgreSQL")
    team = TeamFactory(name="Ops")
    raiser = add_to_team(AgentFactory(username="raiser"), team)
    managers = [AgentFactory(username=f"mgr{i}") for i in range(2)]
    Board.objects.get(name__startswith="Change managers").members.add(*managers)
    ticket = make_change(raiser, team_id=team.pk)
    to_authorisation(raiser, ticket, "medium")
    approvals = list(Approval.objects.filter(change_id=ticket.pk).order_by("pk"))
    assert len(approvals) == 2

    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(approval_id: int, approver_id: int) -> None:
        from atiende.accounts.models import User

        try:
            approver = User.objects.get(pk=approver_id)
            start.wait()
            actions.approval_decide(actor=approver, approval_id=approval_id, decision="approve")
            outcomes.append("approved")
        except ValidationFailed:
            outcomes.append("refused")
        except BaseException as exc:  # reported below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(a.pk, a.approver_id)) for a in approvals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["approved", "refused"]
    statuses = sorted(Approval.objects.filter(change_id=ticket.pk).values_list("status", flat=True))
    assert statuses == [ApprovalStatus.APPROVED, ApprovalStatus.WITHDRAWN]
    assert (
        TicketEvent.objects.filter(ticket=ticket, field="approval", new_value="complete").count()
        == 1
    )
