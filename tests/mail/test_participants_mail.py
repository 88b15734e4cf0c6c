"""People in copy by mail: public replies and resolutions reach them (internal notes never),
the Cc of incoming mail puts people in copy, and their replies land on the ticket."""

from __future__ import annotations

import pytest

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import deliver_due
from atiende.tickets import actions
from atiende.tickets.models import Status

from ..factories import RequesterFactory, make_ticket
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
