"""A requester's message never lands on a closed or cancelled ticket, where no queue shows it:
the API refuses it (409) and says what to do, the portal hides the form and offers a new
ticket prefilled with a reference, a forced POST is refused. Mail follows the same rule
(workflow.requester_reply; tests/mail/test_reply_to_finished.py). Resolved tickets still take
replies; agents still write on finished tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.core import clock
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
        (Status.CLOSED, 1, workflow.ReplyRoute.REOPEN),
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
def test_api_refuses_a_requesters_comment_on_a_finished_ticket(requester, agent, ticket, finish):
    finish(ticket, agent)
    answer = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Hello?"})
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert ticket.number in detail and "open a new ticket" in detail
    assert _comments(ticket) == 0


def test_api_says_a_closed_ticket_can_still_be_reopened(requester, agent, ticket):
    _close(ticket, agent)
    detail = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "x"}).json()
    assert "reopen it" in detail["detail"]
    with time_machine.travel(clock.now() + timedelta(days=60), tick=False):
        late = ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "x"}).json()
    assert "reopen it" not in late["detail"] and "open a new ticket" in late["detail"]


def test_api_refuses_a_requesters_file_on_a_finished_ticket(requester, agent, ticket):
    _cancel(ticket, agent)
    upload = SimpleUploadedFile("log.txt", b"lines", content_type="text/plain")
    answer = ApiClient(requester).client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload}
    )
    assert answer.status_code == 409
    assert not ticket.attachments.exists()


def test_resolved_tickets_still_take_replies_and_agents_still_write(requester, agent, ticket):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    assert (
        ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Thanks"}).status_code
        == 201
    )
    actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)
    note = ApiClient(agent).post(f"/tickets/{ticket.pk}/comments", {"body": "n", "public": False})
    assert note.status_code == 201


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


def test_a_forced_portal_reply_is_refused_with_the_way_out(client, requester, agent, ticket):
    _cancel(ticket, agent)
    client.force_login(requester)
    response = client.post(reverse("portal:reply", args=[ticket.number]), {"body": "Hello?"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "was cancelled, so a reply here would not reach anyone" in html
    assert f"?follow_up={ticket.number}" in html
    assert _comments(ticket) == 0


def test_follow_up_of_someone_elses_ticket_prefills_nothing(client, other_requester, ticket):
    client.force_login(other_requester)
    form = client.get(f"{reverse('portal:new')}?follow_up={ticket.number}")
    assert form.status_code == 200
    assert ticket.number not in form.content.decode()
