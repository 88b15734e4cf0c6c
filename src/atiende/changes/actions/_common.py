"""What every change action shares: the agents-only check, the locked change row, the
stale-write message, the internal timeline entry, the version bump and text cleaning."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import User
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.core.sanitize import clean_text
from atiende.tickets import timeline
from atiende.tickets.models import Kind, Ticket
from atiende.tickets.selectors import tickets_visible_to

from .. import workflow
from ..models import ChangeDetails
from ..selectors import changes_visible_to

PLAN_MAX = 50_000
# Before authorisation the plans and the risk may still change.
EDITABLE_UNTIL_AUTHORISATION = (workflow.NEW, workflow.ASSESSMENT)


def _require_agent(actor: User) -> None:
    if actor is None or not actor.is_active or not actor.is_agent:
        raise NotFound()  # requesters see nothing of changes: denied looks like missing


def _locked(actor: User, ticket_id: int | str) -> tuple[Ticket, ChangeDetails]:
    """The change ticket (row-locked) and its details (created blank when missing).

    Writing takes the ticket's own access (its teams, assignee, requester): someone who sees
    a change only because they were asked to approve it reads it, but 403 on changing it."""
    pk = parse_id(ticket_id)
    if pk is None and isinstance(ticket_id, str) and ticket_id.strip():
        key = ticket_id.strip().upper()[:20]
        pk = changes_visible_to(actor).filter(number=key).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound()
    writable = tickets_visible_to(actor).filter(kind=Kind.CHANGE, pk=pk).values("pk")
    ticket = Ticket.objects.select_for_update().filter(pk__in=writable).first()
    if ticket is None:
        if changes_visible_to(actor).filter(pk=pk).exists():
            raise Forbidden(
                _("You were asked to approve this change; only its team can change it.")
            )
        raise NotFound()
    details, _created = ChangeDetails.objects.get_or_create(ticket=ticket)
    return ticket, details


# A stale write's message (see core.versions.check_version).
STALE = gettext_lazy(
    "This change was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _event(
    ticket: Ticket,
    actor: User,
    type_: str,
    *,
    at: datetime,
    field: str = "",
    old: str = "",
    new: str = "",
    body: str = "",
) -> None:
    # Changes are agents' records: their own timeline entries are internal.
    timeline.record(
        ticket, actor=actor, type=type_, at=at, public=False, field=field, old=old, new=new,
        body=body,
    )  # fmt: skip


def _touch(ticket: Ticket, at: datetime) -> None:
    ticket.updated_at = at
    ticket.version += 1
    ticket.save()


def _text(value: Any, field: str) -> str:
    text = clean_text(value if isinstance(value, str) else "" if value is None else str(value))
    if len(text) > PLAN_MAX:
        raise ValidationFailed.field(field, _("This text is too long."))
    return text
