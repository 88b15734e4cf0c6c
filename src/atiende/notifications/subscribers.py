"""Who is told in the app about other domains' events (registered in NotificationsConfig.ready,
called after commit with ids only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from atiende.core.events import subscribe
from atiende.tickets.models import Ticket

from .actions import notify


@subscribe("change.approvals_requested")
def approvals_requested(*, ticket_id: int, approver_ids: list[int], **_payload: Any) -> None:
    """Each approver asked to decide on a change hears of it (and finds it in My approvals);
    the mail handler of `notifications.created` adds the e-mail to those who want e-mail, in
    the same transaction as the notifications."""
    number = Ticket.objects.filter(pk=ticket_id).values_list("number", flat=True).first()
    if number is None:
        return
    with transaction.atomic():
        notify(
            user_ids=approver_ids,
            verb="change_approval",
            ticket_id=ticket_id,
            params={"number": number},
        )
