"""Reads of the mail domain, scoped to the actor: the failed-mail list and the mailboxes'
health are for managers and admins; for anyone else they do not exist (404).

Who reads a received message (its preview, its raw bytes, retry, discard): only failed
messages are inspected here (a processed, ignored or discarded message lives on as its ticket,
read through the ticket's own access rule), and only by managers and admins who may see what it
concerns: a failed message tied to a ticket (e.g. a reply to it that could not be added) needs
that ticket to be visible to them (tickets.selectors.visibility); one tied to no ticket is mail
administration, open to every manager and admin. Anything else answers 404, like a message that
does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from atiende.accounts.models import User
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.pagination import Page, paginate
from atiende.tickets.selectors import visibility

from .models import InboundMessage, InboundStatus, Mailbox

FAILED_ORDER = ["-received_at", "-id"]
# What a list shows: never the raw bytes (they can be megabytes per row).
LIST_FIELDS = (
    "id", "mailbox__name", "message_id", "source", "size", "from_address", "subject",
    "received_at", "status", "error", "error_code", "error_params", "attempts", "auto_generated", "ticket", "mailbox",
)  # fmt: skip


def can_manage_mail(actor: User | None) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_manager)


def inbound_visible_to(actor: User | None) -> QuerySet[InboundMessage]:
    """The received messages `actor` may inspect, whatever their status: managers and admins,
    for messages tied to no ticket or to a ticket they may see."""
    if actor is None or not can_manage_mail(actor):
        return InboundMessage.objects.none()
    sees = visibility(actor, "ticket__")
    if not sees:  # every ticket (Q() | x would be x alone: empty Q objects vanish in an OR)
        return InboundMessage.objects.all()
    return InboundMessage.objects.filter(Q(ticket__isnull=True) | sees)


def failed_visible_to(actor: User | None) -> QuerySet[InboundMessage]:
    """The failed messages `actor` may inspect, download, retry or discard."""
    return inbound_visible_to(actor).filter(status=InboundStatus.FAILED)


def failed_page(actor: User, *, cursor: str | None, limit: int = 25) -> Page:
    if not can_manage_mail(actor):
        raise NotFound()
    queryset = failed_visible_to(actor).select_related("mailbox").only(*LIST_FIELDS)
    return paginate(queryset, order=FAILED_ORDER, cursor=cursor, limit=limit)


def failed_get(actor: User, message_id: int | str, *, with_raw: bool = False) -> InboundMessage:
    """One failed message `actor` may inspect; NotFound for any other (processed, ignored,
    discarded, concerning a ticket they cannot see, missing)."""
    pk = parse_id(message_id)
    if pk is None:
        raise NotFound()
    queryset = failed_visible_to(actor).select_related("mailbox", "ticket")
    if not with_raw:
        queryset = queryset.defer("raw")
    message = queryset.filter(pk=pk).first()
    if message is None:
        raise NotFound()
    return message


@dataclass(frozen=True)
class MailboxHealth:
    id: int
    name: str
    address: str
    is_active: bool
    uses_imap: bool
    state: str  # ok | error | waiting (never polled) | gateway (no IMAP) | inactive
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    failed: int
    last_received_at: datetime | None


def _state(mailbox: Mailbox) -> str:
    if not mailbox.is_active:
        return "inactive"
    if not mailbox.uses_imap:
        return "gateway"
    if mailbox.last_error:
        return "error"
    return "ok" if mailbox.last_success_at else "waiting"


def mailbox_health(actor: User) -> list[MailboxHealth]:
    """Every mailbox with its collector's state and its failed-mail count (one query)."""
    if not can_manage_mail(actor):
        raise NotFound()
    mailboxes = Mailbox.objects.annotate(
        failed=Count("messages", filter=Q(messages__status=InboundStatus.FAILED)),
        last_received=Max("messages__received_at"),
    ).order_by("name")
    return [
        MailboxHealth(
            id=m.pk,
            name=m.name,
            address=m.address,
            is_active=m.is_active,
            uses_imap=m.uses_imap,
            state=_state(m),
            last_polled_at=m.last_polled_at,
            last_success_at=m.last_success_at,
            last_error=m.last_error,
            last_error_at=m.last_error_at,
            failed=m.failed,  # type: ignore[attr-defined]
            last_received_at=m.last_received,  # type: ignore[attr-defined]
        )
        for m in mailboxes
    ]


@dataclass(frozen=True)
class TzDatabase:
    version: str  # e.g. "2026f"; "" when unknown
    source: str  # "package" (the tzdata package) | "system" (TZPATH's directories)


def tz_database() -> TzDatabase:
    """Which IANA time-zone database zoneinfo loads (atiende/__init__.py chooses it)."""
    import zoneinfo

    if not zoneinfo.TZPATH:
        try:
            import tzdata
        except ImportError:
            return TzDatabase("", "package")
        return TzDatabase(tzdata.IANA_VERSION, "package")
    for directory in zoneinfo.TZPATH:
        try:
            with open(f"{directory}/tzdata.zi", encoding="ascii", errors="replace") as file:
                first = file.readline()
        except OSError:
            continue
        return TzDatabase(first.removeprefix("# version").strip(), "system")
    return TzDatabase("", "system")


def outbox_health(actor: User) -> dict:
    """The outgoing mail figures of mail.outbound.outbox.health (one query), for the health
    page."""
    if not can_manage_mail(actor):
        raise NotFound()
    from .outbound.outbox import health

    return health()
