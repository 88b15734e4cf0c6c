"""The demo shows mail: a default mailbox, a ticket opened by e-mail with its reply threaded,
and a message in the failed-mail list."""

from __future__ import annotations

import pytest

from atiende import demo as desk_demo
from atiende.mail import demo
from atiende.mail.models import InboundMessage, InboundStatus, Mailbox
from atiende.tickets.models import Channel, EventType, Ticket


@pytest.mark.django_db
def test_demo_has_a_default_mailbox_and_mail(requester, agent, desk_default_team):
    demo.load({"agent": agent, "requester": requester})
    mailbox = Mailbox.objects.get(is_default=True)
    assert mailbox.address == "soporte@example.com"
    ticket = Ticket.objects.get(channel=Channel.EMAIL)
    assert ticket.events.filter(type=EventType.COMMENT).count() == 1
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == [InboundStatus.FAILED, InboundStatus.PROCESSED, InboundStatus.PROCESSED]


def test_the_desk_demo_loads_the_mail_demo():
    import inspect

    assert "mail_demo" in inspect.getsource(desk_demo.load)
