"""The mail API: the failed-mail list (inspect, download raw, retry, discard) and the health
of the mailboxes, for managers and admins. For anyone else these do not exist (404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from atiende.core.api import Id, errors, file_answer
from atiende.core.pagination import check_cursor

from . import actions, selectors
from .models import InboundMessage

router = Router(tags=["mail"])


class InboundOut(Schema):
    id: int
    mailbox: str | None = Field(description="The mailbox's name.")
    message_id: str = Field(description="The Message-ID, or a hash of the raw message.")
    source: str = Field(description="gateway | imap | other")
    size: int = Field(description="Size of the raw message in bytes.")
    from_address: str
    subject: str
    received_at: datetime
    status: str = Field(
        description="processed | failed | ignored | rejected | too_large | discarded"
    )
    error: str = Field(
        description="Why it failed, in the caller's language (empty when it did not)."
    )
    error_code: str = Field(
        description="Why it failed, as a stable code: unparseable | too_large | no_sender | "
        "unknown_sender | sender_inactive | refused | internal (empty when it did not, or for "
        "messages stored before the codes existed)."
    )
    error_detail: str = Field(description="Technical detail of the error (not translated).")
    attempts: int
    auto_generated: bool = Field(description="Sent by a machine: never answered automatically.")
    ticket: int | None = Field(
        default=None,
        description="The ticket it became or joined; for a failed reply, the ticket it answers.",
    )
    raw_url: str = Field(
        description="Download of the raw message (.eml), while it is failed (then 404)."
    )


class InboundPageOut(Schema):
    items: list[InboundOut]
    count: int
    count_exact: bool
    next: str | None


class FailedQuery(Schema):
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=25, ge=1, le=100)


class RetryOut(Schema):
    outcome: str = Field(
        description="created | commented | reopened | follow_up | ignored | rejected | failed ..."
    )
    message: InboundOut


class MailboxHealthOut(Schema):
    id: int
    name: str
    address: str
    is_active: bool
    uses_imap: bool
    state: str = Field(description="ok | error | waiting | gateway (no IMAP) | inactive")
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    failed: int = Field(description="Messages waiting in the failed-mail list.")
    last_received_at: datetime | None


class OutboxHealthOut(Schema):
    delivery_configured: bool = Field(description="False when no SMTP server is configured.")
    queued: int = Field(description="Messages waiting to be sent (retrying and sending included).")
    sending: int = Field(description="Messages being sent right now.")
    retrying: int = Field(description="Waiting messages that failed at least once.")
    next_retry_at: datetime | None = Field(description="The next attempt of those retrying.")
    oldest_queued_at: datetime | None
    oldest_queued_seconds: int | None = Field(description="Age of the oldest waiting message.")
    failed: int = Field(description="Messages given up (permanent refusal or too many attempts).")
    sent_24h: int = Field(description="Messages sent in the last 24 hours.")


class TzDatabaseOut(Schema):
    version: str = Field(description="The IANA time-zone database in use, e.g. 2026f.")
    source: str = Field(description="package (the tzdata package) | system")


class HealthOut(Schema):
    ok: bool = Field(description="True when no active mailbox reports an error.")
    mailboxes: list[MailboxHealthOut]
    outbox: OutboxHealthOut
    tz_database: TzDatabaseOut = Field(
        description="The time-zone rules deadlines and dates are computed with."
    )


def inbound_data(request: HttpRequest, row: InboundMessage) -> dict[str, Any]:
    return {
        "id": row.pk,
        "mailbox": row.mailbox.name if row.mailbox_id and row.mailbox else None,
        "message_id": row.message_id,
        "source": row.source,
        "size": row.size,
        "from_address": row.from_address,
        "subject": row.subject,
        "received_at": row.received_at,
        "status": row.status,
        "error": row.error_message,
        "error_code": row.error_code,
        "error_detail": row.error_detail,
        "attempts": row.attempts,
        "auto_generated": row.auto_generated,
        "ticket": row.ticket_id,
        "raw_url": request.build_absolute_uri(
            reverse("api:mail_failed_raw", kwargs={"message_id": row.pk})
        ),
    }


def raw_response(row: InboundMessage) -> HttpResponse:
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{row.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/mail/failed",
    response={200: InboundPageOut, **errors(401, 404, 422)},
    url_name="mail_failed_list",
    summary="Messages that could not become tickets, newest first (managers and admins)",
)
def failed_list(request, query: Query[FailedQuery]):
    check_cursor(query.cursor, selectors.FAILED_ORDER)
    page = selectors.failed_page(request.user, cursor=query.cursor, limit=query.limit)
    next_url = None
    if page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {
        "items": [inbound_data(request, row) for row in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url,
    }


@router.get(
    "/mail/failed/{message_id}",
    response={200: InboundOut, **errors(401, 404, 422)},
    url_name="mail_failed_get",
    summary="One failed message, with its error (any other message answers 404)",
)
def failed_get(request, message_id: Id):
    return inbound_data(request, selectors.failed_get(request.user, message_id))


@router.get(
    "/mail/failed/{message_id}/raw",
    response={200: None, **errors(401, 404, 422)},
    url_name="mail_failed_raw",
    summary="The raw failed message as received (message/rfc822); any other answers 404",
    openapi_extra=file_answer("message/rfc822", "The message's bytes, exactly as received."),
)
def failed_raw(request, message_id: Id):
    return raw_response(selectors.failed_get(request.user, message_id, with_raw=True))


@router.post(
    "/mail/failed/{message_id}/retry",
    response={200: RetryOut, **errors(400, 401, 404, 422)},
    url_name="mail_failed_retry",
    summary="Run a failed message through intake again",
)
def failed_retry(request, message_id: Id):
    row = selectors.failed_get(request.user, message_id)
    result, row = actions.inbound_retry(actor=request.user, message_id=row.pk)
    return {"outcome": str(result.outcome), "message": inbound_data(request, row)}


@router.post(
    "/mail/failed/{message_id}/discard",
    response={200: InboundOut, **errors(401, 404, 422)},
    url_name="mail_failed_discard",
    summary="Take a failed message off the list (it stays recorded as received)",
)
def failed_discard(request, message_id: Id):
    row = selectors.failed_get(request.user, message_id)
    return inbound_data(request, actions.inbound_discard(actor=request.user, message_id=row.pk))


@router.get(
    "/mail/health",
    response={200: HealthOut, **errors(401, 404)},
    url_name="mail_health",
    summary="Each mailbox's collector state, last error and failed-mail count; the outbox",
)
def health(request):
    mailboxes = selectors.mailbox_health(request.user)
    ok = not any(m.state == "error" for m in mailboxes)
    outbox = selectors.outbox_health(request.user)
    return {
        "ok": ok,
        "mailboxes": [m.__dict__ for m in mailboxes],
        "outbox": outbox,
        "tz_database": selectors.tz_database().__dict__,
    }
