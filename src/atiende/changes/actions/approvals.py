"""Approvals of a change: asked of the boards whose policy matches when it enters
authorisation, withdrawn when it leaves, decided by each approver."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import Role, User
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.notifications.actions import mark_ticket_read, tell
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import EventType, Ticket
from atiende.tickets.selectors import who_sees

from .. import workflow
from ..events import ChangeApprovalDecided
from ..models import Approval, ApprovalPolicy, ApprovalStatus, ChangeDetails
from ..selectors import approvals_of, changes_visible_to, requirements_of
from ._common import _event, _require_agent, _text, _touch


def _request_approvals(ticket: Ticket, details: ChangeDetails, now: datetime) -> list[Approval]:
    """Ask every member of every board whose policy matches the change's type and risk; the
    requester of the change is never asked. One round of approvals shares its created_at."""
    policies = list(
        ApprovalPolicy.objects.filter(is_active=True, change_type=details.change_type)
        .filter(risk_level__in=["", details.risk_level])
        .select_related("board")
        .prefetch_related("board__members")
    )
    rows = []
    errors: list[str] = []
    for policy in policies:
        members = [
            m
            for m in policy.board.members.all()
            if m.is_active and m.role != Role.REQUESTER and m.pk != ticket.requester_id
        ]
        if not members or len(members) < policy.required:
            errors.append(
                _("The board “%(board)s” has too few members who may approve this change.")
                % {"board": policy.board.label()}
            )
            continue
        rows += [
            Approval(change=details, policy=policy, board=policy.board, approver=m, created_at=now)
            for m in members
        ]
    if errors:
        raise ValidationFailed(errors={"to": errors})
    return Approval.objects.bulk_create(rows)


def _withdraw_pending(details: ChangeDetails, now: datetime) -> None:
    pending = Approval.objects.filter(change=details, status=ApprovalStatus.PENDING)
    approver_ids = sorted(set(pending.values_list("approver_id", flat=True)))
    pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=now)
    if approver_ids:
        # Nothing is asked of them any more: the request is read, and they are told why.
        mark_ticket_read(user_id=approver_ids, ticket_id=details.pk, verbs=APPROVAL_VERBS)
        number = Ticket.objects.filter(pk=details.pk).values_list("number", flat=True).first()
        tell(
            verb="approval_withdrawn", ticket_id=details.pk, user_ids=approver_ids,
            params={"number": number},
        )  # fmt: skip


def _approve_if_nobody_needed(
    ticket: Ticket, details: ChangeDetails, actor: User, now: datetime
) -> None:
    """No policy applies (e.g. a low-risk normal change): say so in the timeline."""
    if not Approval.objects.filter(change=details, created_at=now).exists():
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="approval",
            old="",
            new="not_required",
        )


APPROVE = "approve"
APPROVAL_VERBS = ("change_approval",)
REJECT = "reject"


def approval_decide(
    *, actor: User, approval_id: int | str, decision: str, comment: str = ""
) -> Approval:
    """An approver approves or rejects. A rejection (comment required) rejects the change
    and withdraws the other pending approvals; once every policy is satisfied the change may
    be scheduled, and the approvals nobody needs any more are withdrawn."""
    _require_agent(actor)
    if decision not in (APPROVE, REJECT):
        raise ValidationFailed.field("decision", _("Choose approve or reject."))
    comment = _text(comment, "comment")
    if decision == REJECT and not comment:
        raise ValidationFailed.field("comment", _("Say why the change is rejected."))
    pk = parse_id(approval_id)
    if pk is None:
        raise NotFound()
    with transaction.atomic():
        found = Approval.objects.filter(pk=pk).values_list("change_id", "approver_id").first()
        if found is None:
            raise NotFound()
        change_id, approver_id = found
        if approver_id != actor.pk:
            # Someone else's approval: 404 unless they can see the change, then 403.
            if not changes_visible_to(actor).filter(pk=change_id).exists():
                raise NotFound()
            raise Forbidden(_("This approval was asked of someone else."))
        ticket = Ticket.objects.select_for_update().get(pk=change_id)
        approval = Approval.objects.select_for_update().select_related("board", "policy").get(pk=pk)
        details = ChangeDetails.objects.get(pk=change_id)
        if ticket.requester_id == actor.pk:
            raise Forbidden(_("The requester of a change can never approve it."))
        if approval.status != ApprovalStatus.PENDING:
            raise ValidationFailed.field("decision", _("This approval was already decided."))
        if ticket.status != workflow.AUTHORISATION:
            raise ValidationFailed.field("decision", _("The change is not awaiting approval."))
        now = clock.now()
        approval.status = (
            ApprovalStatus.APPROVED if decision == APPROVE else ApprovalStatus.REJECTED
        )
        approval.comment = comment
        approval.decided_at = now
        approval.save()
        # Deciding is acting on the request: its notification is read. The change's owner
        # (who asked) is told of the decision.
        mark_ticket_read(user_id=actor.pk, ticket_id=ticket.pk, verbs=APPROVAL_VERBS)
        tell(
            verb="approval_decided", ticket_id=ticket.pk,
            user_ids=who_sees(ticket, {ticket.assignee_id}, internal=True), actor_id=actor.pk,
            params={"number": ticket.number, "actor": actor.display_name,
                    "decision": approval.status},
        )  # fmt: skip
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="approval",
            old=ApprovalStatus.PENDING,
            new=approval.status,
            body=f"{approval.board.name}: {comment}" if comment else approval.board.name,
        )
        old = ticket.status
        if decision == REJECT:
            _withdraw_pending(details, now)
            ticket.status = workflow.REJECTED
            ticket.closed_at = now
            _event(
                ticket, actor, EventType.STATUS, at=now, field="status",
                old=old, new=workflow.REJECTED,
            )  # fmt: skip
        else:
            from atiende.changes.approvals import satisfied  # the rules, not this module

            if satisfied(requirements_of(approvals_of(details))):
                _withdraw_pending(details, now)
                _event(
                    ticket, actor, EventType.FIELD, at=now, field="approval",
                    old=ApprovalStatus.PENDING, new="complete",
                )  # fmt: skip
        _touch(ticket, now)
        events.publish(
            ChangeApprovalDecided(
                ticket_id=ticket.pk, approval_id=approval.pk, actor_id=actor.pk, decision=decision
            )
        )
        if ticket.status != old:
            events.publish(
                TicketStatusChanged(
                    ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status
                )
            )
    return approval
