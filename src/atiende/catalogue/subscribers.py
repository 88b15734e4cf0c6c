"""The catalogue's reactions to other domains' events (core.events; registered by importing
this module in CatalogueConfig.ready())."""

from __future__ import annotations

from atiende.accounts.events import UserDeactivated
from atiende.core.events import subscribe
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import Status

from . import actions


@subscribe(TicketStatusChanged)
def request_ended(event: TicketStatusChanged) -> None:
    """A request cancelled or closed from the desk asks nothing more of its approvers and
    cancels its unfinished tasks (idempotent; the catalogue's own endings already did)."""
    if event.new in (Status.CANCELLED, Status.CLOSED):
        actions.request_ended(ticket_id=event.ticket_id)


@subscribe(UserDeactivated)
def approver_left(event: UserDeactivated) -> None:
    actions.approvals_reassign(user_id=event.user_id)
