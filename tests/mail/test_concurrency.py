"""The same message delivered twice at the same moment (two gateways, or a gateway and a
collector) on PostgreSQL: the unique Message-ID lets exactly one of them write."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage
from atiende.tickets.models import Ticket

from .conftest import make_mail


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("message_id", ["<race@x.org>", None])
def test_simultaneous_copies_are_processed_once(mailbox, message_id):
    raw = make_mail(message_id=message_id)
    outcomes: list[Outcome] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        try:
            barrier.wait()
            outcomes.append(receive(raw, mailbox=mailbox).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == sorted([Outcome.CREATED] + [Outcome.DUPLICATE] * 3)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1
