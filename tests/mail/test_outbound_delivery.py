"""The outbox end to end against a real SMTP server on loopback (aiosmtpd): a change queues a
row in its own transaction, the worker delivers it, the server receives a threaded,
bilingual, two-part message; an outage delays mail and never loses or duplicates it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from atiende.core import clock
from atiende.mail.models import MessageReference, OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound.delivery import backoff, deliver_due
from atiende.tickets import actions

from ..factories import RequesterFactory, make_ticket
from .smtp_server import SmtpServer, smtp_server_fixture  # noqa: F401 - fixture


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.fixture
def requester(db):
    return RequesterFactory(email="ana@example.org", first_name="Ana", language="es")


def test_a_new_ticket_queues_its_acknowledgement_in_the_same_transaction(requester, agent):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(requester, title="Rolled back")
        assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 1
        raise RuntimeError("the change fails")
    assert OutboundMessage.objects.count() == 0
    assert MessageReference.objects.count() == 0

    ticket = make_ticket(requester)
    row = OutboundMessage.objects.get()
    assert (row.kind, row.ticket_id, row.status) == ("ack", ticket.pk, "queued")
    # Replies to it thread into the ticket even before it is sent.
    assert MessageReference.objects.filter(message_id=row.message_id, ticket=ticket).exists()


def test_the_worker_delivers_a_two_part_threaded_message_in_the_recipients_language(
    smtp_server, requester, mailbox
):
    ticket = make_ticket(requester, title="La impresora no imprime")
    result = deliver_due()
    assert (result.sent, result.failed, result.retried) == (1, 0, 0)

    (received,) = smtp_server.received
    assert received.rcpt_tos == ["ana@example.org"]
    message = received.message
    assert message["Subject"] == f"[{ticket.number}] La impresora no imprime"
    assert message["To"] == "ana@example.org"
    assert "soporte@example.com" in message["From"]
    assert message["Reply-To"] == "soporte@example.com"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    row = OutboundMessage.objects.get()
    assert message["Message-ID"] == f"<{row.message_id}>"
    text, html = _parts(message)
    assert "Hola Ana" in text and ticket.number in text  # Spanish: her language
    assert "Hemos recibido su solicitud" in text
    assert "<strong>" in html and "Hola Ana" in html
    assert "<img" not in html and "http://" not in html.split("href=")[0]
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.sent_at is not None
    assert row.to_address == "ana@example.org" and row.attempts == 1
    # A second run sends nothing more.
    assert deliver_due().sent == 0
    assert len(smtp_server.received) == 1


def test_english_for_a_user_without_a_language(smtp_server, db):
    requester = RequesterFactory(email="bob@example.org", first_name="Bob", language="")
    make_ticket(requester)
    deliver_due()
    text, _html = _parts(smtp_server.messages[0])
    assert "Hello Bob" in text and "We have received your request" in text


def test_a_reply_threads_to_the_ticket_messages(smtp_server, requester, agent, mailbox):
    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    MessageReference.objects.create(
        message_id="first@client.example.org", ticket=ticket, direction="in",
        created_at=ticket.created_at - timedelta(seconds=1),
    )  # fmt: skip
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Reinicie la **impresora**.")
    deliver_due()
    ack, reply = smtp_server.messages
    ack_id = ack["Message-ID"].strip("<>")
    assert ack["In-Reply-To"] == "<first@client.example.org>"
    assert reply["In-Reply-To"] == f"<{ack_id}>"
    assert reply["References"] == f"<first@client.example.org> <{ack_id}>"
    assert reply["Auto-Submitted"] is None  # an agent's words, relayed: not automatic
    assert reply["X-Auto-Response-Suppress"] == "All"
    text, html = _parts(reply)
    assert "Reinicie la **impresora**." in text
    assert "<strong>impresora</strong>" in html


def test_smtp_down_delays_mail_then_delivers_it_once(settings, requester):
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = server.host, server.port, 3
    settings.OUTBOX_DELIVERY = True
    settings.OUTBOX_MAX_ATTEMPTS = 2
    make_ticket(requester)
    make_ticket(requester)

    start = clock.now()
    with time_machine.travel(start, tick=False):
        result = deliver_due()  # nobody listening
    assert (result.sent, result.retried) == (0, 1)  # stops at the first outage
    rows = list(OutboundMessage.objects.order_by("id"))
    assert [r.status for r in rows] == ["queued", "queued"]
    assert rows[0].next_attempt_at == start + backoff(1) and "Connection" in rows[0].last_error

    # Still down, many attempts later: an outage never fails a message.
    for minutes in (2, 5, 10, 30):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            deliver_due()
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"queued"}
    assert OutboundMessage.objects.get(pk=rows[0].pk).attempts > settings.OUTBOX_MAX_ATTEMPTS

    server.start()
    try:
        earliest = min(OutboundMessage.objects.values_list("next_attempt_at", flat=True))
        with time_machine.travel(earliest - timedelta(seconds=1), tick=False):
            assert deliver_due().sent == 0  # not due yet: the backoff is respected
        with time_machine.travel(start + timedelta(hours=3), tick=False):
            assert deliver_due().sent == 2
            assert deliver_due().sent == 0
    finally:
        server.stop()
    assert len(server.received) == 2
    assert len({m["Message-ID"] for m in server.messages}) == 2
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_temporary_refusals_are_retried_then_failed_and_an_admin_retry_sends(
    smtp_server, settings, requester
):
    from atiende.mail.outbound.outbox import retry

    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_server.reply_code = "451 4.3.0 Try again later"
    make_ticket(requester)
    start = clock.now()
    for hours in range(4):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            deliver_due()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.FAILED and row.attempts == 3
    assert "451" in row.last_error
    assert smtp_server.received == []

    smtp_server.reply_code = ""
    assert retry([row.pk]) == 1
    assert deliver_due().sent == 1
    assert len(smtp_server.received) == 1


def test_a_permanent_refusal_fails_at_once(smtp_server, requester):
    smtp_server.reply_code = "554 5.7.1 Rejected"
    make_ticket(requester)
    result = deliver_due()
    assert result.failed == 1
    assert OutboundMessage.objects.get().status == OutboundStatus.FAILED


def test_a_crashed_delivery_is_picked_up_when_its_lease_ends(smtp_server, requester):
    from atiende.mail.outbound.delivery import claim_one, lease_seconds

    make_ticket(requester)
    start = clock.now()
    with time_machine.travel(start, tick=False):
        assert claim_one(start) is not None  # a worker claims it, then dies
        assert deliver_due().sent == 0  # leased: nobody else touches it
    with time_machine.travel(start + timedelta(seconds=lease_seconds() + 1), tick=False):
        assert deliver_due().sent == 1
    assert len(smtp_server.received) == 1


def test_without_smtp_configured_mail_waits_in_the_outbox(settings, requester):
    from atiende.mail.outbound.outbox import health

    settings.OUTBOX_DELIVERY = False
    make_ticket(requester)
    result = deliver_due()
    assert not result.configured and result.sent == 0
    assert OutboundMessage.objects.get().status == OutboundStatus.QUEUED
    assert health() | {"oldest_queued_at": None, "oldest_queued_seconds": None} == {
        "delivery_configured": False, "queued": 1, "failed": 0, "oldest_queued_at": None,
        "oldest_queued_seconds": None, "sending": 0, "retrying": 0, "next_retry_at": None,
        "sent_24h": 0,
    }  # fmt: skip


def test_the_periodic_job_runs_the_delivery(smtp_server, requester):
    from atiende.celery import app
    from atiende.core.background import PERIODIC_JOBS

    assert "atiende.mail.deliver" in {job.task for job in PERIODIC_JOBS}
    make_ticket(requester)
    assert app.tasks["atiende.mail.deliver"]()["sent"] == 1
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_the_embedded_runner_runs_the_delivery_in_process(smtp_server):
    from atiende.core.background import embedded_runner

    requester = RequesterFactory(email="ana@example.org")
    runner = embedded_runner()  # what `atiende run` starts: the same task, in-process
    assert "atiende.mail.deliver" in {job.task for job in runner.jobs}
    make_ticket(requester)
    runner._run_job("atiende.mail.deliver")
    assert len(smtp_server.received) == 1


def test_old_sent_mail_is_purged_but_its_reference_stays(smtp_server, requester, settings):
    settings.OUTBOX_KEEP_DAYS = 30
    make_ticket(requester)
    deliver_due()
    row = OutboundMessage.objects.get()
    OutboundMessage.objects.filter(pk=row.pk).update(created_at=clock.now() - timedelta(days=31))
    make_ticket(requester)  # recent: kept
    result = deliver_due()
    assert (result.sent, result.purged) == (1, 1)
    assert not OutboundMessage.objects.filter(pk=row.pk).exists()
    assert OutboundMessage.objects.count() == 1
    assert MessageReference.objects.filter(message_id=row.message_id).exists()
