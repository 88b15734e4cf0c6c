"""Delivering the outbox over SMTP: claim, render, send, mark; retry with backoff.

`deliver_due()` is the periodic job (atiende.mail.deliver). It claims one due message at a time
with a conditional UPDATE ... RETURNING (PostgreSQL: the candidate is picked with FOR UPDATE
SKIP LOCKED, so parallel runs never wait on or take the same row; SQLite has one writer). The
claim sets status `sending`, a random claim token and a lease (`next_attempt_at` = now +
lease): if the worker dies, the message is due again when the lease ends. After the server
accepted the message, the row is marked sent at once, in its own statement, and only if the
claim is still ours.

Guarantees: an SMTP outage only delays mail (the row stays queued, retried with exponential
backoff capped at OUTBOX_RETRY_MAX_SECONDS; an outage never makes a message fail). A message
the server refuses temporarily (4xx) is retried up to OUTBOX_MAX_ATTEMPTS times; a permanent
refusal (5xx) fails it at once. Failed messages are listed in the admin, which can retry them.
The one unavoidable window for a duplicate: the process dies after the server accepted the
message and before the "sent" UPDATE commits (milliseconds); the message is then sent again
when its lease ends. Nothing is ever sent twice otherwise.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy

from atiende.accounts.models import SYSTEM_USERNAME, User
from atiende.accounts.tokens import invitation_tokens, reset_tokens
from atiende.core import clock
from atiende.core.sanitize import render_markdown
from atiende.notifications.messages import CLOCK_NAMES
from atiende.notifications.messages import render as render_notification
from atiende.tickets.models import EventType, Kind, ResolutionCode, Ticket, TicketEvent
from atiende.tickets.selectors import name_for

from ..models import (
    AUTO_REPLY_KINDS,
    InboundMessage,
    Mailbox,
    MessageReference,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from . import compose

logger = logging.getLogger(__name__)


class Suppress(Exception):
    """Not sent on purpose (loop rules, no address): the row becomes `suppressed`."""


class Outage(Exception):
    """The server could not be reached or dropped us: retry later, never fail the message."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    configured: bool = True
    purged: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "configured": self.configured,
            "purged": self.purged,
        }


def lease_seconds() -> int:
    """How long a claimed message is ours: far longer than one SMTP transaction can take."""
    return max(300, 10 * int(getattr(settings, "EMAIL_TIMEOUT", None) or 30))


def backoff(attempts: int) -> timedelta:
    """60 s, 120 s, 240 s, ... capped (settings OUTBOX_RETRY_SECONDS / _MAX_SECONDS)."""
    base = settings.OUTBOX_RETRY_SECONDS
    seconds = min(base * 2 ** max(0, min(attempts - 1, 30)), settings.OUTBOX_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


# --- claiming -----------------------------------------------------------------------------------


def claim_one(now: datetime) -> tuple[int, str] | None:
    """Claim the most overdue message; (id, claim token), or None when nothing is due."""
    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    token = uuid.uuid4().hex
    at = connection.ops.adapt_datetimefield_value(now)
    lease_end = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=lease_seconds()))
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    due = "status IN ('queued', 'sending') AND next_attempt_at <= %s"
    sql = (
        f"UPDATE {table} SET status = 'sending', claim = %s, next_attempt_at = %s, "  # noqa: S608
        f"attempts = attempts + 1 WHERE id = (SELECT id FROM {table} WHERE {due} "
        f"ORDER BY next_attempt_at, id LIMIT 1{lock}) AND {due} RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token, lease_end, at, at])
        row = cursor.fetchone()
    return (row[0], token) if row else None


def _finish(pk: int, token: str, **values: Any) -> bool:
    """Update a message we still hold the claim of; False if the claim was lost."""
    return bool(
        OutboundMessage.objects.filter(pk=pk, claim=token, status=OutboundStatus.SENDING).update(
            **values
        )
    )


# --- the run ------------------------------------------------------------------------------------


def deliver_due(*, now: datetime | None = None, limit: int | None = None) -> DeliveryResult:
    """Send every due message, at most `limit` (settings.OUTBOX_BATCH). Safe to run anywhere,
    at any time, in parallel. Stops early when the server is unreachable."""
    result = DeliveryResult(configured=bool(settings.OUTBOX_DELIVERY))
    if not result.configured:
        return result  # nothing configured: mail waits in the outbox, nothing is lost
    _run_cache.clear()
    limit = limit if limit is not None else settings.OUTBOX_BATCH
    smtp = None
    try:
        for _ in range(limit):
            at = now or clock.now()
            claimed = claim_one(at)
            if claimed is None:
                break
            pk, token = claimed
            if smtp is None:
                smtp = get_connection(fail_silently=False)
            if not _deliver_one(pk, token, smtp, at, result):
                break  # outage: stop this run, the next one retries
    finally:
        if smtp is not None:
            try:
                smtp.close()
            except Exception:  # closing a broken connection must not hide the result
                logger.debug("closing the SMTP connection failed", exc_info=True)
    result.purged = purge_old(now or clock.now())
    return result


def purge_old(now: datetime, *, batch: int = 1000) -> int:
    """Forget sent and suppressed messages older than ATIENDE_MAIL_KEEP_DAYS (their
    MessageReference rows stay, so replies to old mail still thread). Failed ones stay until
    an admin retries or deletes them."""
    days = settings.OUTBOX_KEEP_DAYS
    if days <= 0:
        return 0
    old = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.SENT, OutboundStatus.SUPPRESSED],
        created_at__lt=now - timedelta(days=days),
    ).order_by("created_at")
    ids = list(old.values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    return OutboundMessage.objects.filter(pk__in=ids).delete()[0]


def _deliver_one(pk: int, token: str, smtp, now: datetime, result: DeliveryResult) -> bool:
    row = (
        OutboundMessage.objects.select_related(
            "ticket", "ticket__requester", "recipient", "event", "event__actor"
        )
        .filter(pk=pk)
        .first()
    )
    if row is None:
        return True
    try:
        message, to_address = prepare(row)
    except Suppress as exc:
        _finish(pk, token, status=OutboundStatus.SUPPRESSED, last_error=str(exc), claim="")
        result.suppressed += 1
        return True
    except Exception as exc:  # a message that cannot be built will not build on retry
        logger.exception("outgoing message %s could not be built", pk)
        _finish(pk, token, status=OutboundStatus.FAILED, last_error=f"build: {exc}", claim="")
        result.failed += 1
        return True
    try:
        _send(smtp, message)
    except Outage as exc:
        # Nothing reached the recipient: queued again, never failed by an outage.
        _finish(
            pk, token, status=OutboundStatus.QUEUED, claim="", last_error=str(exc),
            next_attempt_at=now + backoff(row.attempts),
        )  # fmt: skip
        result.retried += 1
        result.errors.append(str(exc))
        logger.warning("SMTP server unreachable; outgoing mail waits: %s", exc)
        return False
    except smtplib.SMTPException as exc:
        code = _code(exc)
        permanent = code is not None and code >= 500
        if permanent or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(pk, token, status=OutboundStatus.FAILED, claim="", last_error=str(exc)[:2000])
            result.failed += 1
            logger.warning("outgoing message %s failed: %s", pk, exc)
        else:
            _finish(
                pk, token, status=OutboundStatus.QUEUED, claim="", last_error=str(exc)[:2000],
                next_attempt_at=now + backoff(row.attempts),
            )  # fmt: skip
            result.retried += 1
        return True
    # Accepted by the server: mark it at once (the duplicate window ends here).
    if not _finish(
        pk, token, status=OutboundStatus.SENT, sent_at=clock.now(), claim="",
        to_address=to_address.lower(), subject=message.subject[:255], last_error="",
    ):  # fmt: skip
        logger.error("outgoing message %s was sent after its claim was lost", pk)
    result.sent += 1
    return True


def _send(smtp, message) -> None:
    try:
        if getattr(smtp, "connection", None) is None:
            smtp.open()  # kept open for the whole run (send_messages would close its own)
        smtp.send_messages([message])
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        _reset(smtp)
        raise Outage(f"{type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPException:
        raise
    except OSError as exc:  # refused, timed out, DNS, TLS
        _reset(smtp)
        raise Outage(f"{type(exc).__name__}: {exc}") from exc


def _reset(smtp) -> None:
    try:
        smtp.close()
    except Exception:
        logger.debug("closing the SMTP connection failed", exc_info=True)
    if hasattr(smtp, "connection"):
        smtp.connection = None


def _code(exc: smtplib.SMTPException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return min(codes) if codes else None
    return getattr(exc, "smtp_code", None)


# --- building a message -------------------------------------------------------------------------


def absolute(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def _ticket_url(ticket: Ticket, user: User | None) -> str:
    name = "desk:ticket" if user is not None and user.is_agent else "portal:ticket"
    return absolute(reverse(name, args=[ticket.number]))


def _mailbox(ticket_id: int | None, mailbox_id: int | None = None) -> tuple[str, str]:
    """(name, address) the message comes from and replies go to: the mailbox of the ticket's
    first inbound message, else the default mailbox, else DEFAULT_FROM_EMAIL."""
    found = None
    if mailbox_id:
        found = Mailbox.objects.filter(pk=mailbox_id).values_list("address").first()
    if found is None and ticket_id is not None:
        found = (
            InboundMessage.objects.filter(ticket_id=ticket_id, mailbox__isnull=False)
            .order_by("received_at", "id")
            .values_list("mailbox__address")
            .first()
        )
    if found is None:
        found = _default_mailbox()
    return settings.MAIL_FROM_NAME, found[0] if found else settings.DEFAULT_FROM_EMAIL


def _default_mailbox() -> tuple[str] | None:
    """The default mailbox's address, read once per delivery run."""
    cached = _run_cache.get("default_mailbox", _MISSING)
    if cached is _MISSING:
        cached = Mailbox.objects.filter(is_default=True).values_list("address").first()
        _run_cache["default_mailbox"] = cached
    return cached  # type: ignore[return-value]


_MISSING = object()
_run_cache: dict[str, Any] = {}


def _thread(row: OutboundMessage) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References): the ticket's earlier messages, oldest first."""
    if row.ticket_id is None:
        reply_to = row.params.get("in_reply_to")
        return reply_to, [reply_to] if reply_to else []
    refs = list(
        MessageReference.objects.filter(ticket_id=row.ticket_id)
        .exclude(message_id=row.message_id)
        .order_by("created_at", "id")
        .values_list("message_id", "direction", "created_at")
    )
    # Our own later messages are not "earlier"; every inbound message is (it was written
    # before we send this, whenever the collector stored it).
    earlier = [m for m, d, at in refs if d == "in" or at <= row.created_at]
    return (earlier[-1] if earlier else None), earlier


ACCOUNT_KINDS = (OutboundKind.PASSWORD_RESET, OutboundKind.INVITATION)


def _recipient(row: OutboundMessage) -> User | None:
    if row.recipient is not None:
        return row.recipient
    if row.kind == OutboundKind.PASSWORD_RESET:
        # Who owns the address is looked up here, not when the link was asked for.
        user = (
            User.objects.filter(email__iexact=row.to_address.strip(), is_active=True)
            .exclude(username=SYSTEM_USERNAME)
            .order_by("pk")
            .first()
        )
        if user is None:
            raise Suppress("no active account has this address")
        return user
    if (
        row.ticket is not None
        and row.kind in (OutboundKind.ACKNOWLEDGEMENT, OutboundKind.RESOLUTION)
        and not row.params.get("participant")  # a person in copy: their own address
    ):
        return row.ticket.requester
    return None


def _rate_limited(address: str, now: datetime) -> bool:
    limit = settings.MAIL_AUTO_PER_HOUR
    if limit <= 0:
        return False
    recent = OutboundMessage.objects.filter(
        status=OutboundStatus.SENT,
        kind__in=AUTO_REPLY_KINDS,
        to_address=address,
        sent_at__gte=now - timedelta(hours=1),
    )
    return recent.count() >= limit


def prepare(row: OutboundMessage):  # -> tuple[EmailMultiAlternatives, str]
    """The MIME message of `row` and its recipient's address; raises Suppress when it must
    not be sent."""
    user = _recipient(row)
    to = (user.email if user is not None else row.to_address).strip()
    if user is not None and not user.is_active:
        raise Suppress("the recipient's account is inactive")
    if user is not None and not user.email_notifications and row.kind not in ACCOUNT_KINDS:
        raise Suppress("the recipient turned e-mail notifications off")
    if not to:
        raise Suppress("the recipient has no e-mail address")
    try:
        to = compose.address(to)
    except compose.UnsafeAddress as exc:
        raise Suppress(f"not a valid address: {exc}") from exc
    kind = row.kind
    if (
        kind == OutboundKind.ACKNOWLEDGEMENT
        and user is not None
        and user.is_agent
        and row.params.get("opened_by") == user.pk
    ):
        raise Suppress("an agent's own ticket, opened by themselves")
    if (
        kind == OutboundKind.ACKNOWLEDGEMENT
        and row.ticket_id is not None
        and InboundMessage.objects.filter(ticket_id=row.ticket_id, auto_generated=True).exists()
    ):
        raise Suppress("the ticket was opened by an automatic message")
    if kind in AUTO_REPLY_KINDS and _rate_limited(to.lower(), clock.now()):
        raise Suppress("rate limit of automatic replies to this address")
    if kind == OutboundKind.REPLY:
        event = row.event
        # Never an internal note to a requester, whatever queued the row.
        if event is None or not event.public or event.type != EventType.COMMENT:
            raise Suppress("not a public reply")

    if kind == OutboundKind.INVITATION and user is not None and user.has_usable_password():
        raise Suppress("the person has set a password already")
    language = row.language or (user.language if user else "") or settings.LANGUAGE_CODE
    if kind in ACCOUNT_KINDS and user is not None and user.language:
        language = user.language  # their own choice over the page they asked from
    time_zone = (user.time_zone if user else "") or settings.TIME_ZONE
    context, template, subject, auto = _context(row, user, language)
    rendered = compose.render(
        template, context, language=language, time_zone=time_zone, subject=subject
    )
    from_name, from_address = _mailbox(row.ticket_id, row.params.get("mailbox_id"))
    in_reply_to, references = _thread(row)
    message = compose.build(
        rendered=rendered,
        from_name=from_name,
        from_address=from_address,
        to=to,
        reply_to=from_address,
        message_id=row.message_id,
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted=auto,
    )
    return message, to


class _Subject:
    """A subject computed in the recipient's language at render time."""

    def __init__(self, build) -> None:  # type: ignore[no-untyped-def]
        self.build = build

    def __str__(self) -> str:
        return self.build()


_NOTICE_SUBJECT = gettext_lazy("We could not accept your message")
_LABELS = {
    "resolved": gettext_lazy("Resolved"),
    "sla_warning": gettext_lazy("SLA warning"),
    "sla_breach": gettext_lazy("SLA breached"),
    "change_approval": gettext_lazy("Approval requested"),
}
_ACCOUNT_SUBJECTS: dict[str, Any] = {
    OutboundKind.PASSWORD_RESET: gettext_lazy("Reset your password"),
    OutboundKind.INVITATION: gettext_lazy("Set your password for the service desk"),
}


def _context(row: OutboundMessage, user: User | None, language: str):  # type: ignore[no-untyped-def]

    ticket = row.ticket
    context: dict[str, Any] = {
        "recipient_name": (user.first_name or user.display_name) if user else "",
        "replyable": ticket is not None,
        "time_zone": (user.time_zone if user else "") or settings.TIME_ZONE,
    }
    if ticket is not None:
        context["ticket"] = {
            "number": ticket.number,
            "title": ticket.title,
            "kind_label": Kind(ticket.kind).label if ticket.kind in Kind.values else ticket.kind,
            # In the reader's language (tickets.models.Category.label).
            "category": ticket.category.label(language) if ticket.category else "",
        }
        context["ticket_url"] = _ticket_url(ticket, user)
    kind = row.kind

    def ticket_subject(label: str = "") -> _Subject:
        assert ticket is not None
        return _Subject(
            lambda: compose.ticket_subject(
                ticket.number, ticket.title, str(_LABELS[label]) if label else ""
            )
        )

    if kind == OutboundKind.ACKNOWLEDGEMENT:
        if user is not None and user.last_login is None and not user.has_usable_password():
            # Someone the desk met by e-mail: the invitation to choose a password rides on
            # the acknowledgement (one message, under its loop and rate-limit protection).
            context["invitation"] = _password_link(user, invitation=True)
        return context, "acknowledgement", ticket_subject(), compose.AUTO_REPLIED
    if kind == OutboundKind.REPLY:
        event = row.event
        assert event is not None and ticket is not None
        context.update(_reply_context(event, ticket, user))
        return context, "reply", ticket_subject(), None
    if kind == OutboundKind.RESOLUTION:
        assert ticket is not None
        ticket_url = context["ticket_url"]
        code = ResolutionCode.objects.filter(code=ticket.resolution_code).first()
        from atiende.tickets.models import DeskSettings

        event = row.event
        said = event if event and event.public and event.type == EventType.COMMENT else None
        context.update(
            comment=said.body if said else "",
            comment_html=render_markdown(said.body) if said else "",
            notes=ticket.resolution_notes,
            notes_html=render_markdown(ticket.resolution_notes),
            resolution_label=code.label(language) if code else "",
            # The one-click confirm/reopen links are the requester's alone (none: no buttons).
            **(
                {"confirm_url": "", "reopen_url": ""}
                if row.params.get("participant")
                else _resolution_links(ticket, ticket_url)
            ),
            reopen_days=DeskSettings.current().reopen_days,
            replyable=True,
        )
        return context, "resolution", ticket_subject("resolved"), compose.AUTO_GENERATED
    if kind in (OutboundKind.SLA_WARNING, OutboundKind.SLA_BREACH):
        clock_key = row.params.get("clock", "")
        context.update(
            breach=kind == OutboundKind.SLA_BREACH,
            clock_name=_Subject(lambda: str(CLOCK_NAMES.get(clock_key, clock_key))),
            deadline=_deadline(row.params.get("deadline", "")),
            replyable=False,
        )
        return context, "sla", ticket_subject(kind), compose.AUTO_GENERATED
    if kind == OutboundKind.CHANGE_APPROVAL:
        assert ticket is not None
        context.update(
            ticket_url=absolute(reverse("changes:change", args=[ticket.number])),
            approvals_url=absolute(reverse("changes:approvals")),
            replyable=False,
        )
        return context, "change_approval", ticket_subject(kind), compose.AUTO_GENERATED
    if kind == OutboundKind.NOTIFICATION:
        # The in-app text, rendered now in the recipient's language and time zone.
        verb, values = row.params.get("verb", ""), row.params.get("params") or {}
        # Rendered when the template is (compose.render, in the recipient's language and
        # time zone), not now.
        message = _Subject(lambda: render_notification(verb, values))
        context.update(message=message, replyable=False)
        if ticket is None:
            # About something other than a ticket: its page, and the text as the subject.
            path = str(values.get("path") or "")
            context["link_url"] = absolute(path) if path.startswith("/") else ""
            subject = _Subject(lambda: compose.header_text(str(message)))
            return context, "notification", subject, compose.AUTO_GENERATED
        return context, "notification", ticket_subject(), compose.AUTO_GENERATED

    if kind in ACCOUNT_KINDS:
        assert user is not None
        context.update(_password_link(user, invitation=kind == OutboundKind.INVITATION))
        account_subject = _ACCOUNT_SUBJECTS[kind]
        return context, kind, _Subject(lambda: str(account_subject)), compose.AUTO_GENERATED
    if kind == OutboundKind.NOTICE:
        context.update(
            reason=row.params.get("reason", ""),
            original_subject=row.params.get("original_subject", ""),
            size=row.params.get("size") or 0,
            limit=row.params.get("limit") or 0,
            portal_url=absolute(reverse("portal:home")),
            replyable=False,
        )
        original = row.params.get("original_subject", "")
        subject = _Subject(
            lambda: compose.header_text(
                f"{_NOTICE_SUBJECT}: {original}" if original else str(_NOTICE_SUBJECT)
            )
        )
        return context, "notice", subject, compose.AUTO_REPLIED
    builder = _KIND_BUILDERS.get(kind)
    if builder is not None:
        return builder(row, user, language, context)
    raise ValueError(f"unknown kind {kind!r}")


# Kinds whose message a domain above mail composes (it may import mail, not the other way).
KindBuilder = Callable[[OutboundMessage, User | None, str, dict[str, Any]], tuple[Any, ...]]
_KIND_BUILDERS: dict[str, KindBuilder] = {}


def register_kind(kind: str, builder: KindBuilder) -> None:
    """Let a domain above mail compose the messages of its own outbox kind, at delivery, in
    the recipient's language: `builder(row, user, language, context)` answers
    `(context, template, subject, auto_submitted)` like the kinds above (its templates under
    `mail/outbound/<template>.txt|html`), or raises `Suppress` when the message is no longer
    wanted. Called from the domain's AppConfig.ready (surveys: the satisfaction survey)."""
    _KIND_BUILDERS.setdefault(kind, builder)


def _password_link(user: User, *, invitation: bool) -> dict[str, Any]:
    """The single-use link, made now (nothing secret waits in the outbox)."""
    tokens = invitation_tokens if invitation else reset_tokens
    name = "accounts:invitation_confirm" if invitation else "accounts:password_reset_confirm"
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    timeout = settings.INVITATION_TIMEOUT if invitation else settings.PASSWORD_RESET_TIMEOUT
    return {
        "link": absolute(reverse(name, args=[uid, tokens.make_token(user)])),
        "username": user.username,
        "valid_hours": max(1, timeout // 3600),
        "login_url": absolute(reverse("login")),
        "replyable": False,
    }


def _resolution_links(ticket: Ticket, ticket_url: str) -> dict[str, str]:
    """The signed one-click links (mail.outbound.links); the ticket page when they cannot be
    made (e.g. the ticket was reopened before the mail went out)."""
    from . import links

    try:
        return {
            f"{action}_url": absolute(
                reverse("mail:resolution_link", args=[links.make_token(ticket, action)])
            )
            for action in links.ACTIONS
        }
    except ValueError:
        return {"confirm_url": ticket_url, "reopen_url": ticket_url}


def _deadline(value: str) -> datetime | None:
    from datetime import UTC

    for fmt in ("%Y-%m-%d %H:%M UTC", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            parsed = datetime.strptime(value, fmt)
        except (TypeError, ValueError):
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _reply_context(event: TicketEvent, ticket: Ticket, reader: User | None) -> dict[str, Any]:
    """Authors are named as the reader may know them: a requester sees agents by first name
    only (tickets.selectors.name_for), as in the portal and the API."""
    attachments = [
        {
            "filename": a.filename,
            "size": a.size,
            "url": absolute(reverse("attachment", args=[a.pk])),
        }
        for a in event.attachments.filter(public=True).order_by("id")
    ]
    history = []
    if settings.MAIL_REPLY_HISTORY > 0:
        earlier = (
            TicketEvent.objects.filter(
                ticket_id=ticket.pk, type=EventType.COMMENT, public=True, id__lt=event.pk
            )
            .select_related("actor")
            .order_by("-created_at", "-id")[: settings.MAIL_REPLY_HISTORY]
        )
        for item in earlier:
            history.append(
                {
                    "author": name_for(item.actor, reader),
                    "at": item.created_at,
                    "body_html": render_markdown(item.body),
                    "quoted": "\n".join(f"> {line}" for line in item.body.splitlines()),
                }
            )
    return {
        "author_name": name_for(event.actor, reader) or settings.MAIL_FROM_NAME,
        "body": event.body,
        "body_html": render_markdown(event.body),
        "attachments": attachments,
        "history": history,
    }
