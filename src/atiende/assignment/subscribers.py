"""When tickets already created are assigned automatically (registered in
AssignmentConfig.ready). A new ticket is not here: its assignee is chosen before its row is
written, through tickets.routing (`actions.choose_for_new`, registered in apps.py).

- A ticket moved to another team, unassigned: after the move commits, in a transaction of
  its own, so the mover's answer keeps the version it wrote (an in-transaction assignment
  would bump the version under the caller's feet) and a failed choice never undoes the move.
"""

from __future__ import annotations

from django.db import transaction

from atiende.core.events import subscribe
from atiende.tickets.events import TicketUpdated
from atiende.tickets.models import Ticket

from . import actions


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
