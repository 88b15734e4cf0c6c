"""The outbox on the health page and in the health API: waiting, retrying (with the next
attempt), failed, sent in the last 24 hours and the age of the oldest waiting message, with a
constant number of queries whatever the size of the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound import outbox

from ..api.conftest import ApiClient

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _row(status, *, created, attempts=0, next_attempt=None, sent=None):
    return OutboundMessage(
        kind=OutboundKind.NOTICE, status=status, to_address="a@example.org",
        message_id=f"{status}-{created.timestamp()}-{attempts}-{sent}@x", created_at=created,
        next_attempt_at=next_attempt or created, attempts=attempts, sent_at=sent,
    )  # fmt: skip


def _fill(scale: int = 1) -> None:
    rows = []
    for _ in range(scale):
        rows += [
            _row(OutboundStatus.QUEUED, created=NOW - timedelta(hours=3)),  # the oldest
            _row(
                OutboundStatus.QUEUED,
                created=NOW - timedelta(minutes=5),
                attempts=2,
                next_attempt=NOW + timedelta(minutes=4),
            ),
            _row(
                OutboundStatus.QUEUED,
                created=NOW - timedelta(minutes=6),
                attempts=1,
                next_attempt=NOW + timedelta(minutes=9),
            ),
            _row(OutboundStatus.SENDING, created=NOW - timedelta(minutes=1)),
            _row(OutboundStatus.FAILED, created=NOW - timedelta(days=2), attempts=8),
            _row(
                OutboundStatus.SENT, created=NOW - timedelta(hours=2), sent=NOW - timedelta(hours=1)
            ),
            _row(
                OutboundStatus.SENT, created=NOW - timedelta(days=3), sent=NOW - timedelta(days=2)
            ),
            _row(OutboundStatus.SUPPRESSED, created=NOW - timedelta(hours=1)),
        ]
    OutboundMessage.objects.bulk_create(rows)


def test_the_figures(settings):
    settings.OUTBOX_DELIVERY = True
    _fill()
    with time_machine.travel(NOW, tick=False):
        figures = outbox.health()
    assert figures == {
        "delivery_configured": True,
        "queued": 4,  # three queued and one being sent
        "sending": 1,
        "retrying": 2,
        "next_retry_at": NOW + timedelta(minutes=4),
        "oldest_queued_at": NOW - timedelta(hours=3),
        "oldest_queued_seconds": 3 * 3600,
        "failed": 1,
        "sent_24h": 1,
    }


def test_an_empty_outbox():
    figures = outbox.health()
    assert figures["queued"] == figures["retrying"] == figures["failed"] == 0
    assert figures["oldest_queued_at"] is None and figures["oldest_queued_seconds"] is None


def _count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_page_and_the_api_show_them_with_constant_queries(manager, mailbox):
    # NOW is taken when the module is imported, which may be minutes before this runs.
    with time_machine.travel(NOW, tick=True):
        _the_page_and_the_api(manager)


def _the_page_and_the_api(manager) -> None:
    client = Client()
    client.force_login(manager)
    api = ApiClient(manager)
    client.get("/mail/health/")  # warm-up (session, content types)
    api.get("/mail/health")
    _fill()
    small_page = _count_queries(lambda: client.get("/mail/health/"))
    small_api = _count_queries(lambda: api.get("/mail/health"))
    _fill(scale=20)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/mail/health/")
    # Read now: the next request resets the connection's query log.
    page_queries = list(captured.captured_queries)
    body = api.get("/mail/health").json()
    assert page.status_code == 200, page.status_code
    assert len(page_queries) == small_page, (len(page_queries), small_page)
    assert _count_queries(lambda: api.get("/mail/health")) == small_api
    # The outbox itself costs one query.
    outbox_queries = [q for q in page_queries if "mail_outboundmessage" in q["sql"]]
    assert len(outbox_queries) == 1

    html = page.content.decode()
    assert '<dd data-figure="queued">84' in html
    assert '<dd data-figure="retrying">42' in html
    assert '<dd data-figure="sent_24h">21</dd>' in html
    assert '?status__exact=failed">21</a>' in html
    assert "3\xa0hours ago" in html
    outbox = body["outbox"]
    assert (outbox["queued"], outbox["retrying"], outbox["failed"], outbox["sent_24h"]) == (
        84, 42, 21, 21,
    )  # fmt: skip
    assert 3 * 3600 <= outbox["oldest_queued_seconds"] < 3 * 3600 + 600


def test_in_spanish(manager, mailbox):
    _fill()
    manager.language = "es"
    manager.save()
    client = Client()
    client.force_login(manager)
    html = client.get("/mail/health/").content.decode()
    assert "Correo saliente" in html and "Reintentando" in html
    assert "Enviados en las últimas 24 horas" in html and "hace 3" in html
