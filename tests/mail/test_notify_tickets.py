"""Who is mailed on which ticket event, and what they receive: the reply (never an internal
note), the resolution with its confirm/reopen links, in the recipient's language."""

from __future__ import annotations

import re

import pytest

from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound.delivery import deliver_due
from atiende.mail.outbound.links import read_token
from atiende.tickets import actions
from atiende.tickets.models import ResolutionCode

from ..factories import RequesterFactory, make_ticket
from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def requester(db):
    return RequesterFactory(email="ana@example.org", first_name="Ana", language="es")


@pytest.fixture
def ticket(requester, agent):
    return make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)


def _kinds() -> list[str]:
    return list(OutboundMessage.objects.order_by("id").values_list("kind", flat=True))


def test_an_internal_note_never_reaches_the_requester(smtp_server, ticket, agent):
    secret = "The admin password is hunter2"
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body=secret, public=False)
    assert _kinds() == [OutboundKind.ACKNOWLEDGEMENT]  # nothing queued for the note
    deliver_due()
    assert len(smtp_server.received) == 1
    assert all(secret not in r.raw.decode("utf-8", "replace") for r in smtp_server.received)


def test_a_row_pointing_at_a_note_is_refused_at_delivery(smtp_server, ticket, agent):
    from atiende.mail.outbound import outbox

    note = actions.comment_add(actor=agent, ticket_id=ticket.pk, body="internal", public=False)
    row = outbox.queue(
        kind=OutboundKind.REPLY, ticket_id=ticket.pk, recipient_id=ticket.requester_id,
        event_id=note.pk,
    )  # fmt: skip
    deliver_due()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SUPPRESSED and "not a public reply" in row.last_error
    assert all(b"internal" not in r.raw for r in smtp_server.received)


def test_a_public_reply_is_mailed_to_the_requester_with_its_attachments(
    smtp_server, ticket, agent, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SITE_URL = "https://desk.example.com"
    upload = SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain")
    event = actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body="Vea el registro adjunto.", attachments=[upload]
    )
    assert _kinds() == ["ack", "reply"]
    deliver_due()
    reply = smtp_server.messages[1]
    assert reply["To"] == "ana@example.org"
    text = _text(reply)
    assert f"{agent.first_name} escribió:" in text  # a requester's view: first name only
    assert agent.last_name not in text
    assert "Vea el registro adjunto." in text
    attachment = event.attachments.get()
    assert f"https://desk.example.com/attachments/{attachment.pk}/" in text
    assert f'href="https://desk.example.com/attachments/{attachment.pk}/"' in _html(reply)
    assert f"https://desk.example.com/portal/tickets/{ticket.number}/" in text


def test_the_requesters_own_reply_is_not_mailed_back(ticket, requester):
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Still broken")
    assert _kinds() == ["ack"]


def test_earlier_replies_are_quoted_below_a_reply(smtp_server, ticket, agent, requester):
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Sigue sin imprimir.")
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Voy para allá.")
    deliver_due()
    text = _text(smtp_server.messages[-1])
    assert "Voy para allá." in text
    assert "Anteriormente en este ticket" in text and "> Sigue sin imprimir." in text


def test_resolution_carries_the_notes_and_the_confirm_and_reopen_links(
    smtp_server, ticket, agent, settings
):
    settings.SITE_URL = "https://desk.example.com/"
    code, _created = ResolutionCode.objects.get_or_create(
        code="solved", defaults={"name_en": "Solved", "name_es": "Solucionado"}
    )
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
        resolution_notes="Cambiamos el *tóner*.",
    )  # fmt: skip
    assert _kinds() == ["ack", "resolution"]
    deliver_due()
    mail = smtp_server.messages[1]
    assert mail["Subject"] == f"[{ticket.number}] Resuelto: {ticket.title}"
    assert mail["Auto-Submitted"] == "auto-generated"
    text, html = _text(mail), _html(mail)
    assert "Cambiamos el *tóner*." in text and "<em>tóner</em>" in html
    assert f"Resultado: {code.name_es}" in text  # the outcome in her language
    # One-click signed links (mail.links), not the portal page.
    links = re.findall(r"https://desk\.example\.com/mail/resolution/([^/\s]+)/", text)
    assert len(links) == 2
    assert (
        f"Sí, está solucionado (cerrar): https://desk.example.com/mail/resolution/{links[0]}/"
        in text
    )
    assert (
        f"No, sigue fallando (reabrir): https://desk.example.com/mail/resolution/{links[1]}/"
        in text
    )
    assert all(f'href="https://desk.example.com/mail/resolution/{t}/"' in html for t in links)
    assert [read_token(t).action for t in links] == ["confirm", "reopen"]
    assert "Puede reabrirlo en un plazo de" in text


def test_other_transitions_send_nothing(ticket, agent):
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="in_progress")
    assert _kinds() == ["ack"]


def test_an_inactive_or_addressless_recipient_is_not_mailed(smtp_server, db):
    quiet = RequesterFactory(email="")
    make_ticket(quiet)
    result = deliver_due()
    assert (result.sent, result.suppressed) == (0, 1)
    row = OutboundMessage.objects.get()
    assert row.status == OutboundStatus.SUPPRESSED and "no e-mail address" in row.last_error


def test_queueing_costs_at_most_two_statements_per_ticket(requester, django_assert_max_num_queries):
    from atiende.mail.models import MessageReference
    from atiende.mail.outbound.notify import acknowledge
    from atiende.tickets.events import TicketCreated

    ticket = make_ticket(requester)
    # The row and its Message-ID reference (one statement on PostgreSQL).
    with django_assert_max_num_queries(2):
        acknowledge(TicketCreated(ticket_id=ticket.pk, actor_id=requester.pk, ticket=ticket))
    row = OutboundMessage.objects.order_by("id").last()
    assert MessageReference.objects.get(message_id=row.message_id).ticket_id == ticket.pk


def test_a_comment_given_with_a_transition_reaches_the_requester(smtp_server, ticket, agent):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="pending", pending_reason="requester",
        comment="Envíenos el registro, por favor.",
    )  # fmt: skip
    assert _kinds() == ["ack", "reply"]
    deliver_due()
    assert "Envíenos el registro, por favor." in _text(smtp_server.messages[1])


def test_an_internal_transition_without_comment_or_by_the_requester_sends_no_reply(
    ticket, agent, requester
):
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="in_progress")
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="note", public=False)
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                              pending_reason="third_party")  # fmt: skip
    assert _kinds() == ["ack"]


def test_the_comment_given_when_resolving_is_part_of_the_resolution_mail(
    smtp_server, ticket, agent
):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
        resolution_notes="Tóner cambiado.", comment="Gracias por su paciencia.",
    )  # fmt: skip
    assert _kinds() == ["ack", "resolution"]
    deliver_due()
    text = _text(smtp_server.messages[1])
    assert "Gracias por su paciencia." in text and "Tóner cambiado." in text


def test_an_agent_opening_a_ticket_for_themselves_gets_no_acknowledgement(smtp_server, agent):
    make_ticket(agent, actor=agent)
    result = deliver_due()
    assert (result.sent, result.suppressed) == (0, 1)
    assert "opened by themselves" in OutboundMessage.objects.get().last_error


def test_nothing_is_mailed_to_someone_who_turned_e_mail_off(smtp_server, ticket, agent):
    requester = ticket.requester
    requester.email_notifications = False
    requester.save(update_fields=["email_notifications"])
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Ya está arreglado.")
    deliver_due()
    assert smtp_server.received == []
    reasons = set(OutboundMessage.objects.values_list("status", "last_error"))
    assert reasons == {(OutboundStatus.SUPPRESSED, "the recipient turned e-mail notifications off")}
