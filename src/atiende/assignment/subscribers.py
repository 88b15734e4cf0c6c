"""When tickets already created are assigned automatically (registered in
AssignmentConfig.ready). A new ticket is not here: its assignee is chosen before its row is
written, through tickets.routing (`actions.choose_for_new`, registered in apps.py).

- A ticket moved to another team, unassigned: after the move commits, in a transaction of
  its own, so the mover's answer keeps the version it wrote (an in-transaction assignment
  would bump the version under the caller's feet) and a failed choice never undoes the move.
  The team's "arrived unassigned" notice comes after the choice, only if nobody could take
  it (notifications hold it back for teams that assign automatically, tickets.routing).
"""

from __future__ import annotations

import logging

from django.db import transaction

from atiende.core.events import subscribe
from atiende.notifications.rules import queue_told
from atiende.tickets import routing
from atiende.tickets.events import TicketUpdated
from atiende.tickets.models import Ticket

from . import actions

log = logging.getLogger(__name__)


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
        if ticket is None:
            return
        try:
            with transaction.atomic():
                assigned = actions.auto_assign(ticket=ticket, language=ticket.requester.language)
        except Exception:  # the queue must still hear of it (notifications held the notice)
            log.exception("assignment: ticket %s moved to team %s", ticket.pk, ticket.team_id)
            assigned = None
        if assigned is None and routing.assigns_automatically(ticket.team_id):
            # Nobody could take it: now the team's queue is told it arrived unassigned
            # (notifications.rules.ticket_updated left that to us, see tickets.routing).
            queue_told(ticket.pk, event.actor_id)
