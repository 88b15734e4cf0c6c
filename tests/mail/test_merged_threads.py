"""After a merge, mail replying to the merged ticket's thread (by references or by its
number in the subject) lands in the ticket it was merged into."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.tickets import actions
from atiende.tickets.models import EventType, Ticket

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("threaded_by", ["references", "number"])
def test_a_reply_to_a_merged_thread_lands_in_the_target(
    mailbox, mail, agent, requester, desk_default_team, threaded_by
):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    source = Ticket.objects.get(pk=first.ticket_id)
    target = make_ticket(requester, title="Printers on floor 2")
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.pk)

    headers = (
        {"in_reply_to": "<a@x.org>", "references": "<a@x.org>", "subject": "Re: impresora"}
        if threaded_by == "references"
        else {"subject": f"Re: [{source.number}] impresora"}
    )
    reply = receive(mail(body="Sigue igual.", message_id="<b@x.org>", **headers), mailbox=mailbox)
    assert reply.outcome == Outcome.COMMENTED and reply.ticket_id == target.pk
    assert target.events.filter(type=EventType.COMMENT, body__contains="Sigue igual.").exists()
