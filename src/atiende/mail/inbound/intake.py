"""Inbound mail: raw bytes in, a ticket or a reply out. The one code path behind the MTA
gateway (`atiende mail receive`), the IMAP collector and the failed-mail retry.

Never twice: the InboundMessage row is inserted first, in the same transaction as everything
the message writes; its unique message_id is the claim. A second copy (another collector, a
re-fetch after a crash, the MTA retrying) hits the unique index and is a no-op; if the first
transaction rolls back, the claim goes with it and the next copy is processed.

Never lost: whatever goes wrong while turning the message into a ticket is rolled back to a
savepoint, and the row is kept as `failed` with the raw bytes and the error, for an admin to
retry. Only a database outage escapes (the caller answers "try again later")."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from atiende.accounts.actions import system_actor, user_create
from atiende.accounts.models import User
from atiende.core import bulk, clock
from atiende.core.errors import DomainError
from atiende.tickets import actions as ticket_actions
from atiende.tickets import workflow
from atiende.tickets.attachments import SNIFF_BYTES
from atiende.tickets.attachments import refusal as attachment_refusal
from atiende.tickets.models import (
    OPEN_STATUSES,
    Channel,
    DeskSettings,
    LinkType,
    Status,
    Ticket,
    TicketParticipant,
)
from atiende.tickets.selectors import merged_into, tickets_visible_to

from ..models import (
    Direction,
    InboundMessage,
    InboundSource,
    InboundStatus,
    Mailbox,
    MessageReference,
    UnknownSender,
)
from . import threading as mail_threading
from .errors import ErrorCode
from .noise import NoiseReason
from .parsing import (
    SYNTHETIC_ID_DOMAIN,
    MessageTooLarge,
    ParsedMessage,
    UnparseableMessage,
    parse_message,
)
from .trust import agent_mail_trusted

logger = logging.getLogger(__name__)

# Never a ticket or a reply: delivery reports, our own mail coming back, mailer daemons.
ALWAYS_IGNORED = frozenset({NoiseReason.OWN_MESSAGE, NoiseReason.BOUNCE, NoiseReason.MAILER_DAEMON})
# Automatic answers (vacation notices: Auto-Submitted: auto-replied, an "Out of office"
# subject, an empty Return-Path) join the ticket they answer, but never open one. Other
# automatic mail (monitoring alerts with Auto-Submitted: auto-generated, mailing lists such as
# a Google Group in front of the desk, bulk senders) opens tickets, flagged automatic so
# nothing answers it.
IGNORED_UNLESS_THREADED = frozenset({NoiseReason.NULL_RETURN_PATH, NoiseReason.AUTO_REPLY_SUBJECT})
TITLE_MAX = ticket_actions.TITLE_MAX
HEADER_BYTES_MAX = 256 * 1024
TEMPORARY_ERRORS = (OperationalError, InterfaceError)
# What processing changes on the claimed row (never the raw bytes again).
RESULT_FIELDS = (
    "status", "ticket", "error", "error_code", "error_params", "processed_at", "attempts",
    "auto_generated", "noise_reason",
    "from_address", "subject",
)  # fmt: skip


class Outcome(StrEnum):
    CREATED = "created"  # a new ticket
    COMMENTED = "commented"  # a reply on an open ticket
    REOPENED = "reopened"  # a reply that reopened a resolved/closed ticket
    FOLLOW_UP = "follow_up"  # a reply to a ticket closed for too long: a new, linked ticket
    DUPLICATE = "duplicate"  # already received (same Message-ID): nothing done
    IGNORED = "ignored"  # automatic mail that is no ticket (bounce, own mail, vacation)
    REJECTED = "rejected"  # unknown sender refused with a polite reply
    TOO_LARGE = "too_large"  # over the mailbox limit; the sender is told
    FAILED = "failed"  # kept raw in the failed-mail list
    UNPARSEABLE = "unparseable"  # not an e-mail message at all; kept raw as failed


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    message_id: int | None = None  # the InboundMessage row
    ticket_id: int | None = None
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome != Outcome.UNPARSEABLE


class IntakeFailed(DomainError):
    """The message cannot become a ticket (e.g. it has no sender); kept as failed with
    `code` (mail.inbound.errors.ErrorCode)."""

    def __init__(self, detail: str, *, code: str = ErrorCode.REFUSED) -> None:
        super().__init__(detail)
        self.code = code


def own_domain() -> str | None:
    """The domain of the Message-IDs Atiende writes: our own mail coming back is ignored."""
    return settings.MAIL_DOMAIN or None


def synthetic_key(raw: bytes) -> str:
    return f"{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_ID_DOMAIN}"


# --- the entry point ----------------------------------------------------------------------------


def receive(raw: bytes, *, mailbox: Mailbox, source: str = InboundSource.OTHER) -> IntakeResult:
    """Take one message for `mailbox`. Raises only on a database outage (try again later)."""
    if len(raw) > mailbox.max_message_bytes:
        return receive_too_large(raw[:HEADER_BYTES_MAX], len(raw), mailbox=mailbox, source=source)
    try:
        parsed = parse_message(raw, max_bytes=mailbox.max_message_bytes, own_domain=own_domain())
    except MessageTooLarge:
        return receive_too_large(raw[:HEADER_BYTES_MAX], len(raw), mailbox=mailbox, source=source)
    except UnparseableMessage as exc:
        return _unparseable(raw, str(exc), mailbox=mailbox, source=source)

    with transaction.atomic():
        row = _claim(
            InboundMessage(
                mailbox=mailbox,
                message_id=parsed.dedup_key,
                source=source,
                raw=raw,
                size=len(raw),
                from_address=(parsed.from_address or "")[:320],
                subject=parsed.subject[:1000],
                received_at=clock.now(),
                status=InboundStatus.FAILED,
                auto_generated=parsed.is_automatic,
                noise_reason=str(parsed.reason or ""),
            )
        )
        if row is None:
            return IntakeResult(Outcome.DUPLICATE)
        return _process_claimed(row, parsed, raw, mailbox)


def retry(row: InboundMessage) -> IntakeResult:
    """Run a failed message through intake again (the caller holds the row lock)."""
    raw = bytes(row.raw)
    mailbox = row.mailbox or Mailbox.objects.filter(is_default=True).first()
    if mailbox is None:
        raise IntakeFailed(_("There is no mailbox to receive this message."))
    row.attempts += 1
    try:
        parsed = parse_message(raw, max_bytes=mailbox.max_message_bytes, own_domain=own_domain())
    except (UnparseableMessage, MessageTooLarge) as exc:
        row.error = str(exc)[:4000]
        row.error_code, row.error_params = _parse_error_code(exc)
        row.save(update_fields=["attempts", "error", "error_code", "error_params"])
        return IntakeResult(Outcome.FAILED, row.pk, error=row.error_text)
    row.auto_generated = parsed.is_automatic
    row.noise_reason = str(parsed.reason or "")
    row.from_address = (parsed.from_address or "")[:320]
    row.subject = parsed.subject[:1000]
    return _process_claimed(row, parsed, raw, mailbox)


def _claim(row: InboundMessage) -> InboundMessage | None:
    """Insert the row unless its message_id is taken: one INSERT ... ON CONFLICT DO NOTHING
    (PostgreSQL and SQLite alike). A concurrent insert of the same id waits for the other
    transaction and then finds it taken (or free again, if that one rolled back)."""
    return row if bulk.insert_instance(row, unless_conflict_on="message_id") else None


def _process_claimed(
    row: InboundMessage, parsed: ParsedMessage, raw: bytes, mailbox: Mailbox
) -> IntakeResult:
    try:
        with transaction.atomic():
            outcome = _process(row, parsed, raw, mailbox)
    except TEMPORARY_ERRORS:
        raise
    except Exception as exc:  # anything else: rolled back, kept raw in the failed list
        if not isinstance(exc, DomainError):
            logger.exception("mail intake failed", extra={"message_id": row.message_id})
        row.status = InboundStatus.FAILED
        # The ticket it answers, set before anything was written (a ticket it would have
        # opened was rolled back and is never set: see _process).
        row.error_code = getattr(exc, "code", "") or (
            ErrorCode.REFUSED if isinstance(exc, DomainError) else ErrorCode.INTERNAL
        )
        row.error_params = {}
        row.error = _describe(exc)
        row.save(update_fields=RESULT_FIELDS)
        return IntakeResult(Outcome.FAILED, row.pk, error=row.error_text)
    if row.status != InboundStatus.REJECTED:
        row.error, row.error_code, row.error_params = "", "", {}
    row.processed_at = clock.now()
    row.save(update_fields=RESULT_FIELDS)
    return IntakeResult(outcome, row.pk, row.ticket_id)


def _parse_error_code(exc: Exception) -> tuple[str, dict]:
    if isinstance(exc, MessageTooLarge):
        return ErrorCode.TOO_LARGE, {"size": exc.size, "limit": exc.limit}
    return ErrorCode.UNPARSEABLE, {}


def _describe(exc: Exception) -> str:
    """The technical detail kept with the code (the sentence itself is the code's)."""
    if isinstance(exc, IntakeFailed):
        return ""
    if isinstance(exc, DomainError):
        details = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.errors.items()]
        return " ".join([exc.detail, *details])[:4000]
    return f"{type(exc).__name__}: {exc}"[:4000]


# --- messages that are no ticket ----------------------------------------------------------------


def _header_block(raw: bytes) -> bytes:
    head = raw[:HEADER_BYTES_MAX]
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in head:
            return head.split(separator, 1)[0] + b"\r\n\r\n"
    return head + b"\r\n\r\n"


def receive_too_large(
    head: bytes, size: int, *, mailbox: Mailbox, source: str = InboundSource.OTHER
) -> IntakeResult:
    """A message over the mailbox's limit, of which the caller read only the first bytes
    (`head`) and counted `size`: keep its headers, tell the sender (unless it is automatic)."""
    headers = _header_block(head)
    try:
        parsed: ParsedMessage | None = parse_message(headers, own_domain=own_domain())
    except (UnparseableMessage, MessageTooLarge):
        parsed = None
    key = parsed.message_id if parsed and parsed.message_id else synthetic_key(head)
    error_params = {"size": size, "limit": mailbox.max_message_bytes}
    error = f"message of {size} bytes exceeds the {mailbox.max_message_bytes} byte limit"
    with transaction.atomic():
        row = _claim(
            InboundMessage(
                mailbox=mailbox,
                message_id=key,
                source=source,
                raw=headers,
                size=size,
                from_address=(parsed.from_address or "")[:320] if parsed else "",
                subject=parsed.subject[:1000] if parsed else "",
                received_at=clock.now(),
                processed_at=clock.now(),
                status=InboundStatus.TOO_LARGE,
                error=error,
                error_code=ErrorCode.TOO_LARGE,
                error_params=error_params,
                auto_generated=bool(parsed and parsed.is_automatic),
                noise_reason=str(parsed.reason or "") if parsed else "",
            )
        )
        if row is None:
            return IntakeResult(Outcome.DUPLICATE)
        if parsed is not None and parsed.from_address:
            _queue_notice("too_large", mailbox=mailbox, row=row, parsed=parsed)
    return IntakeResult(Outcome.TOO_LARGE, row.pk, error=row.error_text)


def _unparseable(raw: bytes, error: str, *, mailbox: Mailbox, source: str) -> IntakeResult:
    with transaction.atomic():
        row = _claim(
            InboundMessage(
                mailbox=mailbox,
                message_id=synthetic_key(raw),
                source=source,
                raw=raw,
                size=len(raw),
                received_at=clock.now(),
                status=InboundStatus.FAILED,
                error=error[:4000],
                error_code=ErrorCode.UNPARSEABLE,
            )
        )
    if row is None:  # the same bytes again: kept once, and still no e-mail (65 again)
        return IntakeResult(Outcome.UNPARSEABLE, error=error)
    return IntakeResult(Outcome.UNPARSEABLE, row.pk, error=row.error_text)


def _queue_notice(
    reason: str,
    *,
    mailbox: Mailbox,
    row: InboundMessage,
    parsed: ParsedMessage,
    user: User | None = None,
) -> None:
    """A polite notice to the sender through the outbox, in this transaction; the outbox
    applies the loop rules (never to automatic mail, machines or ourselves) and rate limits.
    `reason` is one of outbound.outbox.NoticeReason."""
    from ..outbound import outbox  # the outbound half imports intake's models; import it late

    outbox.queue_notice(
        to_address=parsed.from_address or "",
        reason=reason,
        auto_generated=parsed.is_automatic,
        original_subject=parsed.subject,
        original_message_id=parsed.message_id,
        mailbox_id=mailbox.pk,
        language=user.language if user is not None else "",
        size=row.size,
        limit=mailbox.max_message_bytes,
    )


# --- turning a message into a ticket or a reply -------------------------------------------------


@dataclass
class _Sender:
    user: User | None
    address: str
    name: str
    trusted_agent: bool

    def label(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def _process(row: InboundMessage, parsed: ParsedMessage, raw: bytes, mailbox: Mailbox) -> Outcome:
    if parsed.reason in ALWAYS_IGNORED or parsed.is_bounce:
        row.status = InboundStatus.IGNORED
        return Outcome.IGNORED
    if not parsed.from_address:
        raise IntakeFailed(_("The message has no sender address."), code=ErrorCode.NO_SENDER)
    sender = _sender(parsed, raw, mailbox)

    ticket = mail_threading.ticket_by_references(parsed.thread_ids)
    if ticket is None and parsed.ticket_number:
        ticket = _ticket_by_number_for(sender, parsed.ticket_number)
    if ticket is not None:
        # A reply to a merged ticket's thread continues in the ticket it was merged into.
        ticket = merged_into(ticket)
    if ticket is None and _is_automatic_answer(parsed, raw):
        row.status = InboundStatus.IGNORED
        return Outcome.IGNORED

    # Someone in copy of the ticket may reply to it (only to it) without an account.
    in_copy = ticket is not None and _in_copy(ticket, sender.address)
    if (
        in_copy
        and ticket is not None
        and sender.user is None
        and _route(ticket) != workflow.ReplyRoute.NEW_TICKET  # (a follow-up needs a requester)
    ):
        pass  # answered below as the system account, naming them
    elif sender.user is None:
        if mailbox.unknown_sender == UnknownSender.REFUSE:
            row.status = InboundStatus.REJECTED
            row.error, row.error_code = "", ErrorCode.UNKNOWN_SENDER
            _queue_notice("unknown_sender", mailbox=mailbox, row=row, parsed=parsed)
            return Outcome.REJECTED
        sender.user = _create_requester(parsed)
    elif not sender.user.is_active:
        row.status = InboundStatus.REJECTED
        row.error, row.error_code = "", ErrorCode.SENDER_INACTIVE
        _queue_notice("refused", mailbox=mailbox, row=row, parsed=parsed, user=sender.user)
        return Outcome.REJECTED

    # Should what follows fail, the failed message stays tied to the ticket it answers, so
    # only those who may see that ticket can read it (mail.selectors).
    row.ticket = ticket
    # Where the reply belongs is the tickets' rule for every channel (workflow.requester_reply).
    route = _route(ticket) if ticket is not None else None
    if ticket is None:
        outcome, ticket = Outcome.CREATED, _new_ticket(parsed, sender, mailbox)
    elif route == workflow.ReplyRoute.JOIN:
        outcome = Outcome.COMMENTED
        _reply(ticket, parsed, sender)
    elif route == workflow.ReplyRoute.REOPEN:
        # The reply reopens the ticket itself (tickets.actions.comment_add), so the reopen
        # and the message are one action: people are told once.
        reply = _reply(ticket, parsed, sender)
        # (an agent's own reply joins the ticket as it is: agents' messages never reopen)
        reopened = reply.status != Status.RESOLVED
        outcome = Outcome.REOPENED if reopened else Outcome.COMMENTED
    elif (follow_up := _open_follow_up(ticket, sender)) is not None:
        # A later reply to the same old thread joins the follow-up it already opened.
        outcome, ticket = Outcome.COMMENTED, follow_up
        _reply(ticket, parsed, sender)
    else:
        old = ticket
        outcome, ticket = Outcome.FOLLOW_UP, _new_ticket(parsed, sender, mailbox)
        ticket_actions.ticket_link_add(
            actor=system_actor(),
            ticket_id=ticket.pk,
            other=old.pk,
            link_type=LinkType.FOLLOW_UP_OF,
        )
    if not parsed.is_automatic:
        _put_in_copy(ticket, parsed, sender, mailbox)
    # The Message-ID was claimed just now, so it has no reference yet.
    MessageReference.objects.create(
        message_id=parsed.dedup_key,
        ticket=ticket,
        direction=Direction.INBOUND,
        created_at=clock.now(),
    )
    row.ticket = ticket
    row.status = InboundStatus.PROCESSED
    return outcome


def _in_copy(ticket: Ticket, address: str) -> bool:
    return TicketParticipant.objects.filter(ticket_id=ticket.pk, email=address.lower()).exists()


def _put_in_copy(ticket: Ticket, parsed: ParsedMessage, sender: _Sender, mailbox: Mailbox) -> None:
    """The Cc (and any To besides the desk's own addresses) of a message that opens or answers
    a ticket: put in copy, so they keep hearing of it as they did by being copied. Never the
    sender, the requester, our own mailboxes or machines; agents follow instead (when they
    may see the ticket: tickets.actions.participants_add_quietly)."""
    from ..outbound.outbox import is_machine_address, is_own_address

    skip = {sender.address.lower(), mailbox.address.lower()}
    candidates = [a.strip().lower() for a in (*parsed.to, *parsed.cc) if a and "@" in a]
    if not [a for a in candidates if a not in skip]:
        return  # the usual message: no query
    if ticket.requester_id is not None:
        skip.add((ticket.requester.email or "").lower())
    wanted = [
        a
        for a in dict.fromkeys(candidates)
        if a not in skip and not is_machine_address(a) and not is_own_address(a)
    ]
    if wanted:
        ticket_actions.participants_add_quietly(ticket_id=ticket.pk, addresses=wanted)


def _is_automatic_answer(parsed: ParsedMessage, raw: bytes) -> bool:
    if parsed.reason in IGNORED_UNLESS_THREADED:
        return True
    if parsed.reason != NoiseReason.AUTO_SUBMITTED:
        return False
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:HEADER_BYTES_MAX])
    value = str(headers.get("Auto-Submitted", "")).strip().lower()
    return value.startswith("auto-replied")


def _open_follow_up(old: Ticket, sender: _Sender) -> Ticket | None:
    """The newest open ticket of the same requester that follows up `old`, if any."""
    if sender.user is None:
        return None
    return (
        Ticket.objects.filter(
            links_out__to_ticket=old,
            links_out__link_type=LinkType.FOLLOW_UP_OF,
            requester=sender.user,
            status__in=OPEN_STATUSES,
        )
        .order_by("-id")
        .first()
    )


def _sender(parsed: ParsedMessage, raw: bytes, mailbox: Mailbox) -> _Sender:
    address = parsed.from_address or ""
    # UPPER(email) = UPPER(address): the user_email_upper index on both databases (iexact
    # would be a LIKE on SQLite, which cannot use it).
    users = list(
        User.objects.annotate(email_upper=Upper("email"))
        .filter(email_upper=address.upper())
        .order_by("-is_active", "pk")[:1]
    )
    user = users[0] if users else None
    trusted = bool(user and user.is_agent and agent_mail_trusted(mailbox, raw, address))
    return _Sender(user=user, address=address, name=parsed.from_name, trusted_agent=trusted)


def _acts_as_self(sender: _Sender) -> bool:
    """May the sender's own account be the actor? Requesters yes (their mail is as good as
    e-mail gets); agents only when the mailbox's trust check passed."""
    return sender.user is not None and (not sender.user.is_agent or sender.trusted_agent)


def _ticket_by_number_for(sender: _Sender, number: str) -> Ticket | None:
    """A number in the subject is guessable: it threads only for someone who may see the
    ticket (an agent only when trusted; otherwise as its requester)."""
    ticket = mail_threading.ticket_by_number(number)
    if ticket is not None and _in_copy(ticket, sender.address):
        return ticket  # someone in copy answering (a number is guessable, an address less so)
    if ticket is None or sender.user is None or not sender.user.is_active:
        return None
    if ticket.requester_id == sender.user.pk:
        return ticket
    if _acts_as_self(sender) and tickets_visible_to(sender.user).filter(pk=ticket.pk).exists():
        return ticket
    return None


def _create_requester(parsed: ParsedMessage) -> User:
    address = parsed.from_address or ""
    username = address[:150]
    if User.objects.filter(username__iexact=username).exists():
        username = f"{address[:140]}-{hashlib.sha256(address.encode()).hexdigest()[:8]}"
    first, _sep, last = parsed.from_name.strip().partition(" ")
    return user_create(
        username=username, email=address, first_name=first[:150], last_name=last[:150],
    )  # fmt: skip  # invited by the acknowledgement (mail.outbound.delivery)


@dataclass
class _Dropped:
    """Attachments the desk does not keep (the raw message keeps them all)."""

    unfit: list[str] = field(default_factory=list)  # empty or too large
    refused: list[str] = field(default_factory=list)  # a type nobody may attach

    def __bool__(self) -> bool:
        return bool(self.unfit or self.refused)


def _uploads(parsed: ParsedMessage) -> tuple[list[SimpleUploadedFile], _Dropped]:
    """The attachments the desk can keep, and the names of those it cannot. A type the
    attachment policy refuses (tickets.attachments.refusal) is dropped, never the message:
    the ticket's text names it, so an agent can ask for it another way."""
    kept, dropped = [], _Dropped()
    for att in parsed.attachments:
        if not att.payload or len(att.payload) > settings.ATTACHMENT_MAX_BYTES:
            dropped.unfit.append(att.filename)
        elif attachment_refusal(att.filename, att.payload[:SNIFF_BYTES]) is not None:
            logger.info("mail attachment refused by the type policy: %s", att.filename)
            dropped.refused.append(att.filename)
        else:
            kept.append(SimpleUploadedFile(att.filename, att.payload, att.content_type))
    return kept, dropped


def _body(parsed: ParsedMessage, dropped: _Dropped, *, prefix: str = "") -> str:
    text = (parsed.text or parsed.full_text).strip()
    parts = [prefix] if prefix else []
    if text:
        parts.append(text)
    if dropped.unfit:
        parts.append(
            _("Attachments not kept (empty or too large): %(names)s")
            % {"names": ", ".join(dropped.unfit)}
        )
    if dropped.refused:
        parts.append(
            _("Attachments not kept (programs and scripts are not accepted): %(names)s")
            % {"names": ", ".join(dropped.refused)}
        )
    body = "\n\n".join(parts)
    return body[: ticket_actions.BODY_MAX]


def _title(parsed: ParsedMessage) -> str:
    title = mail_threading.strip_subject(parsed.subject)
    if not title:
        first = next((line for line in parsed.text.splitlines() if line.strip()), "")
        title = first.strip() or _("(no subject)")
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _new_ticket(parsed: ParsedMessage, sender: _Sender, mailbox: Mailbox) -> Ticket:
    uploads, dropped = _uploads(parsed)
    assert sender.user is not None
    return ticket_actions.ticket_create(
        actor=system_actor(),
        title=_title(parsed),
        description=_body(parsed, dropped),
        kind=mailbox.default_kind,
        category_id=mailbox.default_category_id,
        team_id=mailbox.default_team_id,
        requester_id=sender.user.pk,
        attachments=uploads,
        channel=Channel.EMAIL,
    )


def _reply(ticket: Ticket, parsed: ParsedMessage, sender: _Sender) -> Ticket:
    """A public reply by the sender when they may act as themselves on this ticket; otherwise
    by the system account, naming the sender (never an internal note, never agent powers)."""
    uploads, dropped = _uploads(parsed)
    user = sender.user
    if (
        user is not None
        and _acts_as_self(sender)
        and (
            ticket.requester_id == user.pk or tickets_visible_to(user).filter(pk=ticket.pk).exists()
        )
    ):
        actor, prefix, on_behalf_of = user, "", ""
    else:
        actor, on_behalf_of = system_actor(), sender.address
        if user is not None and user.is_agent:
            prefix = _("Message from %(sender)s (sender not verified):") % {
                "sender": sender.label()
            }
        else:
            prefix = _("Message from %(sender)s:") % {"sender": sender.label()}
    body = _body(parsed, dropped, prefix=prefix)
    if not body and not uploads:
        body = _("(The message had no text.)")
    return ticket_actions.comment_add(
        actor=actor, ticket_id=ticket.pk, body=body, public=True, attachments=uploads,
        on_behalf_of=on_behalf_of,
    ).ticket  # fmt: skip


def _route(ticket: Ticket) -> workflow.ReplyRoute:
    return workflow.requester_reply(
        ticket.status,
        resolved_at=ticket.resolved_at,
        now=clock.now(),
        reopen_days=DeskSettings.current().reopen_days,
    )
