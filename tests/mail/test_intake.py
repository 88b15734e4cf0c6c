"""Intake of one message: a new ticket, a reply threaded by references or by the number in
the subject, reopen within the period, follow-up ticket after it, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from atiende.accounts.models import User
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage, InboundStatus, MessageReference
from atiende.tickets.models import Channel, EventType, Status, Ticket, TicketLink

from ..factories import RequesterFactory
from ..tickets.conftest import resolve

pytestmark = pytest.mark.django_db


def test_a_new_thread_opens_a_ticket_with_the_mailbox_settings(mailbox, mail, team):
    result = receive(mail(message_id="<first@client.example.org>"), mailbox=mailbox)

    assert result.outcome == Outcome.CREATED
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert ticket.title == "La impresora no imprime"
    assert ticket.description == "Desde esta mañana no sale nada."
    assert ticket.channel == Channel.EMAIL
    assert ticket.team == team
    assert ticket.requester.email == "ana@example.org"
    assert ticket.requester.get_full_name() == "Ana Pérez"
    row = InboundMessage.objects.get()
    assert row.status == InboundStatus.PROCESSED and row.ticket == ticket
    assert bytes(row.raw).startswith(b"From:") or b"From:" in bytes(row.raw)
    assert MessageReference.objects.filter(
        message_id="first@client.example.org", ticket=ticket
    ).exists()


def test_known_requester_is_matched_by_address_case_insensitively(mailbox, mail, requester):
    result = receive(mail(sender=requester.email.upper()), mailbox=mailbox)
    assert Ticket.objects.get(pk=result.ticket_id).requester == requester
    assert User.objects.filter(email__iexact=requester.email).count() == 1


def test_a_reply_joins_its_ticket_by_in_reply_to(mailbox, mail):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    reply = receive(
        mail(subject="Re: La impresora", body="Sigue igual.", message_id="<b@x.org>",
             in_reply_to="<a@x.org>", references="<a@x.org>"),
        mailbox=mailbox,
    )  # fmt: skip
    assert reply.outcome == Outcome.COMMENTED and reply.ticket_id == first.ticket_id
    comment = Ticket.objects.get(pk=first.ticket_id).events.get(type=EventType.COMMENT)
    assert comment.body == "Sigue igual." and comment.public
    assert comment.actor.email == "ana@example.org"


def test_a_reply_to_an_outgoing_message_joins_by_references(mailbox, mail):
    first = receive(mail(), mailbox=mailbox)
    MessageReference.objects.create(
        message_id="out-1@atiende.example", ticket_id=first.ticket_id, direction="out",
        created_at=timezone.now(),
    )  # fmt: skip
    reply = receive(
        mail(subject="Re: algo distinto", references="<zzz@elsewhere> <out-1@atiende.example>"),
        mailbox=mailbox,
    )
    assert reply.outcome == Outcome.COMMENTED and reply.ticket_id == first.ticket_id


def test_the_ticket_number_in_the_subject_threads_for_its_requester(mailbox, mail):
    first = receive(mail(), mailbox=mailbox)
    number = Ticket.objects.get(pk=first.ticket_id).number
    reply = receive(mail(subject=f"RE: [{number}] La impresora"), mailbox=mailbox)
    assert reply.outcome == Outcome.COMMENTED and reply.ticket_id == first.ticket_id


def test_a_stranger_cannot_post_to_a_ticket_by_guessing_its_number(mailbox, mail):
    first = receive(mail(), mailbox=mailbox)
    number = Ticket.objects.get(pk=first.ticket_id).number
    other = receive(mail(sender="eve@evil.example", subject=f"[{number}] hola"), mailbox=mailbox)
    assert other.outcome == Outcome.CREATED and other.ticket_id != first.ticket_id
    assert not Ticket.objects.get(pk=first.ticket_id).events.filter(type="comment").exists()


def test_a_cc_participant_reply_is_kept_under_their_name(mailbox, mail):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    reply = receive(
        mail(sender="boss@example.org", name="Jefa", in_reply_to="<a@x.org>", body="Urge."),
        mailbox=mailbox,
    )
    assert reply.outcome == Outcome.COMMENTED
    comment = Ticket.objects.get(pk=first.ticket_id).events.get(type=EventType.COMMENT)
    assert comment.public and "Jefa <boss@example.org>" in comment.body and "Urge." in comment.body


def test_reply_to_a_resolved_ticket_within_the_period_reopens_it(mailbox, mail, agent):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    resolve(agent, Ticket.objects.get(pk=first.ticket_id))
    reply = receive(mail(in_reply_to="<a@x.org>", body="No, sigue sin imprimir."), mailbox=mailbox)
    assert reply.outcome == Outcome.REOPENED
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.status == Status.NEW and ticket.resolved_at is None
    assert ticket.events.filter(type=EventType.COMMENT, body="No, sigue sin imprimir.").exists()


def test_reply_after_the_reopen_period_opens_a_linked_follow_up(mailbox, mail, agent):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    resolve(agent, Ticket.objects.get(pk=first.ticket_id))
    later = time_machine.travel(timezone.now() + timedelta(days=30))
    later.start()
    reply = receive(
        mail(subject="Re: La impresora", in_reply_to="<a@x.org>", message_id="<b@x.org>"),
        mailbox=mailbox,
    )
    assert reply.outcome == Outcome.FOLLOW_UP and reply.ticket_id != first.ticket_id
    link = TicketLink.objects.get()
    assert (link.from_ticket_id, link.to_ticket_id) == (reply.ticket_id, first.ticket_id)
    assert link.link_type == "follow_up_of"
    assert Ticket.objects.get(pk=first.ticket_id).status == Status.RESOLVED
    assert Ticket.objects.get(pk=reply.ticket_id).title == "La impresora"
    # The next reply in the thread (References nearest last) joins the follow-up.
    again = receive(
        mail(in_reply_to="<b@x.org>", references="<a@x.org> <b@x.org>"), mailbox=mailbox
    )
    # A later reply to the old thread only (the old acknowledgement) joins that follow-up too.
    third = receive(mail(in_reply_to="<a@x.org>", body="Otra vez."), mailbox=mailbox)
    later.stop()
    assert again.outcome == Outcome.COMMENTED and again.ticket_id == reply.ticket_id
    assert third.outcome == Outcome.COMMENTED and third.ticket_id == reply.ticket_id
    assert TicketLink.objects.count() == 1


def test_the_same_message_twice_is_processed_once(mailbox, mail):
    raw = mail(message_id="<once@x.org>")
    assert receive(raw, mailbox=mailbox).outcome == Outcome.CREATED
    assert receive(raw, mailbox=mailbox).outcome == Outcome.DUPLICATE
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_processed_once(mailbox, mail):
    raw = mail(message_id=None)
    first = receive(raw, mailbox=mailbox)
    assert first.outcome == Outcome.CREATED
    assert InboundMessage.objects.get().message_id.endswith("@synthetic.atiende.invalid")
    assert receive(raw, mailbox=mailbox).outcome == Outcome.DUPLICATE
    assert Ticket.objects.count() == 1


def test_unknown_sender_refused_by_policy_creates_nothing(mailbox, mail):
    mailbox.unknown_sender = "refuse"
    mailbox.save()
    result = receive(mail(sender="nobody@example.net"), mailbox=mailbox)
    assert result.outcome == Outcome.REJECTED
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="nobody@example.net").exists()
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED


def test_bounces_and_our_own_mail_are_ignored(mailbox, mail, settings):
    settings.MAIL_DOMAIN = "atiende.example"
    own = receive(mail(message_id="<n1@atiende.example>"), mailbox=mailbox)
    daemon = receive(mail(sender="MAILER-DAEMON@mx.example.org", name=""), mailbox=mailbox)
    assert own.outcome == daemon.outcome == Outcome.IGNORED
    assert not Ticket.objects.exists()


def test_vacation_reply_joins_the_ticket_but_never_opens_one(mailbox, mail):
    first = receive(mail(message_id="<a@x.org>"), mailbox=mailbox)
    auto = {"Auto-Submitted": "auto-replied"}
    threaded = receive(mail(in_reply_to="<a@x.org>", headers=auto), mailbox=mailbox)
    alone = receive(mail(subject="Fuera de la oficina", headers=auto), mailbox=mailbox)
    assert threaded.outcome == Outcome.COMMENTED and threaded.ticket_id == first.ticket_id
    assert alone.outcome == Outcome.IGNORED
    assert InboundMessage.objects.get(pk=threaded.message_id).auto_generated


@pytest.mark.parametrize(
    "headers",
    [{"Auto-Submitted": "auto-generated"}, {"Precedence": "bulk"}, {"List-Id": "<it.example.org>"}],
)
def test_alerts_and_list_mail_open_tickets_marked_automatic(mailbox, mail, headers):
    result = receive(mail(sender="nagios@example.org", headers=headers), mailbox=mailbox)
    assert result.outcome == Outcome.CREATED
    assert InboundMessage.objects.get().auto_generated is True


def test_attachments_are_stored_on_the_ticket(mailbox, mail):
    result = receive(
        mail(attachments=[("informe.pdf", "application/pdf", b"%PDF-1.4 data")]), mailbox=mailbox
    )
    ticket = Ticket.objects.get(pk=result.ticket_id)
    (attachment,) = ticket.attachments.all()
    assert attachment.filename == "informe.pdf" and attachment.public
    assert attachment.file.read() == b"%PDF-1.4 data"


def test_an_attachment_over_the_limit_is_named_not_stored(mailbox, mail, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    result = receive(
        mail(attachments=[("big.bin", "application/octet-stream", b"x" * 100)]), mailbox=mailbox
    )
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert not ticket.attachments.exists()
    assert "big.bin" in ticket.description


def test_a_failure_keeps_the_raw_message_and_writes_no_ticket(mailbox, mail, monkeypatch):
    from atiende.mail.inbound import intake

    raw = mail(message_id="<fail@x.org>")
    original = intake.ticket_actions.ticket_create

    def create_then_fail(**kwargs):
        original(**kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake.ticket_actions, "ticket_create", create_then_fail)
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.FAILED and "disk on fire" in result.error
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="ana@example.org").exists()
    row = InboundMessage.objects.get()
    assert row.status == InboundStatus.FAILED and bytes(row.raw) == raw and row.ticket is None


def test_a_message_without_sender_fails_with_a_clear_error(mailbox):
    raw = b"To: soporte@example.com\r\nSubject: hola\r\nMessage-ID: <nf@x>\r\n\r\nTexto\r\n"
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.FAILED
    row = InboundMessage.objects.get()
    assert row.error_code == "no_sender" and "sender" in row.error_message


def test_oversized_message_keeps_headers_and_is_marked(mailbox, mail):
    mailbox.max_message_bytes = 2000
    mailbox.save()
    raw = mail(body="x" * 5000, message_id="<big@x.org>")
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.TOO_LARGE
    row = InboundMessage.objects.get()
    assert row.status == InboundStatus.TOO_LARGE and row.message_id == "big@x.org"
    assert row.from_address == "ana@example.org" and row.size == len(raw)
    assert len(bytes(row.raw)) < 2000
    assert not Ticket.objects.exists()
    assert receive(raw, mailbox=mailbox).outcome == Outcome.DUPLICATE


def test_unparseable_input_is_kept_as_failed(mailbox):
    result = receive(b"   \r\n  ", mailbox=mailbox)
    assert result.outcome == Outcome.UNPARSEABLE
    row = InboundMessage.objects.get()
    assert row.status == InboundStatus.FAILED and row.error


def test_inactive_sender_is_refused(mailbox, mail):
    RequesterFactory(email="gone@example.org", is_active=False)
    result = receive(mail(sender="gone@example.org"), mailbox=mailbox)
    assert result.outcome == Outcome.REJECTED and not Ticket.objects.exists()


def test_refusal_and_oversize_notices_go_through_the_outbox(mailbox, mail):
    from atiende.mail.models import OutboundMessage

    mailbox.unknown_sender = "refuse"
    mailbox.max_message_bytes = 3000
    mailbox.save()
    receive(mail(sender="nobody@example.net", subject="Hola"), mailbox=mailbox)
    receive(mail(sender="big@example.net", body="x" * 5000), mailbox=mailbox)
    # Automatic mail is never answered, even with a notice.
    receive(mail(sender="bot@example.net", headers={"Auto-Submitted": "auto-generated"}),
            mailbox=mailbox)  # fmt: skip
    notices = {m.to_address: m.params["reason"] for m in OutboundMessage.objects.all()}
    assert notices == {"nobody@example.net": "unknown_sender", "big@example.net": "too_large"}
