"""Two delivery runs at the same time (threads, each with its own database connection and SMTP
connection) send every message exactly once: each row is claimed by one of them only."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound import outbox
from atiende.mail.outbound.delivery import DeliveryResult, deliver_due

from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture

MESSAGES = 60


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_send_each_message_once(smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer: parallel claims are a PostgreSQL question")
    for n in range(MESSAGES):
        outbox.queue(
            kind=OutboundKind.NOTICE, to_address=f"person{n}@example.org",
            params={"reason": "refused"},
        )  # fmt: skip
    results: list[DeliveryResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(deliver_due(limit=MESSAGES))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == MESSAGES
    assert all(r.sent > 0 for r in results), "both runs took part"
    recipients = [r.rcpt_tos[0] for r in smtp_server.received]
    assert len(recipients) == MESSAGES == len(set(recipients))
    assert OutboundMessage.objects.filter(status=OutboundStatus.SENT).count() == MESSAGES


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_through_an_outage_deliver_each_message_once(settings):
    from datetime import timedelta

    from atiende.core import clock

    from .smtp_server import SmtpServer

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer: parallel claims are a PostgreSQL question")
    server = SmtpServer()  # not started yet: the server is down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = server.host, server.port, 3
    settings.OUTBOX_DELIVERY = True
    for n in range(20):
        outbox.queue(
            kind=OutboundKind.NOTICE, to_address=f"person{n}@example.org",
            params={"reason": "refused"},
        )  # fmt: skip
    start = clock.now()

    def both(at) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            results.append(deliver_due(now=at, limit=100))
            connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return results

    down = both(start)
    assert sum(r.sent for r in down) == 0 and sum(r.retried for r in down) == 2
    assert OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).count() == 20
    server.start()
    try:
        up = both(start + timedelta(hours=2))
    finally:
        server.stop()
    assert sum(r.sent for r in up) == 20
    recipients = [r.rcpt_tos[0] for r in server.received]
    assert len(recipients) == 20 == len(set(recipients))
