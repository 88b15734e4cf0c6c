"""The catalogue's reactions to other domains' events (core.events; registered by importing
this module in CatalogueConfig.ready())."""

from __future__ import annotations

import logging

from atiende.accounts.events import UserDeactivated
from atiende.core.events import batch_form, subscribe
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import Status

from . import actions

log = logging.getLogger(__name__)


@subscribe(TicketStatusChanged)
def request_ended(event: TicketStatusChanged) -> None:
    """A request cancelled or closed from the desk asks nothing more of its approvers and
    cancels its unfinished tasks (idempotent; the catalogue's own endings already did)."""
    if event.new in (Status.CANCELLED, Status.CLOSED):
        actions.request_ended(ticket_id=event.ticket_id)


@batch_form(request_ended)
def requests_ended(events: list[TicketStatusChanged]) -> None:
    """`request_ended` on the tickets of the batch that have something to end (one query
    finds them: most closed tickets are no requests)."""
    ended = [e.ticket_id for e in events if e.new in (Status.CANCELLED, Status.CLOSED)]
    for ticket_id in actions.with_something_to_end(ended):
        try:
            actions.request_ended(ticket_id=ticket_id)
        except Exception:  # one ticket's failure leaves the others' ends alone
            log.exception("catalogue: could not end request %s", ticket_id)


@subscribe(UserDeactivated)
def approver_left(event: UserDeactivated) -> None:
    actions.approvals_reassign(user_id=event.user_id)
