"""The live desk: what an open ticket page or queue asks every few seconds (docs/live-desk.md).

A poll must stay cheap (one indexed query, a cache read, no session write), so the answer is
an ETag built from the ticket's version, its last update and who else is on it; an unchanged
page gets a 304. Presence lives in the "presence" cache: Redis when configured, otherwise
files under the data directory, which every gunicorn worker of one machine shares.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.cache import caches

from atiende.accounts.models import User

from . import selectors
from .models import EventType, Ticket

if TYPE_CHECKING:
    from .models import TicketEvent  # noqa: TID251 - a type only: events are read via selectors

POLL_SECONDS = 10  # how often an open page asks; tests shorten it
PRESENCE_TTL = 3 * POLL_SECONDS  # a closed tab disappears after this
MODES = ("viewing", "replying")


def _store():
    return caches["presence"]


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def announce(ticket_id: int, user: User, mode: str) -> list[tuple[int, str, str]]:
    """Record that `user` has the ticket open (viewing or replying); return the others as
    (user id, name, mode). Writes only when the entry is new, changed or half-way to
    expiring, so most polls are a single cache read."""
    return announce_as(ticket_id, user.pk, user.display_name, mode)


def presence_of(ticket_id: int) -> dict[int, list]:
    """The ticket's presence entry as stored: {user id: [name, mode, expires]} (one read)."""
    return _store().get(_key(ticket_id)) or {}


def others_in(entries: dict[int, list], user_id: int) -> list[tuple[int, str, str]]:
    now = time.time()
    return sorted((u, e[0], e[1]) for u, e in entries.items() if e[2] > now and u != user_id)


def announce_as(
    ticket_id: int, user_id: int, name: str, mode: str, entries: dict[int, list] | None = None
) -> list[tuple[int, str, str]]:
    """`announce` by the person's id and name (the idle poll knows them from its token,
    without loading the user); `entries`: presence_of(ticket_id) when already read."""
    mode = mode if mode in MODES else "viewing"
    now = time.time()
    if entries is None:
        entries = presence_of(ticket_id)
    live = {uid: e for uid, e in entries.items() if e[2] > now}
    mine = live.get(user_id)
    if mine is None or mine[1] != mode or mine[2] - now < PRESENCE_TTL / 2:
        live[user_id] = [name, mode, now + PRESENCE_TTL]
        _store().set(_key(ticket_id), live, PRESENCE_TTL)
    return sorted((uid, e[0], e[1]) for uid, e in live.items() if uid != user_id)


def leave(ticket_id: int, user: User) -> None:
    entries: dict[int, list] = _store().get(_key(ticket_id)) or {}
    if entries.pop(user.pk, None) is not None:
        _store().set(_key(ticket_id), entries, PRESENCE_TTL)


def others_on(ticket_id: int, user: User) -> list[tuple[int, str, str]]:
    """Who else has the ticket open, without recording anything."""
    now = time.time()
    entries: dict[int, list] = _store().get(_key(ticket_id)) or {}
    return sorted((u, e[0], e[1]) for u, e in entries.items() if e[2] > now and u != user.pk)


def etag(user: User | int, version: int, updated_at, others: list[tuple[int, str, str]]) -> str:
    """Changes when the ticket does (a reply moves updated_at, a field change the version) or
    when someone arrives, leaves or starts replying. Keyed with the secret key and the user
    (or their id): holding it proves the access check passed when it was issued (see
    views/live.py)."""
    user_id = user if isinstance(user, int) else user.pk
    raw = f"{user_id}|{version}|{updated_at.timestamp()}|" + ",".join(
        f"{u}:{m}" for u, _, m in others
    )
    key = settings.SECRET_KEY.encode()[:32]
    return '"' + hashlib.blake2s(raw.encode(), key=key, digest_size=12).hexdigest() + '"'


def ticket_stamp(number: str) -> tuple[int, int, object] | None:
    """(id, version, updated_at) by number: the idle poll's only query (unique index). No
    access check here: the caller answers 304 only to a tag minted for this user."""
    return (
        Ticket.objects.filter(number=number.upper()[:20])
        .values_list("pk", "version", "updated_at")
        .first()
    )


def queue_stamp(actor: User) -> str:
    """The last change among the tickets the agent sees: one index range scan (ticket_recent)."""
    last = (
        selectors.tickets_visible_to(actor)
        .order_by("-updated_at", "-id")
        .values_list("updated_at", "id")
        .first()
    )
    raw = f"{last[0].timestamp()}|{last[1]}" if last else "empty"
    return '"' + hashlib.blake2s(raw.encode(), digest_size=8).hexdigest() + '"'


def ticket_stamp_by_id(ticket_id: int) -> tuple[int, object] | None:
    """(version, updated_at) by primary key: the token-authenticated idle poll's only query."""
    return Ticket.objects.filter(pk=ticket_id).values_list("version", "updated_at").first()


# --- the idle poll's token -----------------------------------------------------------------------

TOKEN_SECONDS = 10 * 60  # a poll token's life; any answer of the signed-in poll renews it
TOKEN_SALT = "atiende.tickets.live.poll"


@dataclass(frozen=True)
class PollToken:
    """Who may ask about which ticket without the session: minted by the ticket page and the
    signed-in poll after the full access check (selectors.ticket_get), for one agent, one
    ticket and TOKEN_SECONDS."""

    user_id: int
    ticket_id: int
    number: str
    name: str


def poll_token(user: User, ticket_id: int, number: str) -> str:
    """Sign (user id, ticket id, number, display name) with the secret key and the time. Only
    for an agent who passed the access check on this ticket (the page, or a poll whose tag
    proves it)."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object(
        [user.pk, ticket_id, number, user.display_name]
    )


def read_poll_token(token: str) -> PollToken | None:
    """The token's claims, or None when it is forged, damaged or older than TOKEN_SECONDS."""
    try:
        user_id, ticket_id, number, name = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=TOKEN_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(user_id, int) and isinstance(ticket_id, int)):
        return None
    return PollToken(user_id, ticket_id, str(number), str(name))


# --- what changed since the page was read --------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class ChangesSince:
    """What happened on a ticket after the last event a page showed: new messages, and each
    field's net change. A field changed and changed back is left out: it does not differ."""

    events: list[TicketEvent] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    messages: list[TicketEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.messages)


MESSAGE_TYPES = (EventType.COMMENT, EventType.NOTE, EventType.ATTACHMENT)
FIELD_TYPES = (EventType.FIELD, EventType.STATUS)


def changes_since(actor: User, ticket: Ticket, seen: int | None) -> ChangesSince:
    if seen is None:
        return ChangesSince()
    events = list(selectors.timeline_for(actor, ticket).filter(pk__gt=seen))
    net: dict[str, FieldChange] = {}
    for event in events:
        if event.type in FIELD_TYPES and event.field:
            if event.field in net:
                net[event.field].new = event.new_value
            else:
                net[event.field] = FieldChange(event.field, event.old_value, event.new_value)
    return ChangesSince(
        events=events,
        fields=[c for c in net.values() if c.old != c.new],
        messages=[e for e in events if e.type in MESSAGE_TYPES],
    )


def last_event_id(events) -> int:
    return max((e.pk for e in events), default=0)
