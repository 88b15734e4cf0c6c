"""When tickets are assigned automatically (registered in AssignmentConfig.ready).

- A new ticket: inside its creation's transaction (`in_transaction=True`), so it commits
  already assigned, or rolls back with its creation. The app loads after sla, notifications,
  mail and webhooks, so their creation handlers (clocks, acknowledgement, the "created"
  delivery) have run on the unassigned ticket when the assignment, a `TicketUpdated` by the
  system actor, follows: the assignee is told once, "assigned to you", as for a manual
  assignment. The creation's row (`event.ticket`) is brought up to date, so later handlers
  and the creator's answer (the API's 201) show the assignee and the new version.
- A ticket moved to another team, unassigned: after the move commits, in a transaction of
  its own, so the mover's answer keeps the version it wrote (an in-transaction assignment
  would bump the version under the caller's feet) and a failed choice never undoes the move.
"""

from __future__ import annotations

from django.db import transaction

from atiende.accounts.models import User
from atiende.core.events import subscribe
from atiende.tickets.events import TicketCreated, TicketUpdated
from atiende.tickets.models import Ticket

from . import actions

COPIED = ("assignee", "status", "version", "updated_at")


@subscribe(TicketCreated, in_transaction=True)
def assign_new(event: TicketCreated) -> None:
    ticket = event.ticket
    if ticket.team_id is None or ticket.assignee_id is not None:
        return
    requester = ticket.requester if Ticket.requester.is_cached(ticket) else None
    language = requester.language if requester is not None else _language(ticket.requester_id)
    updated = actions.auto_assign(ticket=ticket, language=language)
    if updated is not None:
        for name in COPIED:
            setattr(ticket, name, getattr(updated, name))


@subscribe(TicketUpdated)
def assign_moved(event: TicketUpdated) -> None:
    if "team" not in event.fields:
        return
    with transaction.atomic():
        ticket = (
            Ticket.objects.filter(pk=event.ticket_id, assignee__isnull=True)
            .select_related("requester")
            .only("kind", "status", "team_id", "assignee_id", "category_id", "requester__language")
            .first()
        )
        if ticket is not None:
            actions.auto_assign(ticket=ticket, language=ticket.requester.language)


def _language(user_id: int) -> str:
    return User.objects.filter(pk=user_id).values_list("language", flat=True).first() or ""
