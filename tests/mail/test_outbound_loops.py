"""Loop safety of automatic mail: a ticket opened by mail is acknowledged in its thread, but
never when the message was automatic; automatic replies to one address are rate-limited;
notices are never sent to machines, to ourselves, or in answer to automatic mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from atiende.core import clock
from atiende.mail.inbound import intake
from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound import outbox
from atiende.mail.outbound.delivery import deliver_due
from atiende.mail.outbound.outbox import NoticeReason

from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture


def test_a_ticket_opened_by_mail_is_acknowledged_in_its_thread(smtp_server, mailbox, mail):
    raw = mail(message_id="<first@client.example.org>", subject="No funciona la VPN")
    result = intake.receive(raw, mailbox=mailbox)
    assert result.outcome == intake.Outcome.CREATED
    deliver_due()
    (ack,) = smtp_server.messages
    assert ack["To"] == "ana@example.org"
    assert ack["In-Reply-To"] == "<first@client.example.org>"
    assert ack["References"] == "<first@client.example.org>"
    assert ack["Reply-To"] == "soporte@example.com"
    assert "No funciona la VPN" in ack["Subject"] and ack["Subject"].startswith("[INC-")
    assert ack["Auto-Submitted"] == "auto-replied"

    # The requester answers the acknowledgement: it joins the same ticket.
    answer = mail(
        message_id="<second@client.example.org>", subject=f"Re: {ack['Subject']}",
        in_reply_to=ack["Message-ID"], references=ack["Message-ID"],
    )  # fmt: skip
    assert intake.receive(answer, mailbox=mailbox).outcome == intake.Outcome.COMMENTED


@pytest.mark.parametrize(
    "headers",
    [{"Precedence": "bulk"}, {"List-Id": "<alerts.monitoring.example.org>"},
     {"X-Auto-Response-Suppress": "All"}],
)  # fmt: skip
def test_an_automatic_message_that_opens_a_ticket_gets_no_acknowledgement(
    smtp_server, mailbox, mail, headers
):
    raw = mail(sender="alerts@monitoring.example.org", subject="Disk full", headers=headers)
    assert intake.receive(raw, mailbox=mailbox).outcome == intake.Outcome.CREATED
    assert OutboundMessage.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).exists()
    result = deliver_due()
    assert (result.sent, result.suppressed) == (0, 1)
    row = OutboundMessage.objects.get(kind=OutboundKind.ACKNOWLEDGEMENT)
    assert row.status == OutboundStatus.SUPPRESSED and "automatic" in row.last_error
    assert smtp_server.received == []


def test_automatic_replies_to_one_address_are_rate_limited(smtp_server, settings, mailbox, mail):
    settings.MAIL_AUTO_PER_HOUR = 3
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            intake.receive(mail(subject=f"Problema {n}"), mailbox=mailbox)
        result = deliver_due()
    assert (result.sent, result.suppressed) == (3, 2)
    assert len(smtp_server.received) == 3
    suppressed = OutboundMessage.objects.filter(status=OutboundStatus.SUPPRESSED)
    assert all("rate limit" in row.last_error for row in suppressed)
    # An hour later the address may be answered again.
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        intake.receive(mail(subject="Otro problema"), mailbox=mailbox)
        assert deliver_due().sent == 1


def test_replies_by_agents_are_not_rate_limited(smtp_server, settings, agent):
    from atiende.tickets import actions

    from ..factories import RequesterFactory, make_ticket

    settings.MAIL_AUTO_PER_HOUR = 1
    requester = RequesterFactory(email="ana@example.org")
    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    for n in range(3):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body=f"Reply {n}")
    result = deliver_due()
    assert (result.sent, result.suppressed) == (4, 0)  # one acknowledgement, three replies


@pytest.mark.parametrize(
    "address",
    ["MAILER-DAEMON@example.org", "postmaster@example.org", "no-reply@shop.example",
     "owner-list@lists.example.org", "soporte@example.com", "atiende@localhost",
     "bad address@example.org", "a@b.org\r\nBcc: victim@example.org", ""],
)  # fmt: skip
def test_notices_never_go_to_machines_ourselves_or_broken_addresses(mailbox, address):
    notice = outbox.queue_notice(
        to_address=address, reason=NoticeReason.UNKNOWN_SENDER, auto_generated=False
    )
    assert notice is None
    assert not OutboundMessage.objects.exists()


def test_no_notice_in_answer_to_automatic_mail(mailbox):
    assert (
        outbox.queue_notice(
            to_address="ana@example.org", reason=NoticeReason.TOO_LARGE, auto_generated=True
        )
        is None
    )


def test_a_notice_threads_to_the_refused_message_in_the_senders_language(
    smtp_server, mailbox, settings
):
    settings.LANGUAGE_CODE = "es"
    notice = outbox.queue_notice(
        to_address="Stranger@Example.org",
        reason=NoticeReason.TOO_LARGE,
        auto_generated=False,
        original_subject="Fotos\r\nBcc: victim@example.org",
        original_message_id="<big@client.example.org>",
        mailbox_id=mailbox.pk,
        size=50 * 1024 * 1024,
        limit=40 * 1024 * 1024,
    )
    assert notice is not None
    deliver_due()
    (message,) = smtp_server.messages
    assert smtp_server.received[0].rcpt_tos == ["Stranger@Example.org"]
    assert message["In-Reply-To"] == "<big@client.example.org>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Bcc"] is None
    assert message["Subject"] == "No hemos podido aceptar su mensaje: Fotos Bcc: victim@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "demasiado grande (50,0\xa0MB; el límite es 40,0\xa0MB)" in text
    notice.refresh_from_db()
    assert notice.to_address == "stranger@example.org"  # normalised for the rate limit


def test_our_own_mail_coming_back_is_recognised_and_not_answered(smtp_server, mailbox, mail):
    intake.receive(mail(subject="Sin red"), mailbox=mailbox)
    deliver_due()
    (ack,) = smtp_server.received
    # The acknowledgement lands in the mailbox itself (a forwarding loop, a Cc to the desk).
    result = intake.receive(ack.raw, mailbox=mailbox)
    assert result.outcome == intake.Outcome.IGNORED
    assert OutboundMessage.objects.count() == 1  # nothing new queued
