"""Approvals: policies by type and risk, the requester never approves, N of the CAB, the
emergency board, rejections, the timeline, and "My approvals"."""

from __future__ import annotations

import pytest

from atiende.changes import actions, selectors
from atiende.changes import approvals as rules
from atiende.changes.models import Approval, ApprovalPolicy
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.tickets.models import TicketEvent

from .conftest import board
from .factories import END, START, make_change, to_authorisation


def decide(approval, decision="approve", comment="Fine"):
    return actions.approval_decide(
        actor=approval.approver, approval_id=approval.pk, decision=decision, comment=comment
    )


def test_requirement_arithmetic():
    votes = [
        rules.Vote(1, "CAB", "CAB", 2, "approved"),
        rules.Vote(1, "CAB", "CAB", 2, "pending"),
        rules.Vote(2, "All", "ECAB", 0, "approved"),
        rules.Vote(2, "All", "ECAB", 0, "approved"),
    ]
    reqs = {r.policy_id: r for r in rules.requirements(votes)}
    assert not reqs[1].satisfied and reqs[2].satisfied and reqs[2].required == 2
    assert not rules.satisfied(reqs.values())
    assert rules.satisfied([])


def test_medium_risk_needs_the_change_manager(agent, change_manager, change):
    to_authorisation(agent, change, "medium")
    (approval,) = Approval.objects.filter(change_id=change.pk)
    assert approval.approver == change_manager and approval.status == "pending"
    decide(approval)
    view = selectors.change_view(agent, selectors.change_get(agent, change.pk))
    assert view.approvals_satisfied and view.missing["scheduled"] == ["window"]
    assert list(
        TicketEvent.objects.filter(ticket=change, field="approval").values_list(
            "new_value", flat=True
        )
    ) == ["approved", "complete"]


def test_high_risk_needs_the_manager_and_two_cab_members(agent, change_manager, cab_members):
    ticket = make_change(agent, planned_start=START, planned_end=END)
    to_authorisation(agent, ticket, "high")
    approvals = list(Approval.objects.filter(change_id=ticket.pk).select_related("policy"))
    assert len(approvals) == 4  # the manager + three CAB members asked
    cab = [a for a in approvals if a.board.name.startswith("Change advisory")]
    manager = next(a for a in approvals if a.approver == change_manager)
    decide(cab[0])
    decide(manager)
    with pytest.raises(ValidationFailed):
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    decide(cab[1])
    # Enough: the third CAB member is no longer needed.
    assert Approval.objects.get(pk=cab[2].pk).status == "withdrawn"
    ticket = actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    assert ticket.status == "scheduled"


def test_the_requester_is_never_asked_and_can_never_approve(agent, change_manager, team):
    ticket = make_change(change_manager, team_id=team.pk)
    with pytest.raises(ValidationFailed) as exc:
        to_authorisation(change_manager, ticket, "medium")  # the only manager is the requester
    assert "too few members" in exc.value.errors["to"][0]
    assert ticket.__class__.objects.get(pk=ticket.pk).status == "assessment"
    assert not Approval.objects.exists()
    # Even an approval row for the requester (made by hand) cannot be used.
    board("Change managers").members.add(agent)
    actions.change_transition(actor=change_manager, ticket_id=ticket.pk, to="authorisation")
    policy = ApprovalPolicy.objects.get(name__startswith="Medium")
    forged = Approval.objects.create(
        change_id=ticket.pk, policy=policy, board=policy.board, approver=change_manager,
        created_at=Approval.objects.get().created_at,
    )  # fmt: skip
    with pytest.raises(Forbidden):
        decide(forged)


def test_emergency_changes_go_to_the_emergency_board(agent, ecab_member, change_manager):
    ticket = make_change(agent, change_type="emergency")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="authorisation")  # no risk
    (approval,) = Approval.objects.filter(change_id=ticket.pk)
    assert approval.approver == ecab_member and approval.board.name.startswith("Emergency")
    # The approver sees the change although it is not their team's.
    assert selectors.change_get(ecab_member, ticket.pk) == ticket
    decide(approval)


def test_a_rejection_stops_the_change(agent, change_manager, cab_members):
    ticket = make_change(agent)
    to_authorisation(agent, ticket, "high")
    rejecting = Approval.objects.filter(approver=cab_members[0]).get()
    with pytest.raises(ValidationFailed) as exc:
        decide(rejecting, "reject", comment=" ")
    assert "comment" in exc.value.errors
    decide(rejecting, "reject", comment="The backout plan was never tested.")
    ticket.refresh_from_db()
    assert ticket.status == "rejected"
    statuses = set(Approval.objects.filter(change_id=ticket.pk).values_list("status", flat=True))
    assert statuses == {"rejected", "withdrawn"}
    event = TicketEvent.objects.get(ticket=ticket, field="approval", new_value="rejected")
    assert "never tested" in event.body and event.actor == cab_members[0]
    other = Approval.objects.filter(approver=change_manager).get()
    with pytest.raises(ValidationFailed):
        decide(other)


def test_only_the_approver_decides(agent, change_manager, other_agent, change):
    to_authorisation(agent, change, "medium")
    approval = Approval.objects.get()
    with pytest.raises(NotFound):
        actions.approval_decide(actor=other_agent, approval_id=approval.pk, decision="approve")
    with pytest.raises(Forbidden):
        actions.approval_decide(actor=agent, approval_id=approval.pk, decision="approve")
    with pytest.raises(NotFound):
        actions.approval_decide(actor=agent, approval_id=10**12, decision="approve")


def test_low_risk_normal_change_needs_no_approval(agent, change_manager, change):
    to_authorisation(agent, change, "low")
    assert not Approval.objects.exists()
    assert selectors.change_view(agent, selectors.change_get(agent, change.pk)).approvals_satisfied


def test_my_approvals_lists_pending_ones_newest_first(agent, change_manager):
    first, second = make_change(agent, title="First"), make_change(agent, title="Second")
    to_authorisation(agent, first, "medium")
    to_authorisation(agent, second, "medium")
    mine = list(selectors.approvals_for(change_manager))
    assert [a.change.ticket.title for a in mine] == ["Second", "First"]
    decide(mine[0])
    assert [a.change.ticket.title for a in selectors.approvals_for(change_manager)] == ["First"]
    assert list(selectors.approvals_for(agent)) == []


def test_going_back_to_assessment_starts_a_new_round(agent, change_manager, change):
    to_authorisation(agent, change, "medium")
    decide(Approval.objects.get())
    actions.change_transition(actor=agent, ticket_id=change.pk, to="assessment")
    actions.change_transition(actor=agent, ticket_id=change.pk, to="authorisation")
    view = selectors.change_view(agent, selectors.change_get(agent, change.pk))
    assert not view.approvals_satisfied  # the earlier approval does not count again
    assert [a.status for a in view.approvals] == ["pending", "approved"]


def test_approvers_are_announced_after_commit(
    agent, change_manager, change, django_capture_on_commit_callbacks
):
    from atiende.changes.events import ChangeApprovalsRequested
    from atiende.core import events

    heard: list[ChangeApprovalsRequested] = []
    handler = events.subscribe(ChangeApprovalsRequested)(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            to_authorisation(agent, change, "medium")
    finally:
        events.unsubscribe(ChangeApprovalsRequested, handler)
    assert heard == [
        ChangeApprovalsRequested(
            ticket_id=change.pk,
            approval_ids=(Approval.objects.get().pk,),
            approver_ids=(change_manager.pk,),
        )
    ]


def test_an_approver_from_another_team_reads_but_does_not_change(agent, ecab_member):
    ticket = make_change(agent, change_type="emergency")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="authorisation")
    assert selectors.change_get(ecab_member, ticket.number) == ticket
    with pytest.raises(Forbidden):
        actions.change_transition(actor=ecab_member, ticket_id=ticket.pk, to="assessment")
    with pytest.raises(Forbidden):
        actions.change_update(
            actor=ecab_member, ticket_id=ticket.number, version=None, changes={"reason": "x"}
        )
