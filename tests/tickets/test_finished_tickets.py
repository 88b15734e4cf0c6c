"""A requester's message never lands on a ticket no queue shows: on a resolved ticket within
the reopen period it reopens it; on a ticket resolved longer ago, closed or cancelled it opens
a follow-up ticket linked to the old one (portal and API alike; mail in
tests/mail/test_reply_to_finished.py); the portal hides the form on a finished ticket and
offers a new ticket prefilled with a reference. Agents still write on finished tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.core import clock
from atiende.notifications.models import Notification
from atiende.tickets import actions, workflow
from atiende.tickets.models import EventType, Status, Ticket

from ..api.conftest import ApiClient
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    return make_ticket(requester, title="Printer broken")


def _close(ticket, agent) -> Ticket:
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Toner replaced.",
    )  # fmt: skip
    return actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.CLOSED)


def _cancel(ticket, agent) -> Ticket:
    return actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.CANCELLED)


def _comments(ticket) -> int:
    return ticket.events.filter(type=EventType.COMMENT).count()


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "days_since_resolution", "route"),
    [
        (Status.NEW, None, workflow.ReplyRoute.JOIN),
        (Status.PENDING, None, workflow.ReplyRoute.JOIN),
        (Status.RESOLVED, 1, workflow.ReplyRoute.REOPEN),
        (Status.RESOLVED, 30, workflow.ReplyRoute.NEW_TICKET),
        (Status.CLOSED, 1, workflow.ReplyRoute.NEW_TICKET),
        (Status.CLOSED, 30, workflow.ReplyRoute.NEW_TICKET),
        (Status.CANCELLED, None, workflow.ReplyRoute.NEW_TICKET),
    ],
)
def test_the_one_rule(status, days_since_resolution, route):
    now = clock.now()
    resolved_at = now - timedelta(days=days_since_resolution) if days_since_resolution else None
    assert workflow.requester_reply(status, resolved_at=resolved_at, now=now, reopen_days=7) == (
        route
    )
    assert workflow.accepts_requester_message(status) == (
        status not in (Status.CLOSED, Status.CANCELLED)
    )


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("finish", [_close, _cancel])
def test_api_reply_on_a_finished_ticket_opens_a_linked_follow_up(requester, agent, ticket, finish):
    finish(ticket, agent)
    answer = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Hello?"})
    assert answer.status_code == 201
    follow_up = Ticket.objects.get(number=answer.json()["follow_up"]["number"])
    assert follow_up.pk != ticket.pk and follow_up.requester == requester
    assert follow_up.description == "Hello?" and follow_up.status == Status.NEW
    assert follow_up.links_out.get().to_ticket == ticket
    assert _comments(ticket) == 0


def test_an_agents_reply_on_a_finished_ticket_joins_it(requester, agent, ticket):
    _close(ticket, agent)
    assert ApiClient(agent).post(f"/tickets/{ticket.pk}/comments", {"body": "x"}).status_code == 201
    assert _comments(ticket) == 1 and Ticket.objects.count() == 1


def test_api_reply_on_a_resolved_ticket_within_the_period_reopens_it(requester, agent, ticket):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    answer = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Not fixed"})
    assert answer.status_code == 201 and answer.json()["follow_up"] is None
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None
    assert ticket.events.filter(type=EventType.STATUS, new_value=Status.IN_PROGRESS).exists()
    assert Notification.objects.filter(user=agent, verb="ticket_reopened").exists()
    assert not Notification.objects.filter(user=agent, verb="requester_replied").exists()


def test_api_reply_on_a_resolved_ticket_after_the_period_opens_a_follow_up(
    requester, agent, ticket
):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    with time_machine.travel(clock.now() + timedelta(days=60), tick=False):
        answer = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Again"})
    assert answer.status_code == 201 and answer.json()["follow_up"] is not None
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_api_refuses_a_requesters_file_on_a_finished_ticket(requester, agent, ticket):
    _cancel(ticket, agent)
    upload = SimpleUploadedFile("log.txt", b"lines", content_type="text/plain")
    answer = ApiClient(requester).client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload}
    )
    assert answer.status_code == 409
    assert not ticket.attachments.exists()


def test_agents_still_write_on_finished_tickets(requester, agent, ticket):
    _close(ticket, agent)
    note = ApiClient(agent).post(f"/tickets/{ticket.pk}/comments", {"body": "n", "public": False})
    assert note.status_code == 201
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


# --- portal -------------------------------------------------------------------------------------


def test_portal_hides_the_form_and_offers_a_prefilled_new_ticket(client, requester, agent, ticket):
    _close(ticket, agent)
    client.force_login(requester)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert reverse("portal:reply", args=[ticket.number]) not in page
    link = f"{reverse('portal:new')}?follow_up={ticket.number}"
    assert link in page and "Open a new ticket" in page
    form = client.get(link).content.decode()
    assert f"This follows up on ticket {ticket.number}" in form
    assert 'value="Printer broken"' in form


def test_a_forced_portal_reply_opens_a_follow_up_and_says_so(client, requester, agent, ticket):
    _cancel(ticket, agent)
    client.force_login(requester)
    response = client.post(
        reverse("portal:reply", args=[ticket.number]), {"body": "Hello?"}, follow=True
    )
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.redirect_chain[-1][0] == reverse("portal:ticket", args=[follow_up.number])
    html = response.content.decode()
    assert ticket.number in html and follow_up.number in html and "follows it up" in html
    assert _comments(ticket) == 0


def test_a_portal_reply_on_a_resolved_ticket_reopens_it(client, requester, agent, ticket):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    client.force_login(requester)
    client.post(reverse("portal:reply", args=[ticket.number]), {"body": "Still broken"})
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and _comments(ticket) == 1


def test_follow_up_of_someone_elses_ticket_prefills_nothing(client, other_requester, ticket):
    client.force_login(other_requester)
    form = client.get(f"{reverse('portal:new')}?follow_up={ticket.number}")
    assert form.status_code == 200
    assert ticket.number not in form.content.decode()
