"""Every transition of the workflow tables, allowed and forbidden, for agents and requesters,
both in the pure tables and through ticket_transition."""

from __future__ import annotations

import pytest

from atiende.core.errors import ValidationFailed
from atiende.tickets import actions, workflow
from atiende.tickets.models import CHANGE_ONLY_STATUSES, Status, Ticket

S = Status
ALL = list(Status)
# The generic lifecycle (incidents, requests, questions, problems): changes have their own.
GENERIC = [status for status in Status if status not in CHANGE_ONLY_STATUSES]

AGENT_ALLOWED = {
    (S.NEW, S.ASSIGNED), (S.NEW, S.IN_PROGRESS), (S.NEW, S.PENDING), (S.NEW, S.RESOLVED),
    (S.NEW, S.CANCELLED),
    (S.ASSIGNED, S.NEW), (S.ASSIGNED, S.IN_PROGRESS), (S.ASSIGNED, S.PENDING),
    (S.ASSIGNED, S.RESOLVED), (S.ASSIGNED, S.CANCELLED),
    (S.IN_PROGRESS, S.ASSIGNED), (S.IN_PROGRESS, S.PENDING), (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.CANCELLED),
    (S.PENDING, S.ASSIGNED), (S.PENDING, S.IN_PROGRESS), (S.PENDING, S.RESOLVED),
    (S.PENDING, S.CANCELLED),
    (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.IN_PROGRESS),
    (S.CLOSED, S.IN_PROGRESS),
}  # fmt: skip
REQUESTER_ALLOWED = {(S.RESOLVED, S.CLOSED), (S.RESOLVED, S.IN_PROGRESS), (S.CLOSED, S.IN_PROGRESS)}
PAIRS = [(a, b) for a in ALL for b in ALL]
GENERIC_PAIRS = [(a, b) for a in GENERIC for b in ALL]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_agent_table(current, target):
    expected = (current, target) in AGENT_ALLOWED
    assert workflow.can_transition(current, target, is_agent=True) is expected


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_requester_table(current, target):
    expected = (current, target) in REQUESTER_ALLOWED
    assert workflow.can_transition(current, target, is_agent=False) is expected


def test_cancelled_is_final_and_nothing_returns_to_itself():
    for status in ALL:
        assert not workflow.can_transition(status, status, is_agent=True)
        assert not workflow.can_transition(S.CANCELLED, status, is_agent=True)


def _ticket_in(status: str, *, requester, agent) -> Ticket:
    """A real ticket in `status`, reached through legal transitions."""
    from ..factories import make_ticket

    ticket = make_ticket(requester, actor=agent, assignee_id=agent.pk)
    path = {
        S.NEW: [S.NEW],
        S.ASSIGNED: [],
        S.IN_PROGRESS: [S.IN_PROGRESS],
        S.PENDING: [S.PENDING],
        S.RESOLVED: [S.RESOLVED],
        S.CLOSED: [S.RESOLVED, S.CLOSED],
        S.CANCELLED: [S.CANCELLED],
    }[status]
    for step in path:
        ticket = actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=step, **DETAILS)
    assert ticket.status == status
    return ticket


DETAILS = {"resolution_code": "solved", "resolution_notes": "Done.", "pending_reason": "requester"}


@pytest.mark.parametrize(("current", "target"), GENERIC_PAIRS)
def test_ticket_transition_follows_the_agent_table(current, target, requester, agent, team):
    ticket = _ticket_in(current, requester=requester, agent=agent)
    if (current, target) in AGENT_ALLOWED:
        moved = actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=target, **DETAILS)
        assert moved.status == target
        assert Ticket.objects.get(pk=ticket.pk).status == target
        assert moved.version == ticket.version + 1
    else:
        with pytest.raises(ValidationFailed) as refused:
            actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=target, **DETAILS)
        assert "to" in refused.value.errors
        assert Ticket.objects.get(pk=ticket.pk).status == current


@pytest.mark.parametrize(("current", "target"), GENERIC_PAIRS)
def test_ticket_transition_follows_the_requester_table(current, target, requester, agent, team):
    ticket = _ticket_in(current, requester=requester, agent=agent)
    if (current, target) in REQUESTER_ALLOWED:
        moved = actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=target)
        # A requester's reopen lands on in_progress (assigned) or new (unassigned).
        assert moved.status == target
    else:
        with pytest.raises(ValidationFailed):
            actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=target, **DETAILS)
        assert Ticket.objects.get(pk=ticket.pk).status == current


def test_unknown_status_is_a_field_error(ticket, agent):
    with pytest.raises(ValidationFailed) as refused:
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="sleeping")
    assert refused.value.status_code == 422
    assert "to" in refused.value.errors
