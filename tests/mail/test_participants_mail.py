"""People in copy by mail: public replies and resolutions reach them (internal notes never),
the Cc of incoming mail puts people in copy, and their replies land on the ticket."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import deliver_due
from atiende.tickets import actions
from atiende.tickets.models import Status, Ticket, TicketEvent, TicketFollower, TicketParticipant

from ..factories import AgentFactory, RequesterFactory, make_ticket
from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(db):
    return RequesterFactory(email="ana@example.org", first_name="Ana")


@pytest.fixture
def ticket(requester, agent):
    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    colleague = RequesterFactory(email="luis@example.org", organization=requester.organization)
    actions.participant_add(actor=agent, ticket_id=ticket.pk, email=colleague.email)
    actions.participant_add(actor=agent, ticket_id=ticket.pk, email="vendor@partner.com")
    return ticket


def _sent_to(smtp_server) -> list[str]:
    return sorted(to for r in smtp_server.received for to in r.rcpt_tos)


def test_a_public_reply_reaches_everyone_in_copy_an_internal_note_nobody(
    smtp_server, ticket, agent
):
    OutboundMessage.objects.all().delete()  # the acknowledgement
    secret = "The admin password is hunter2"
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body=secret, public=False)
    assert not OutboundMessage.objects.exists()  # nothing queued for the note
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="We are on it.")
    deliver_due()
    assert _sent_to(smtp_server) == ["ana@example.org", "luis@example.org", "vendor@partner.com"]
    for received in smtp_server.received:
        raw = received.raw.decode("utf-8", "replace")
        assert "We are on it." in raw and secret not in raw


def test_the_requesters_reply_reaches_the_people_in_copy_not_themselves(
    smtp_server, ticket, requester
):
    OutboundMessage.objects.all().delete()
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Still broken")
    deliver_due()
    assert _sent_to(smtp_server) == ["luis@example.org", "vendor@partner.com"]


def test_the_resolution_reaches_the_people_in_copy_without_the_requesters_links(
    smtp_server, ticket, agent
):
    OutboundMessage.objects.all().delete()
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Replaced the toner.",
    )  # fmt: skip
    assert OutboundMessage.objects.filter(kind=OutboundKind.RESOLUTION).count() == 3
    deliver_due()
    by_address = {r.rcpt_tos[0]: r.raw.decode("utf-8", "replace") for r in smtp_server.received}
    assert set(by_address) == {"ana@example.org", "luis@example.org", "vendor@partner.com"}
    assert "/mail/r/" in by_address["ana@example.org"] or "reopen" in by_address["ana@example.org"]
    for address in ("luis@example.org", "vendor@partner.com"):
        assert "Replaced the toner." in by_address[address]
        assert by_address[address].count("http") < by_address["ana@example.org"].count("http")


def _participants(ticket) -> list[str]:
    return sorted(TicketParticipant.objects.filter(ticket=ticket).values_list("email", flat=True))


def test_the_cc_of_a_new_ticket_are_put_in_copy_our_own_and_machines_never(mailbox, mail, agent):
    AgentFactory(email="outsider-agent@example.com")  # may not see the ticket (no team)
    headers = {
        "Cc": "Luis <LUIS@example.org>, soporte@example.com, noreply@example.org, "
        "agent@example.org, outsider-agent@example.com",
    }
    agent.email = "agent@example.org"
    agent.save()
    raw = mail(headers=headers).replace(
        b"To: soporte@example.com", b"To: soporte@example.com, jefa@example.org", 1
    )  # another To than ours: in copy too
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.CREATED
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert _participants(ticket) == ["jefa@example.org", "luis@example.org"]
    # An agent who may see the ticket follows it instead; one who may not is left out.
    assert list(TicketFollower.objects.filter(ticket=ticket).values_list("user_id", flat=True)) == [
        agent.pk
    ]


def test_automatic_mail_puts_nobody_in_copy(mailbox, mail):
    headers = {"Cc": "luis@example.org", "Auto-Submitted": "auto-generated"}
    result = receive(mail(headers=headers), mailbox=mailbox)
    assert _participants(Ticket.objects.get(pk=result.ticket_id)) == []


@pytest.mark.parametrize("policy", ["refuse", "create"])
def test_a_reply_from_someone_in_copy_lands_on_the_ticket(mailbox, mail, policy, requester):
    mailbox.unknown_sender = policy
    mailbox.save()
    first = receive(
        mail(message_id="<a@x.org>", headers={"Cc": "vendor@partner.com"}), mailbox=mailbox
    )
    reply = receive(
        mail(sender="vendor@partner.com", name="Vendor", in_reply_to="<a@x.org>",
             body="Part shipped today."),
        mailbox=mailbox,
    )  # fmt: skip
    assert reply.outcome == Outcome.COMMENTED and reply.ticket_id == first.ticket_id
    comment = TicketEvent.objects.filter(ticket_id=first.ticket_id, type="comment").last()
    assert comment.public and "Part shipped today." in comment.body
    assert "vendor@partner.com" in comment.body  # named: the system account wrote it
    # By the number in the subject too; and someone not in copy still cannot.
    number = Ticket.objects.get(pk=first.ticket_id).number
    again = receive(mail(sender="vendor@partner.com", subject=f"RE: [{number}] x"), mailbox=mailbox)
    assert again.ticket_id == first.ticket_id
    stranger = receive(mail(sender="eve@evil.example", subject=f"[{number}] x"), mailbox=mailbox)
    assert stranger.ticket_id != first.ticket_id


def test_someone_in_copy_of_one_ticket_is_refused_on_another(mailbox, mail, requester):
    mailbox.unknown_sender = "refuse"
    mailbox.save()
    receive(mail(message_id="<a@x.org>", headers={"Cc": "vendor@partner.com"}), mailbox=mailbox)
    receive(mail(message_id="<b@x.org>", subject="Otro"), mailbox=mailbox)
    reply = receive(mail(sender="vendor@partner.com", in_reply_to="<b@x.org>"), mailbox=mailbox)
    assert reply.outcome == Outcome.REJECTED
