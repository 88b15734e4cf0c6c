"""Who gets which mail on which domain event.

Every handler runs in core.events' in-transaction phase, inside the action that changed the
ticket, so its outbox row commits (or rolls back) with the change. They only write rows; the
decision of what a message says is taken at delivery.

- ticket.created: acknowledgement to the requester (any channel). Suppressed at delivery when
  the ticket was opened by an automatic message (InboundMessage.auto_generated), and subject
  to the per-address rate limit of automatic replies.
- ticket.commented, public, by someone other than the requester: the reply to the requester.
  Internal notes never produce mail.
- ticket.status_changed to resolved: the resolution, with the confirm and reopen links (and
  the comment given with it); a public comment given with another transition: a reply.
- notifications.created with SLA verbs: the same people the SLA escalation told in the app
  (the escalation decides who is told; this only adds the e-mail channel).
- notifications.created with `change_approval`: each approver asked to decide on a change
  (notifications.subscribers tells them in the app), by e-mail too when their e-mail
  notifications are on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from atiende.accounts.models import User
from atiende.core.events import subscribe
from atiende.tickets.models import Status, Ticket

from . import outbound
from .models import OutboundKind

SLA_VERBS = {"sla_warning": OutboundKind.SLA_WARNING, "sla_breach": OutboundKind.SLA_BREACH}


@subscribe("ticket.created", in_transaction=True)
def acknowledge(*, ticket_id: int, actor_id: int | None = None, **_payload: Any) -> None:
    # Who opened it: an agent opening a ticket for themselves in the desk is not told.
    params = {"opened_by": actor_id} if actor_id is not None else {}
    outbound.queue(kind=OutboundKind.ACKNOWLEDGEMENT, ticket_id=ticket_id, params=params)


@subscribe("ticket.commented", in_transaction=True)
def public_reply(
    *,
    ticket_id: int,
    event_id: int,
    actor_id: int | None = None,
    public: bool = True,
    requester_id: int | None = None,
    **_payload: Any,
) -> None:
    if not public:
        return  # an internal note: never mailed
    if requester_id is None:
        requester_id = (
            Ticket.objects.filter(pk=ticket_id).values_list("requester_id", flat=True).first()
        )
    if requester_id is None or requester_id == actor_id:
        return  # the requester's own words are not sent back to them
    outbound.queue(
        kind=OutboundKind.REPLY, ticket_id=ticket_id, recipient_id=requester_id, event_id=event_id
    )


@subscribe("ticket.status_changed", in_transaction=True)
def status_changed(
    *,
    ticket_id: int,
    new: str,
    actor_id: int | None = None,
    comment_id: int | None = None,
    **_payload: Any,
) -> None:
    """The resolution; and a public comment given with any other transition (e.g. "pending:
    please send the log") goes to the requester like a reply."""
    if new == Status.RESOLVED:
        outbound.queue(kind=OutboundKind.RESOLUTION, ticket_id=ticket_id, event_id=comment_id)
    elif comment_id is not None:
        public_reply(ticket_id=ticket_id, event_id=comment_id, actor_id=actor_id, public=True)


@subscribe("notifications.created", in_transaction=True)
def sla_mail(*, rows: list[tuple[int, int | None, str, dict]], **_payload: Any) -> None:
    """`rows`: (user_id, ticket_id, verb, params) of the in-app notifications just written."""
    approvals = [(user_id, ticket_id) for user_id, ticket_id, verb, _p in rows
                 if verb == "change_approval" and ticket_id is not None]  # fmt: skip
    if approvals:
        _change_approval_mail(approvals)
    if not getattr(settings, "MAIL_SLA_NOTIFICATIONS", True):
        return
    outbound.queue_many(
        {
            "kind": SLA_VERBS[verb],
            "recipient_id": user_id,
            "ticket_id": ticket_id,
            "params": {k: v for k, v in params.items() if k in ("clock", "deadline")},
        }
        for user_id, ticket_id, verb, params in rows
        if verb in SLA_VERBS and ticket_id is not None
    )


def _change_approval_mail(rows: list[tuple[int, int]]) -> None:
    """One mail per approver and change, to people with e-mail notifications on (one query
    for the preference; delivery checks it again, and renders in the approver's language)."""
    wanted = set(
        User.objects.filter(
            pk__in={user_id for user_id, _t in rows}, is_active=True, email_notifications=True
        )
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    outbound.queue_many(
        {"kind": OutboundKind.CHANGE_APPROVAL, "recipient_id": user_id, "ticket_id": ticket_id}
        for user_id, ticket_id in dict.fromkeys(rows)
        if user_id in wanted
    )
