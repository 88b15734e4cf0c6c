"""A ticket's timeline (the audit trail) and its search document: the one module that writes
them, for every domain (tickets, changes, CMDB, SLA).

- `record` writes one entry, in the calling action's transaction (one plain INSERT: it sits on
  the path of every ticket's creation, reply and edit).
- `record_many` writes prepared `Row`s in bulk (COPY on PostgreSQL): the SLA sweep writes
  thousands at once.
- `index_new` creates a new ticket's search document; `index_text` adds words to it, public
  (what requesters may search) or internal (agents only).
- `register_field`, `field_label`, `value_label`: how the fields other domains write read in
  the timeline, in the reader's language (the template filters are thin wrappers).

Nothing else writes `TicketEvent` or `TicketSearchDocument`: a ruff rule (TID251, see
pyproject.toml) refuses those models outside this module and the read-only ones allowed there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Choices, F, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from atiende.core import bulk

from . import search
from .models import (
    EventType,
    Impact,
    Kind,
    PendingReason,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketSearchDocument,
    Urgency,
)

if TYPE_CHECKING:
    from atiende.accounts.models import User

__all__ = [
    "EventType",
    "Row",
    "field_label",
    "index_new",
    "index_text",
    "index_text_many",
    "move_entries",
    "record",
    "record_many",
    "record_returning",
    "register_field",
    "value_label",
]


# --- writing ------------------------------------------------------------------------------------


def record(
    ticket: Ticket | int,
    *,
    actor: User | None,
    type: str,  # the column's name (shadows the builtin inside this function only)
    at: datetime,
    public: bool = True,
    field: str = "",
    old: str = "",
    new: str = "",
    body: str = "",
) -> TicketEvent:
    """Write one timeline entry of `ticket` (an instance or its id) and answer it with its id.
    `old`/`new` are what the reader sees: codes for choices, display names for people."""
    event = TicketEvent(
        actor=actor, type=type, created_at=at, public=public, field=field,
        old_value=old, new_value=new, body=body,
    )  # fmt: skip
    if isinstance(ticket, Ticket):
        event.ticket = ticket
    else:
        event.ticket_id = ticket
    bulk.insert_instance(event)
    return event


class Row(NamedTuple):
    """One entry for `record_many`: a plain tuple in the table's column order, so thousands
    cost no model instances."""

    ticket_id: int
    type: str
    actor_id: int | None
    created_at: datetime
    public: bool
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    body: str = ""


def record_many(rows: Iterable[Row]) -> int:
    """Write many entries at once (no ids read back); answers how many."""
    return bulk.insert(TicketEvent, Row._fields, list(rows))


def record_returning(rows: Sequence[Row]) -> list[int]:
    """`record_many` answering the new entries' ids, in the order of `rows` (one INSERT …
    RETURNING): the comments a batched transition gives, which its events name."""
    made = TicketEvent.objects.bulk_create([TicketEvent(**row._asdict()) for row in rows])
    return [event.pk for event in made]


def index_new(ticket: Ticket, text: str) -> None:
    """The search document of a ticket being created: `text` is public (number, title,
    description). One INSERT, on the path of every ticket's creation."""
    bulk.insert(
        TicketSearchDocument,
        ("ticket_id", "public_terms", "internal_terms"),
        [(ticket.pk, search.terms(text), "")],
    )


def index_text(ticket: Ticket | int, text: str, *, public: bool) -> None:
    """Make `text` findable in `ticket`: by everyone who sees the ticket when `public`, by
    agents only otherwise (internal notes)."""
    new_terms = search.terms(text)
    if not new_terms:
        return
    column = "public_terms" if public else "internal_terms"
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    TicketSearchDocument.objects.filter(ticket_id=ticket_id).update(
        **{column: Concat(F(column), Value(" " + new_terms))}
    )


def index_text_many(ticket_ids: Sequence[int], text: str, *, public: bool) -> None:
    """`index_text` of the same `text` in many tickets (one UPDATE)."""
    new_terms = search.terms(text)
    if not new_terms or not ticket_ids:
        return
    column = "public_terms" if public else "internal_terms"
    TicketSearchDocument.objects.filter(ticket_id__in=list(ticket_ids)).update(
        **{column: Concat(F(column), Value(" " + new_terms))}
    )


def move_entries(source: Ticket, target_id: int) -> int:
    """Merging: every entry of ticket `source` becomes an entry of `target_id` (kept as
    written: actor, time, visibility), and the words of its search document join the
    target's. Its "opened the ticket" entry keeps what it opened (field "merged_from": the
    number, body: the description), or it would read as the target's. Answers how many
    entries moved."""
    source_id = source.pk
    TicketEvent.objects.filter(ticket_id=source_id, type=EventType.CREATED).update(
        field="merged_from", new_value=source.number, body=source.description
    )
    moved = TicketEvent.objects.filter(ticket_id=source_id).update(ticket_id=target_id)
    document = TicketSearchDocument.objects.filter(ticket_id=source_id).first()
    if document is not None:
        TicketSearchDocument.objects.filter(ticket_id=target_id).update(
            public_terms=Concat(F("public_terms"), Value(" " + document.public_terms)),
            internal_terms=Concat(F("internal_terms"), Value(" " + document.internal_terms)),
        )
    return moved


# --- reading: how fields are named and shown ----------------------------------------------------

FIELD_LABELS: dict[str, Callable[[], str]] = {
    "kind": lambda: _("Kind"),
    "title": lambda: _("Title"),
    "category": lambda: _("Category"),
    "impact": lambda: _("Impact"),
    "urgency": lambda: _("Urgency"),
    "priority": lambda: _("Priority"),
    "team": lambda: _("Team"),
    "assignee": lambda: _("Assignee"),
    "status": lambda: _("Status"),
    "followers": lambda: _("Followers"),
    "participants": lambda: _("People in copy"),
}
CHOICE_FIELDS: dict[str, type[Choices]] = {
    "kind": Kind,
    "status": Status,
    "impact": Impact,
    "urgency": Urgency,
    "priority": Priority,
    "pending_reason": PendingReason,
}
_INTEGER_CHOICES = (Impact, Urgency, Priority)


def register_field(
    name: str, label: Callable[[], str], choices: type[Choices] | None = None
) -> None:
    """Let another domain name the fields it writes into ticket timelines (e.g. the CMDB's
    "affected_item"), so they read in the reader's language like the ticket's own. Called
    from the domain's AppConfig.ready."""
    FIELD_LABELS.setdefault(name, label)
    if choices is not None:
        CHOICE_FIELDS.setdefault(name, choices)


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return label() if label else field


def value_label(field: str, value: str) -> str:
    """A stored value in the reader's language: choice codes become their labels."""
    if value in ("", None):
        return "—"
    enum = CHOICE_FIELDS.get(field)
    if enum is not None:
        try:
            return str(enum(int(value) if enum in _INTEGER_CHOICES else value).label)
        except (ValueError, KeyError):
            return value
    return value
