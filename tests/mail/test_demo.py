"""The demo shows mail: a default mailbox, a ticket opened by e-mail with its reply threaded,
and a message in the failed-mail list."""

from __future__ import annotations

import pytest

from atiende import demo
from atiende.mail.models import InboundMessage, InboundStatus, Mailbox
from atiende.tickets.models import Channel, EventType, Ticket


@pytest.mark.django_db
def test_demo_has_a_default_mailbox_and_mail():
    demo.load(tickets_per_template=1)
    mailbox = Mailbox.objects.get(is_default=True)
    assert mailbox.address == "soporte@example.com"
    ticket = Ticket.objects.get(channel=Channel.EMAIL)
    assert ticket.events.filter(type=EventType.COMMENT).count() == 1
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == [InboundStatus.FAILED, InboundStatus.PROCESSED, InboundStatus.PROCESSED]
