"""Splitting a reply into a new ticket: the reply's text and files open a new ticket for its
author (a requester) in the same team, linked to the original; only replies and notes of
that ticket; agents only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from atiende.core.errors import Forbidden, ValidationFailed
from atiende.tickets import actions, selectors
from atiende.tickets.models import Attachment, EventType, Ticket, TicketEvent

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket


@pytest.fixture
def thread(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    upload = SimpleUploadedFile("vpn.log", b"log", content_type="text/plain")
    reply = actions.comment_add(
        actor=requester, ticket_id=ticket.pk, body="Also the VPN drops\nevery hour.",
        attachments=[upload],
    )  # fmt: skip
    return ticket, reply


def test_a_reply_becomes_a_new_ticket(agent, requester, thread):
    ticket, reply = thread
    new = actions.ticket_split(actor=agent, ticket_id=ticket.pk, event_id=reply.pk)
    assert (new.title, new.description) == ("Also the VPN drops", reply.body)
    assert (new.requester, new.team_id, new.kind) == (requester, ticket.team_id, ticket.kind)
    assert [a.filename for a in Attachment.objects.filter(ticket=new)] == ["vpn.log"]
    assert [link.ticket for link in selectors.links_of(agent, new)] == [ticket]
    # The reply stays where it was said, and the original says where it went.
    assert TicketEvent.objects.filter(pk=reply.pk, ticket=ticket).exists()
    assert TicketEvent.objects.filter(
        ticket=ticket, type=EventType.NOTE, body__contains=new.number
    ).exists()


def test_only_this_tickets_replies_and_only_agents(agent, requester, thread):
    ticket, reply = thread
    other = make_ticket(requester)
    created = TicketEvent.objects.get(ticket=ticket, type=EventType.CREATED)
    count = Ticket.objects.count()
    for event_id in (created.pk, 10**6):
        with pytest.raises(ValidationFailed):
            actions.ticket_split(actor=agent, ticket_id=ticket.pk, event_id=event_id)
    with pytest.raises(ValidationFailed):
        actions.ticket_split(actor=agent, ticket_id=other.pk, event_id=reply.pk)
    with pytest.raises(Forbidden):
        actions.ticket_split(actor=requester, ticket_id=ticket.pk, event_id=reply.pk)
    assert Ticket.objects.count() == count


def test_split_over_the_api_and_the_desk(agent, thread):
    ticket, reply = thread
    assert_error(ApiClient(agent).post(f"/tickets/{ticket.pk}/split", {"event_id": 0}), 422)
    answer = ApiClient(agent).post(
        f"/tickets/{ticket.number}/split", {"event_id": reply.pk, "title": "VPN drops"}
    )
    assert answer.status_code == 201 and answer.json()["title"] == "VPN drops"
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    url = reverse("desk:ticket_split", args=[ticket.number, reply.pk])
    assert url in page
    response = client.post(url)
    assert response.status_code == 302
    assert Ticket.objects.filter(title="Also the VPN drops").exists()
