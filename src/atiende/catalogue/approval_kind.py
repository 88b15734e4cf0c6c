"""The catalogue's part in the one decision of approvals (changes.actions.approval_decide):
requests are awaiting approval while pending for it; what follows a decision is
actions._request_after_decision."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from atiende.changes.actions import ApprovalKind
from atiende.tickets.models import Kind, PendingReason, Status, Ticket
from atiende.tickets.selectors import tickets_visible_to


def _awaiting(ticket: Ticket) -> bool:
    return ticket.status == Status.PENDING and ticket.pending_reason == PendingReason.APPROVAL


def _group_label(approval: Any) -> str:
    return approval.step.label() if approval.step is not None else ""


def _delegate_refusal(approval: Any, person: Any) -> Any:
    """A request's approval may go to an agent, or to someone of the requester's
    organisation (a manager is often not an agent)."""
    if person.is_agent:
        return None
    organization_id = approval.ticket.organization_id
    if organization_id is not None and person.organization_id == organization_id:
        return None
    return _(
        "%(name)s cannot approve this request: they are not an agent nor of the requester's organisation."
    ) % {"name": person.display_name}


def request_approval_kind() -> ApprovalKind:
    from . import actions

    return ApprovalKind(
        kind=Kind.REQUEST,
        visible=tickets_visible_to,
        awaiting=_awaiting,
        group_label=_group_label,
        after_decision=actions._request_after_decision,
        agents_only=False,  # a requester's manager may be anyone of the organisation
        delegate_refusal=_delegate_refusal,
        not_awaiting=_("The request is not awaiting approval."),
        own_refused=_("You cannot approve your own request."),
        reject_needs_reason=_("Say why the request is rejected."),
    )
