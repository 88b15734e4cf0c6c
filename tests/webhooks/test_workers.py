"""Several workers at once: every delivery is sent exactly once, each ticket's in order
(PostgreSQL: FOR UPDATE SKIP LOCKED between real connections)."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from django.db import connection, connections

from atiende.core import clock
from atiende.webhooks import actions, delivery
from atiende.webhooks.models import DeliveryStatus, WebhookDelivery

from ..factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_delivery_once(receiver):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are only exercised on PostgreSQL")
    owner = UserFactory(username="owner", role="admin")
    hook, _ = actions.webhook_create(actor=owner, name="x", url=receiver.url,
                                     events=["ticket.created"])  # fmt: skip
    now = clock.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event_id=uuid.uuid4(), event_type="ticket.created",
                        ticket_id=n % 5, payload={"n": n}, next_attempt_at=now, created_at=now)
        for n in range(60)
    )  # fmt: skip
    start = threading.Barrier(2)

    def work() -> None:
        try:
            start.wait()
            delivery.deliver_due(batch=7)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent = [json.loads(r.body)["n"] for r in receiver.received]
    assert sorted(sent) == list(range(60))  # each once
    for ticket in range(5):  # and each ticket's in order
        mine = [n for n in sent if n % 5 == ticket]
        assert mine == sorted(mine)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.DELIVERED
    }
