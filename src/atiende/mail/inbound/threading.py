"""Which ticket a message belongs to: its In-Reply-To/References against the Message-IDs of
every message of every ticket (one indexed query), then a ticket number in the subject."""

from __future__ import annotations

import re

from atiende.tickets.models import Ticket

from ..models import MessageReference
from .parsing import TICKET_NUMBER

_NUMBER = re.compile(r"^([A-Z]{3})-(\d{1,12})$")


def ticket_by_references(message_ids: tuple[str, ...]) -> Ticket | None:
    """The ticket of the nearest referenced message (`message_ids` nearest first)."""
    if not message_ids:
        return None
    rows = list(
        MessageReference.objects.filter(message_id__in=message_ids[:200])
        .select_related("ticket")
        .order_by("-id")
    )
    if not rows:
        return None
    position = {mid: i for i, mid in reversed(list(enumerate(message_ids)))}
    rows.sort(key=lambda r: position.get(r.message_id, len(message_ids)))
    return rows[0].ticket


def normalise_number(number: str) -> str | None:
    """'INC-123' -> 'INC-000123' (numbers are issued with at least six digits)."""
    match = _NUMBER.match(number.upper())
    if match is None:
        return None
    return f"{match.group(1)}-{int(match.group(2)):06d}"


def ticket_by_number(number: str | None) -> Ticket | None:
    normalised = normalise_number(number or "")
    if normalised is None:
        return None
    return Ticket.objects.filter(number=normalised).first()


def strip_subject(subject: str) -> str:
    """The subject without reply prefixes and the ticket tag: a title for a new ticket."""
    subject = TICKET_NUMBER.sub(" ", subject)
    previous = None
    while previous != subject:
        previous = subject
        subject = re.sub(r"^\s*(re|aw|sv|res)\s*(\[\d+\])?\s*:\s*", "", subject, flags=re.I)
    return re.sub(r"\s+", " ", subject).strip()
