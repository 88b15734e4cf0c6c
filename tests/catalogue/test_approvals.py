"""Approvals of catalogue requests: changes' one approval row and decision action, asked by
the item's steps (the requester's manager, the service owner, N of a board), in sequence or
in parallel; approve, reject (the request ends with the reason), withdraw, approver leaves."""

from __future__ import annotations

import pytest

from atiende.accounts.events import UserDeactivated
from atiende.accounts.models import TeamMembership
from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource, FulfilmentTask, StepMode, TaskStatus
from atiende.changes import actions as change_actions
from atiende.changes.models import Approval, ApprovalStatus, Board
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.notifications.models import Notification
from atiende.tickets.models import PendingReason, Status, Ticket, TicketEvent
from tests.factories import AgentFactory, RequesterFactory

GOOD = {"os": "mac"}


@pytest.fixture
def boss(requester):
    boss = RequesterFactory(organization=requester.organization)
    requester.manager = boss
    requester.save(update_fields=["manager"])
    return boss


@pytest.fixture
def board():
    board = Board.objects.create(name="Hardware board")
    board.members.set([AgentFactory(), AgentFactory(), AgentFactory()])
    return board


def _decide(approval, decision="approve", comment=""):
    return change_actions.approval_decide(
        actor=approval.approver, approval_id=approval.pk, decision=decision, comment=comment
    )


def _pending(ticket):
    return list(Approval.objects.filter(ticket=ticket, status=ApprovalStatus.PENDING))


def test_manager_then_board_in_sequence_then_tasks(laptop, manager, requester, boss, board, team):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.BOARD, board_id=board.pk,
        required=2,
    )  # fmt: skip
    actions.task_template_save(actor=manager, item_id=laptop.pk, title="Prepare", team_id=team.pk)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.pending_reason) == (Status.PENDING, PendingReason.APPROVAL)
    # Only the manager is asked first, and told.
    [first] = _pending(ticket)
    assert first.approver == boss and first.step.source == ApproverSource.MANAGER
    assert Notification.objects.filter(user=boss, verb="request_approval").exists()
    assert FulfilmentTask.objects.get(ticket=ticket).status == TaskStatus.WAITING
    _decide(first)
    # The board's three members are asked; two approvals satisfy the step.
    asked = _pending(ticket)
    assert sorted(a.approver_id for a in asked) == sorted(
        board.members.values_list("pk", flat=True)
    )
    _decide(asked[0])
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    _decide(asked[1])
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.pending_reason == ""
    # The third approval is no longer needed; the first task opened.
    assert Approval.objects.get(pk=asked[2].pk).status == ApprovalStatus.WITHDRAWN
    assert FulfilmentTask.objects.get(ticket=ticket).status == TaskStatus.OPEN


def test_parallel_steps_are_asked_together(laptop, manager, requester, boss, board):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.BOARD, board_id=board.pk,
        required=1, mode=StepMode.PARALLEL,
    )  # fmt: skip
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    assert len(_pending(ticket)) == 4
    _decide(next(a for a in _pending(ticket) if a.approver_id == boss.pk))
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING
    _decide(_pending(ticket)[0])
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert _pending(ticket) == []


def test_rejection_ends_the_request_with_the_reason(laptop, manager, requester, boss, board, team):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.BOARD, board_id=board.pk,
        mode=StepMode.PARALLEL,
    )  # fmt: skip
    actions.task_template_save(actor=manager, item_id=laptop.pk, title="Prepare", team_id=team.pk)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    mine = next(a for a in _pending(ticket) if a.approver_id == boss.pk)
    with pytest.raises(ValidationFailed) as refused:
        _decide(mine, "reject", "")
    assert "comment" in refused.value.errors
    _decide(mine, "reject", "Not in this year's budget.")
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED and ticket.resolution_code == "rejected"
    assert ticket.resolution_notes == "Not in this year's budget."
    reply = TicketEvent.objects.filter(ticket=ticket, type="comment", public=True).get()
    assert "Not in this year's budget." in reply.body
    assert _pending(ticket) == []
    assert set(Approval.objects.filter(ticket=ticket).values_list("status", flat=True)) == {
        ApprovalStatus.REJECTED,
        ApprovalStatus.WITHDRAWN,
    }
    assert FulfilmentTask.objects.get(ticket=ticket).status == TaskStatus.CANCELLED
    # Decided once: a second decision is refused.
    with pytest.raises(ValidationFailed):
        _decide(Approval.objects.get(pk=mine.pk))


def test_withdraw_by_the_requester(laptop, manager, requester, boss, other_requester):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    with pytest.raises(NotFound):
        actions.request_withdraw(actor=other_requester, ticket_id=ticket.pk)
    actions.request_withdraw(actor=requester, ticket_id=ticket.pk, reason="Found a spare one.")
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED and ticket.resolution_code == "withdrawn"
    [approval] = Approval.objects.filter(ticket=ticket)
    assert approval.status == ApprovalStatus.WITHDRAWN
    assert Notification.objects.filter(user=boss, verb="approval_withdrawn").exists()
    with pytest.raises(ValidationFailed):
        actions.request_withdraw(actor=requester, ticket_id=ticket.pk)
    with pytest.raises(ValidationFailed):
        _decide(approval)


def test_only_the_approver_decides_and_never_the_requester(laptop, manager, requester, boss, agent):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    [approval] = _pending(ticket)
    with pytest.raises(NotFound):  # a requester who cannot see the request
        change_actions.approval_decide(
            actor=RequesterFactory(), approval_id=approval.pk, decision="approve"
        )
    with pytest.raises((Forbidden, NotFound)):
        change_actions.approval_decide(actor=agent, approval_id=approval.pk, decision="approve")
    # Forged: the requester asked to approve their own request.
    approval.approver = requester
    approval.save()
    with pytest.raises(Forbidden):
        change_actions.approval_decide(actor=requester, approval_id=approval.pk, decision="approve")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


def test_no_manager_refuses_the_request_and_writes_nothing(laptop, manager, requester):
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    before = (Ticket.objects.count(), Approval.objects.count(), FulfilmentTask.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    assert "manager" in refused.value.errors["approval"][0]
    after = (Ticket.objects.count(), Approval.objects.count(), FulfilmentTask.objects.count())
    assert before == after


def test_service_owner_is_the_owner_teams_lead(laptop, manager, requester, team):
    from atiende.catalogue.models import CatalogueItem
    from atiende.cmdb.models import CiClass, ConfigurationItem

    lead = AgentFactory()
    TeamMembership.objects.create(team=team, user=lead, is_lead=True)
    service = ConfigurationItem.objects.create(
        name="Workplace", ci_class=CiClass.BUSINESS_SERVICE, owner_team=team,
        created_at=clock.now(), updated_at=clock.now(),
    )  # fmt: skip
    CatalogueItem.objects.filter(pk=laptop.pk).update(service=service)
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.SERVICE_OWNER
    )
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    assert [a.approver for a in _pending(ticket)] == [lead]


def test_approver_leaves_board_member_replaced_manager_by_their_manager(
    laptop, manager, requester, boss, board, django_capture_on_commit_callbacks
):
    top = RequesterFactory()
    boss.manager = top
    boss.save(update_fields=["manager"])
    outsider = AgentFactory()
    small = Board.objects.create(name="Small")
    first, second = AgentFactory(), AgentFactory()
    small.members.set([first, second, outsider])
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.BOARD, board_id=small.pk,
        required=1, mode=StepMode.PARALLEL,
    )  # fmt: skip
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    # The manager leaves: their manager is asked instead.
    boss.is_active = False
    boss.save()
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(UserDeactivated(user_id=boss.pk))
    approvers = {a.approver_id for a in _pending(ticket)}
    assert top.pk in approvers and boss.pk not in approvers
    # A board member leaves: nobody of the board is left unasked, so the desk is told.
    first.is_active = False
    first.save()
    assert actions.approvals_reassign(user_id=first.pk) == 0
    assert TicketEvent.objects.filter(ticket=ticket, type="note", public=False).exists()
    assert first.pk not in {a.approver_id for a in _pending(ticket)}


def test_my_approvals_lists_changes_and_requests(laptop, manager, requester, board, client):
    actions.approval_step_save(
        actor=manager, item_id=laptop.pk, source=ApproverSource.BOARD, board_id=board.pk
    )
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    member = board.members.first()
    client.force_login(member)
    page = client.get("/changes/approvals/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    approval = Approval.objects.get(ticket=ticket, approver=member)
    answer = client.post(
        f"/changes/approvals/{approval.pk}/decide/", {"decision": "approve", "comment": ""}
    )
    assert answer.status_code == 302
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.APPROVED


def test_switching_an_account_off_in_the_admin_re_asks_its_approvals(
    laptop, manager, requester, boss, admin_user, rf, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    from django.contrib.admin.sites import site

    from atiende.accounts.models import User

    top = AgentFactory()
    boss.manager = top
    boss.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    request = rf.post("/admin/")
    request.user = admin_user
    boss.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        site._registry[User].save_model(request, boss, SimpleNamespace(fields={}), True)
    assert [a.approver for a in _pending(ticket)] == [top]
