"""Signed one-click links of the resolution e-mail: "yes, it's fixed" (confirm) and "no, it's
still broken" (reopen), usable without signing in.

A link is `django.core.signing` data bound to the ticket, its requester, the action and the
resolution it answers (the ticket's `resolved_at`), so it:
- cannot be altered (the signature covers everything; a tampered link is refused);
- expires with the reopen period (counted from that resolution, DeskSettings.reopen_days);
- works once: when the ticket is no longer resolved by that same resolution (confirmed,
  reopened, resolved again), the link is spent.
Opening it (GET) only shows a page with one button; the button POSTs (CSRF-protected) through
tickets.actions.ticket_transition as the requester. Mail scanners that prefetch links change
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing

from atiende.accounts.models import User
from atiende.core import clock
from atiende.tickets.models import DeskSettings, Status, Ticket

SALT = "atiende.mail.resolution-link"
CONFIRM = "confirm"
REOPEN = "reopen"
ACTIONS = (CONFIRM, REOPEN)


class LinkInvalid(Exception):
    """Altered, truncated or not one of ours."""


class _LinkOver(Exception):
    """A genuine link that cannot be used any more: `action` and the requester's `language`
    word the answer."""

    def __init__(self, action: str, language: str) -> None:
        super().__init__(action)
        self.action = action
        self.language = language


class LinkExpired(_LinkOver):
    """The reopen period of the resolution is over."""


class LinkSpent(_LinkOver):
    """Already used, or the ticket changed since (not resolved by that resolution any more)."""


@dataclass(frozen=True)
class ResolutionLink:
    ticket: Ticket
    requester: User
    action: str
    expires_at: datetime


def _stamp(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def make_token(ticket: Ticket, action: str) -> str:
    if action not in ACTIONS or ticket.resolved_at is None or ticket.requester_id is None:
        raise ValueError("a resolution link needs a resolved ticket with a requester")
    data = {"t": ticket.pk, "u": ticket.requester_id, "a": action, "r": _stamp(ticket.resolved_at)}
    return signing.dumps(data, salt=SALT)


def read_token(token: str, *, now: datetime | None = None) -> ResolutionLink:
    """The link's ticket and requester, or LinkInvalid / LinkExpired / LinkSpent."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkInvalid() from None
    if not isinstance(data, dict) or data.get("a") not in ACTIONS:
        raise LinkInvalid()
    ticket_id, user_id, resolved = data.get("t"), data.get("u"), data.get("r")
    if not (isinstance(ticket_id, int) and isinstance(user_id, int) and isinstance(resolved, int)):
        raise LinkInvalid()
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.requester_id != user_id or ticket.requester is None:
        raise LinkInvalid()
    if not ticket.requester.is_active:
        raise LinkInvalid()
    resolved_at = datetime.fromtimestamp(resolved / 1000, tz=UTC)
    expires_at = resolved_at + timedelta(days=DeskSettings.load().reopen_days)
    if (now or clock.now()) > expires_at:
        raise LinkExpired(data["a"], ticket.requester.language)
    if (
        ticket.status != Status.RESOLVED
        or ticket.resolved_at is None
        or _stamp(ticket.resolved_at) != resolved
    ):
        raise LinkSpent(data["a"], ticket.requester.language)
    return ResolutionLink(ticket, ticket.requester, data["a"], expires_at)
