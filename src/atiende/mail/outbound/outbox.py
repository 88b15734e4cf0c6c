"""Queueing outgoing mail: the outbox API.

Call these inside the transaction of the change the mail tells about (notify.py does it from
core.events' in-transaction phase; mail intake calls `queue_notice` inside its own). The row
commits or rolls back with the change; the delivery worker (delivery.py) sends it later. A
queued row is small and cheap: kind, ticket, recipient, reply id, parameters and a Message-ID
fixed now; the text is rendered at delivery in the recipient's language.

Loop rules for automatic mail are applied here (never answer automatic mail, mailer daemons
or our own addresses) and at delivery (the per-address rate limit, and no acknowledgement of
a ticket opened by an automatic message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from atiende.core import bulk, clock

from ..models import (
    Direction,
    Mailbox,
    MessageReference,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from . import compose

# Local parts that belong to machines: never sent an automatic reply.
MACHINE_LOCALPARTS = frozenset(
    {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "noreply", "no-reply",
     "donotreply", "do-not-reply", "bounce", "bounces"}
)  # fmt: skip


class NoticeReason:
    """Why a notice is sent (the template picks its text by it)."""

    UNKNOWN_SENDER = "unknown_sender"
    TOO_LARGE = "too_large"
    REFUSED = "refused"


def new_message_id() -> str:
    return compose.message_id(settings.MAIL_DOMAIN)


def queue(
    *,
    kind: str,
    ticket_id: int | None = None,
    recipient_id: int | None = None,
    to_address: str = "",
    event_id: int | None = None,
    params: dict[str, Any] | None = None,
    language: str = "",
    thread: bool = True,
    not_before: datetime | None = None,
) -> OutboundMessage:
    """Queue one message: the row and, with `thread`, the MessageReference that makes replies
    to it join the ticket; one round trip on PostgreSQL, two INSERTs on SQLite. `not_before`
    holds it back until then (a survey sent some hours after the resolution). Through
    core.bulk (this runs inside every ticket creation; the ORM's INSERT machinery cost more
    than the statements themselves), whose statements list the models' columns."""
    now = clock.now()
    row = OutboundMessage(
        kind=kind,
        status=OutboundStatus.QUEUED,
        ticket_id=ticket_id,
        recipient_id=recipient_id,
        to_address=to_address,
        event_id=event_id,
        params=params or {},
        language=language,
        message_id=new_message_id(),
        created_at=now,
        next_attempt_at=max(now, not_before) if not_before is not None else now,
    )
    also: tuple[MessageReference, ...] = ()
    if ticket_id is not None and thread:
        also = (
            MessageReference(
                message_id=row.message_id,
                ticket_id=ticket_id,
                direction=Direction.OUTBOUND,
                created_at=now,
            ),
        )
    bulk.insert_instance(row, also=also)
    return row


def queue_many(rows: Iterable[dict[str, Any]], *, thread: bool = False) -> int:
    """Queue many messages: one bulk INSERT. With `thread` (rows of a ticket), also the
    MessageReferences that make replies to them join the ticket (one more bulk INSERT)."""
    now = clock.now()
    objects = [
        OutboundMessage(message_id=new_message_id(), created_at=now, next_attempt_at=now, **row)
        for row in rows
    ]
    if not objects:
        return 0
    # core.bulk (COPY on PostgreSQL for many): bulk_create cost more than the database for
    # the 500 replies of a time rule's batch.
    bulk.insert(OutboundMessage, NEW_MESSAGE_FIELDS,
                [tuple(getattr(o, name) for name in NEW_MESSAGE_FIELDS) for o in objects])  # fmt: skip
    if thread:
        bulk.insert(
            MessageReference, ("message_id", "ticket_id", "direction", "created_at"),
            [(o.message_id, o.ticket_id, Direction.OUTBOUND, now)
             for o in objects if o.ticket_id is not None],
        )  # fmt: skip
    return len(objects)


NEW_MESSAGE_FIELDS = tuple(
    f.attname for f in OutboundMessage._meta.concrete_fields if not f.primary_key
)


def is_machine_address(address: str) -> bool:
    local = (address or "").rsplit("@", 1)[0].lower()
    return local in MACHINE_LOCALPARTS or local.startswith("owner-") or local.endswith("-request")


def is_own_address(address: str) -> bool:
    address = (address or "").strip().lower()
    if not address:
        return False
    if address == settings.DEFAULT_FROM_EMAIL.lower():
        return True
    return Mailbox.objects.filter(address__iexact=address).exists()


def queue_notice(
    *,
    to_address: str,
    reason: str,
    auto_generated: bool,
    original_subject: str = "",
    original_message_id: str | None = None,
    mailbox_id: int | None = None,
    ticket_id: int | None = None,
    language: str = "",
    size: int | None = None,
    limit: int | None = None,
) -> OutboundMessage | None:
    """A polite automatic answer to an incoming message we could not accept (unknown sender
    when the mailbox refuses them, message too large, ...). Returns None, queueing nothing,
    when answering would risk a loop: the message was automatic (`auto_generated`, from
    mail.inbound.noise), or the address is a machine's, ours, or not a plain address. At most
    settings.MAIL_AUTO_PER_HOUR automatic replies go to one address per hour (checked at
    delivery)."""
    if auto_generated or not to_address:
        return None
    try:
        to_address = compose.address(to_address)
    except compose.UnsafeAddress:
        return None
    if is_machine_address(to_address) or is_own_address(to_address):
        return None
    params: dict[str, Any] = {"reason": reason}
    if original_subject:
        params["original_subject"] = compose.header_text(original_subject, 200)
    if original_message_id:
        params["in_reply_to"] = original_message_id.strip().strip("<>")[:250]
    if mailbox_id:
        params["mailbox_id"] = mailbox_id
    if size is not None:
        params["size"] = size
    if limit is not None:
        params["limit"] = limit
    return queue(
        kind=OutboundKind.NOTICE,
        ticket_id=ticket_id,
        to_address=to_address,
        params=params,
        language=language,
        thread=False,
    )


def retry(ids: Sequence[int]) -> int:
    """Put failed (or suppressed) messages back in the queue, due now (admin action)."""
    return OutboundMessage.objects.filter(
        pk__in=list(ids), status__in=[OutboundStatus.FAILED, OutboundStatus.SUPPRESSED]
    ).update(status=OutboundStatus.QUEUED, next_attempt_at=clock.now(), attempts=0, claim="")


def health(now: datetime | None = None) -> dict[str, Any]:
    """For the health and admin pages, in one query: is delivery configured; how many
    messages wait (`queued`, of which `retrying` after a failed attempt, with the earliest
    `next_retry_at`, and `sending` right now), the oldest waiting one (`oldest_queued_at`,
    `oldest_queued_seconds`), how many `failed` (given up), and how many were `sent_24h`."""
    from django.db.models import Count, Min, Q

    now = now or clock.now()
    since = now - timedelta(hours=24)
    waiting = Q(status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING])
    retrying = Q(status=OutboundStatus.QUEUED, attempts__gt=0)
    sent_recently = Q(status=OutboundStatus.SENT, sent_at__gte=since)
    failed = Q(status=OutboundStatus.FAILED)
    figures = OutboundMessage.objects.filter(waiting | failed | sent_recently).aggregate(
        queued=Count("id", filter=waiting),
        sending=Count("id", filter=Q(status=OutboundStatus.SENDING)),
        retrying=Count("id", filter=retrying),
        next_retry_at=Min("next_attempt_at", filter=retrying),
        oldest_queued_at=Min("created_at", filter=waiting),
        failed=Count("id", filter=failed),
        sent_24h=Count("id", filter=sent_recently),
    )
    oldest = figures["oldest_queued_at"]
    return {
        "delivery_configured": bool(settings.OUTBOX_DELIVERY),
        **figures,
        "oldest_queued_seconds": max(0, int((now - oldest).total_seconds())) if oldest else None,
    }
