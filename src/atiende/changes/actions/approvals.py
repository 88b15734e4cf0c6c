"""Approvals of a change: asked of the boards whose policy matches when it enters
authorisation, withdrawn when it leaves, decided by each approver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from atiende.accounts.models import Role, User
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.notifications.actions import mark_ticket_read, tell
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import EventType, Kind, Ticket
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
            Approval(
                ticket_id=details.pk,
                change=details,
                policy=policy,
                board=policy.board,
                approver=m,
                created_at=now,
            )
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
# The verbs of "your approval is asked": deciding marks them read (changes' and requests').
APPROVAL_VERBS = ("change_approval", "request_approval", "approval_reminder", "approval_delegated")
REJECT = "reject"


@dataclass(frozen=True)
class ApprovalKind:
    """What one kind of ticket adds to the one decision action (approval_decide): who may see
    its tickets (404 or 403 for someone else's approval), whether a ticket is awaiting
    approval, the name of an approval's group in the timeline, and what follows a decision
    (in the deciding transaction, on the locked ticket; the caller saves it and then
    publishes the events it answers).

    Changes register theirs below; the catalogue registers "request" in its ready()."""

    kind: str
    visible: Callable[[User], QuerySet[Ticket]]
    awaiting: Callable[[Ticket], bool]
    group_label: Callable[[Approval], str]
    after_decision: Callable[[Ticket, Approval, User, datetime], list[object]]
    agents_only: bool = True
    # Who may be asked instead (delegation): None when `person` may approve this approval,
    # else why not. Empty: the change's rule (an active agent).
    delegate_refusal: Callable[[Approval, User], Any] | None = None
    # Messages (lazy, so in the reader's language); empty: the change's wording.
    not_awaiting: Any = ""
    own_refused: Any = ""
    reject_needs_reason: Any = ""


_KINDS: dict[str, ApprovalKind] = {}


def register_approval_kind(kind: ApprovalKind) -> None:
    _KINDS[kind.kind] = kind


def approval_kind(kind: str) -> ApprovalKind | None:
    return _KINDS.get(kind)


def _approval_and_kind(
    pk: int | None,
) -> tuple[tuple[int, int, str] | None, ApprovalKind | None]:
    """(ticket id, approver id, ticket kind) of an approval, and the kind's handler."""
    found = (
        Approval.objects.filter(pk=pk)
        .values_list("ticket_id", "approver_id", "ticket__kind")
        .first()
        if pk is not None
        else None
    )
    return found, approval_kind(found[2]) if found else None


def approval_decide(
    *, actor: User, approval_id: int | str, decision: str, comment: str = ""
) -> Approval:
    """An approver approves or rejects: the one decision of every approval (changes and
    catalogue requests). A rejection needs a reason (the comment); one decision per row;
    the requester never approves their own ticket. What follows is the kind's
    (ApprovalKind.after_decision): a change is rejected, or may be scheduled once every
    policy is satisfied; a request moves to its next step, its fulfilment, or is rejected."""
    if actor is None or not actor.is_active:
        raise NotFound()
    pk = parse_id(approval_id)
    found, handler = _approval_and_kind(pk)
    if handler is None or found is None:
        if not actor.is_agent:
            raise NotFound()
        if decision not in (APPROVE, REJECT):
            raise ValidationFailed.field("decision", _("Choose approve or reject."))
        raise NotFound()
    if handler.agents_only:
        _require_agent(actor)
    if decision not in (APPROVE, REJECT):
        raise ValidationFailed.field("decision", _("Choose approve or reject."))
    comment = _text(comment, "comment")
    if decision == REJECT and not comment:
        raise ValidationFailed.field(
            "comment", handler.reject_needs_reason or _("Say why the change is rejected.")
        )
    ticket_id, approver_id, _kind = found
    with transaction.atomic():
        if approver_id != actor.pk:
            # Someone else's approval: 404 unless they can see the ticket, then 403.
            if not handler.visible(actor).filter(pk=ticket_id).exists():
                raise NotFound()
            raise Forbidden(_("This approval was asked of someone else."))
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        assert pk is not None  # found above
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("board", "policy", "step", "step__board")
            .get(pk=pk)
        )
        if ticket.requester_id == actor.pk:
            raise Forbidden(
                handler.own_refused or _("The requester of a change can never approve it.")
            )
        if approval.status != ApprovalStatus.PENDING:
            raise ValidationFailed.field("decision", _("This approval was already decided."))
        if not handler.awaiting(ticket):
            raise ValidationFailed.field(
                "decision", handler.not_awaiting or _("The change is not awaiting approval.")
            )
        now = clock.now()
        approval.status = (
            ApprovalStatus.APPROVED if decision == APPROVE else ApprovalStatus.REJECTED
        )
        approval.comment = comment
        approval.decided_at = now
        approval.save()
        # Deciding is acting on the request: its notification is read. The ticket's owner
        # (who asked) is told of the decision.
        mark_ticket_read(user_id=actor.pk, ticket_id=ticket.pk, verbs=APPROVAL_VERBS)
        tell(
            verb="approval_decided", ticket_id=ticket.pk,
            user_ids=who_sees(ticket, {ticket.assignee_id}, internal=True), actor_id=actor.pk,
            params={"number": ticket.number, "actor": actor.display_name,
                    "decision": approval.status},
        )  # fmt: skip
        group = handler.group_label(approval)
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="approval",
            old=ApprovalStatus.PENDING,
            new=approval.status,
            body=f"{group}: {comment}" if comment else group,
        )
        old = ticket.status
        published = handler.after_decision(ticket, approval, actor, now)
        _touch(ticket, now)
        for event in published:
            events.publish(event)
        if ticket.status != old and not any(isinstance(e, TicketStatusChanged) for e in published):
            events.publish(
                TicketStatusChanged(
                    ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status
                )
            )
    return approval


def _change_after_decision(
    ticket: Ticket, approval: Approval, actor: User, now: datetime
) -> list[object]:
    """A rejection rejects the change and withdraws the other pending approvals; once every
    policy is satisfied the change may be scheduled, and the approvals nobody needs any more
    are withdrawn."""
    details = ChangeDetails.objects.get(pk=ticket.pk)
    if approval.status == ApprovalStatus.REJECTED:
        _withdraw_pending(details, now)
        old = ticket.status
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
    return [
        ChangeApprovalDecided(
            ticket_id=ticket.pk,
            approval_id=approval.pk,
            actor_id=actor.pk,
            decision=APPROVE if approval.status == ApprovalStatus.APPROVED else REJECT,
        )
    ]


register_approval_kind(
    ApprovalKind(
        kind=Kind.CHANGE,
        visible=changes_visible_to,
        awaiting=lambda ticket: ticket.status == workflow.AUTHORISATION,
        group_label=lambda approval: approval.board.name if approval.board else "",
        after_decision=_change_after_decision,
    )
)


# --- delegation and reminders -------------------------------------------------------------------


def _change_delegate_refusal(approval: Approval, person: User) -> Any:
    if person.role == Role.REQUESTER:
        return _("Only an agent may approve a change.")
    return None


def approval_delegate(
    *, actor: User, approval_id: int | str, to_user_id: Any, comment: str = ""
) -> Approval:
    """The approver hands a pending approval to someone else who may approve it: their own
    row is withdrawn ("delegated to …"), the delegate gets a pending row of the same step or
    policy and round (so the approval arithmetic is unchanged), is told (in the app and by
    e-mail, as they chose), and the ticket's timeline records it (internal). The original
    approver no longer sees it as theirs. Refused, with the reason, for someone who may not
    approve it: inactive, the ticket's requester, already asked in this step, or (by the
    kind's rule) not allowed."""
    from atiende.core.ids import id_field

    if actor is None or not actor.is_active:
        raise NotFound()
    comment = _text(comment, "comment")
    pk = parse_id(approval_id)
    found, handler = _approval_and_kind(pk)
    if handler is None or found is None:
        raise NotFound()
    if handler.agents_only:
        _require_agent(actor)
    ticket_id, approver_id, _kind = found
    if approver_id != actor.pk:
        if not handler.visible(actor).filter(pk=ticket_id).exists():
            raise NotFound()
        raise Forbidden(_("This approval was asked of someone else."))
    person_pk = id_field(to_user_id, field="to", message=_("Choose who decides in your place."))
    if person_pk is None:
        raise ValidationFailed.field("to", _("Choose who decides in your place."))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        assert pk is not None  # found above
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("board", "policy", "step", "step__board")
            .get(pk=pk)
        )
        approval.ticket = ticket  # the locked row, for the kind's rule
        if approval.status != ApprovalStatus.PENDING:
            raise ValidationFailed.field("to", _("This approval was already decided."))
        person = User.objects.filter(pk=person_pk).first()
        refusal = None
        if person is None or not person.is_active:
            refusal = _("This person cannot approve: their account is not active.")
        elif person.pk == actor.pk:
            refusal = _("Choose someone else than yourself.")
        elif person.pk == ticket.requester_id:
            refusal = _("%(name)s cannot approve: they are the requester.") % {
                "name": person.display_name
            }
        else:
            rule = handler.delegate_refusal or _change_delegate_refusal
            refusal = rule(approval, person)
            if refusal is None:
                same = Approval.objects.filter(
                    ticket_id=ticket.pk, status=ApprovalStatus.PENDING, approver=person
                )
                same = (
                    same.filter(step_id=approval.step_id)
                    if approval.step_id is not None
                    else same.filter(policy_id=approval.policy_id)
                )
                if same.exists():
                    refusal = _("%(name)s is already asked to approve this.") % {
                        "name": person.display_name
                    }
        if refusal:
            raise ValidationFailed.field("to", str(refusal))
        assert person is not None
        now = clock.now()
        approval.status = ApprovalStatus.WITHDRAWN
        approval.decided_at = now
        approval.comment = _("Delegated to %(name)s.") % {"name": person.display_name} + (
            f" {comment}" if comment else ""
        )
        approval.save()
        delegated = Approval.objects.create(
            ticket_id=approval.ticket_id, change_id=approval.change_id, step=approval.step,
            policy=approval.policy, board=approval.board, approver=person,
            created_at=approval.created_at,  # the same round (changes count by round)
            reminded_at=now,
        )  # fmt: skip
        mark_ticket_read(user_id=actor.pk, ticket_id=ticket.pk, verbs=APPROVAL_VERBS)
        tell(
            verb="approval_delegated", ticket_id=ticket.pk, user_ids=[person.pk],
            actor_id=actor.pk, params={"number": ticket.number, "actor": actor.display_name},
        )  # fmt: skip
        _event(
            ticket, actor, EventType.FIELD, at=now, field="approver",
            old=actor.display_name, new=person.display_name, body=comment,
        )  # fmt: skip
    return delegated


def approval_reminders_send(*, now: datetime | None = None, limit: int = 500) -> int:
    """Remind each approver of the approvals still pending after
    settings.APPROVAL_REMINDER_HOURS (default 24; plain hours): at most once a day per
    approval (`reminded_at`), in the app and by e-mail as they chose, one notification per
    approval. Rows are claimed with row locks (skipped when another worker holds them), so
    several workers never remind twice. Answers how many were reminded."""
    from datetime import timedelta

    from django.conf import settings

    now = now or clock.now()
    hours = max(1, int(getattr(settings, "APPROVAL_REMINDER_HOURS", 24)))
    with transaction.atomic():
        due = list(
            Approval.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=ApprovalStatus.PENDING,
                created_at__lte=now - timedelta(hours=hours),
                approver__is_active=True,
            )
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - timedelta(days=1)))
            .select_related("ticket")
            .only("pk", "ticket_id", "approver_id", "created_at", "ticket__number")
            .order_by("created_at", "id")[:limit]
        )
        if not due:
            return 0
        Approval.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
        from django.utils import timezone

        for approval in due:
            tell(
                verb="approval_reminder", ticket_id=approval.ticket_id,
                user_ids=[approval.approver_id],
                params={
                    "number": approval.ticket.number,
                    "asked": timezone.localdate(approval.created_at).isoformat(),
                },
            )  # fmt: skip
    return len(due)
