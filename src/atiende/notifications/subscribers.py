"""Who is told in the app about other domains' events (registered in NotificationsConfig.ready,
called after commit with ids only)."""

from __future__ import annotations

from django.db import transaction

from atiende.changes.events import ChangeApprovalsRequested
from atiende.core.events import subscribe
from atiende.tickets.models import Ticket

from .actions import notify


@subscribe(ChangeApprovalsRequested)
def approvals_requested(event: ChangeApprovalsRequested) -> None:
    """Each approver asked to decide on a change hears of it (and finds it in My approvals);
    the mail handler of `NotificationsCreated` adds the e-mail to those who want e-mail, in
    the same transaction as the notifications."""
    ticket_id = event.ticket_id
    number = Ticket.objects.filter(pk=ticket_id).values_list("number", flat=True).first()
    if number is None:
        return
    with transaction.atomic():
        notify(
            user_ids=event.approver_ids,
            verb="change_approval",
            ticket_id=ticket_id,
            params={"number": number},
        )
