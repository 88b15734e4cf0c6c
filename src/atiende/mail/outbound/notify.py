"""Who gets which mail on which domain event.

Every handler runs in core.events' in-transaction phase, inside the action that changed the
ticket, so its outbox row commits (or rolls back) with the change. They only write rows; the
decision of what a message says is taken at delivery.

- TicketCreated: acknowledgement to the requester (any channel). Suppressed at delivery when
  the ticket was opened by an automatic message (InboundMessage.auto_generated), and subject
  to the per-address rate limit of automatic replies.
- TicketCommented, public, by someone other than the requester: the reply to the requester.
  Internal notes never produce mail.
- The same public replies and resolutions go to the ticket's participants (people in copy),
  one row each in one bulk INSERT; never an internal note, never to the one who wrote it.
- TicketStatusChanged to resolved: the resolution, with the confirm and reopen links (and
  the comment given with it); a public comment given with another transition: a reply.
- NotificationsCreated with SLA verbs: the same people the SLA escalation told in the app
  (the escalation decides who is told; this only adds the e-mail channel).
- PasswordResetRequested: a reset link to whoever owns the address (decided at delivery, so
  asking for an unknown address writes the same row; delivery suppresses it).
- UserInvited: a link to set a password, to a person created from mail intake or by an
  administrator.
- NotificationsCreated with `change_approval`: each approver asked to decide on a change
  (notifications.subscribers tells them in the app), by e-mail too when their e-mail
  notifications are on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F

from atiende.accounts.events import PasswordResetRequested, UserInvited
from atiende.accounts.models import User
from atiende.core.events import batch_form, subscribe
from atiende.notifications.events import NotificationsCreated, NotificationsMailed
from atiende.notifications.models import Channel
from atiende.notifications.preferences import wanted
from atiende.tickets.events import TicketCommented, TicketCreated, TicketStatusChanged
from atiende.tickets.models import Status, Ticket, TicketParticipant

from ..models import OutboundKind
from . import outbox

SLA_VERBS = {"sla_warning": OutboundKind.SLA_WARNING, "sla_breach": OutboundKind.SLA_BREACH}


@subscribe(TicketCreated, in_transaction=True)
def acknowledge(event: TicketCreated) -> None:
    # Who opened it: an agent opening a ticket for themselves in the desk is not told.
    outbox.queue(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        ticket_id=event.ticket_id,
        params={"opened_by": event.actor_id},
    )


@subscribe(TicketCommented, in_transaction=True)
def public_reply(event: TicketCommented) -> None:
    _reply(event.ticket_id, event.event_id, event.actor_id, public=event.public,
           requester_id=event.requester_id, author_email=event.author_email)  # fmt: skip


def _reply(
    ticket_id: int,
    event_id: int,
    actor_id: int | None,
    *,
    public: bool,
    requester_id: int | None,
    author_email: str = "",
) -> None:
    if not public:
        return  # an internal note: never mailed (to the requester or anyone in copy)
    if requester_id is not None and requester_id != actor_id:
        # (the requester's own words are not sent back to them)
        outbox.queue(
            kind=OutboundKind.REPLY, ticket_id=ticket_id, recipient_id=requester_id,
            event_id=event_id,
        )  # fmt: skip
    _to_participants(OutboundKind.REPLY, ticket_id, event_id, actor_id, author_email)


def _to_participants(
    kind: str, ticket_id: int, event_id: int | None, actor_id: int | None, author_email: str = ""
) -> None:
    """The same public update to the people in copy (tickets.TicketParticipant): one query,
    one bulk INSERT (and one more for the preference when people with an account are in
    copy). Never the author (the actor, or whom the system account wrote for: a reply by mail
    from someone in copy), never the requester (they have their own message), nor someone
    with an account who turned off "copied" e-mail."""
    found = TicketParticipant.objects.filter(ticket_id=ticket_id).exclude(
        email__iexact=F("ticket__requester__email")
    )
    if author_email:
        found = found.exclude(email=author_email.lower())
    people = [
        (user_id, email)
        for user_id, email in found.values_list("user_id", "email")
        if user_id is None or user_id != actor_id
    ]
    users = {user_id for user_id, _email in people if user_id is not None}
    unwanted = users - wanted(users, "copied", Channel.EMAIL) if users else set()
    outbox.queue_many(
        (
            {"kind": kind, "ticket_id": ticket_id, "recipient_id": user_id, "to_address": email,
             "event_id": event_id, "params": {"participant": True}}
            for user_id, email in people
            if user_id not in unwanted
        ),
        thread=True,
    )  # fmt: skip


@subscribe(TicketStatusChanged, in_transaction=True)
def status_changed(event: TicketStatusChanged) -> None:
    """The resolution; and a public comment given with any other transition (e.g. "pending:
    please send the log") goes to the requester like a reply."""
    if event.new == Status.RESOLVED:
        outbox.queue(
            kind=OutboundKind.RESOLUTION, ticket_id=event.ticket_id, event_id=event.comment_id
        )
        _to_participants(OutboundKind.RESOLUTION, event.ticket_id, event.comment_id,
                         event.actor_id)  # fmt: skip
    elif event.comment_id is not None:
        requester_id = (
            Ticket.objects.filter(pk=event.ticket_id).values_list("requester_id", flat=True).first()
        )
        _reply(event.ticket_id, event.comment_id, event.actor_id, public=True,
               requester_id=requester_id)  # fmt: skip


@batch_form(status_changed)
def status_changed_many(events: list[TicketStatusChanged]) -> None:
    """`status_changed` for a batch (a time rule closing tickets with a reply): the public
    comments given with them to their requesters and people in copy, in a few queries and
    two bulk INSERTs for the batch; resolutions one by one."""
    replies = [e for e in events if e.new != Status.RESOLVED and e.comment_id is not None]
    for event in events:
        if event.new == Status.RESOLVED:
            status_changed(event)
    if not replies:
        return
    requesters = dict(
        Ticket.objects.filter(pk__in=[e.ticket_id for e in replies]).values_list(
            "pk", "requester_id"
        )
    )
    rows: list[dict[str, Any]] = [
        {"kind": OutboundKind.REPLY, "ticket_id": e.ticket_id, "recipient_id": requester_id,
         "event_id": e.comment_id, "params": {}}
        for e in replies
        if (requester_id := requesters.get(e.ticket_id)) is not None
        and requester_id != e.actor_id
    ]  # fmt: skip
    outbox.queue_many(rows + _participant_rows(OutboundKind.REPLY, replies), thread=True)


def _participant_rows(kind: str, events: list[TicketStatusChanged]) -> list[dict]:
    """`_to_participants`'s rows for many tickets' events (no author e-mail): one query, one
    for the preferences."""
    said = {e.ticket_id: e for e in events}
    found = TicketParticipant.objects.filter(ticket_id__in=list(said)).exclude(
        email__iexact=F("ticket__requester__email")
    )
    people = [
        (ticket_id, user_id, email)
        for ticket_id, user_id, email in found.values_list("ticket_id", "user_id", "email")
        if user_id is None or user_id != said[ticket_id].actor_id
    ]
    users = {user_id for _t, user_id, _e in people if user_id is not None}
    unwanted = users - wanted(users, "copied", Channel.EMAIL) if users else set()
    return [
        {"kind": kind, "ticket_id": ticket_id, "recipient_id": user_id, "to_address": email,
         "event_id": said[ticket_id].comment_id, "params": {"participant": True}}
        for ticket_id, user_id, email in people
        if user_id not in unwanted
    ]  # fmt: skip


@subscribe(NotificationsCreated, in_transaction=True)
def sla_mail(event: NotificationsCreated) -> None:
    """`event.rows`: (user_id, ticket_id, verb, params) of the in-app notifications just
    written."""
    rows = event.rows
    approvals = [(user_id, ticket_id) for user_id, ticket_id, verb, _p in rows
                 if verb == "change_approval" and ticket_id is not None]  # fmt: skip
    if approvals:
        _change_approval_mail(approvals)
    if not getattr(settings, "MAIL_SLA_NOTIFICATIONS", True):
        return
    outbox.queue_many(
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
    outbox.queue_many(
        {"kind": OutboundKind.CHANGE_APPROVAL, "recipient_id": user_id, "ticket_id": ticket_id}
        for user_id, ticket_id in dict.fromkeys(rows)
        if user_id in wanted
    )


@subscribe(NotificationsMailed, in_transaction=True)
def notification_mail(event: NotificationsMailed) -> None:
    """The people who want a notification by e-mail (their preferences, notifications.tell)
    and have e-mail notifications on at all: one message each, one bulk INSERT. One about
    something other than a ticket (an article to review) links to the path in its params."""
    wanted = (
        User.objects.filter(pk__in=event.user_ids, is_active=True, email_notifications=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    params = {"verb": event.verb, "params": event.params}
    outbox.queue_many(
        {"kind": OutboundKind.NOTIFICATION, "recipient_id": pk, "ticket_id": event.ticket_id,
         "params": params}
        for pk in wanted
    )  # fmt: skip


@subscribe(PasswordResetRequested, in_transaction=True)
def password_reset(event: PasswordResetRequested) -> None:
    outbox.queue(
        kind=OutboundKind.PASSWORD_RESET,
        to_address=event.email,
        language=event.language,
        thread=False,
    )


@subscribe(UserInvited, in_transaction=True)
def invitation(event: UserInvited) -> None:
    outbox.queue(kind=OutboundKind.INVITATION, recipient_id=event.user_id, thread=False)
