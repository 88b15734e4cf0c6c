"""The details card's priority override: set with a reason (required), back to the matrix,
stale forms refused with what changed, requesters kept out, no inline script."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets import actions, live
from atiende.tickets.models import Ticket, TicketEvent

from ...factories import make_ticket
from .test_desk_ticket import active_content


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    return make_ticket(requester, actor=agent, impact=3, urgency=3)


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def post(client, ticket, **data):
    data.setdefault("version", ticket.version)
    return client.post(reverse("desk:ticket_priority", args=[ticket.number]), data)


def test_the_details_card_offers_the_override_without_script(desk, ticket):
    body = desk.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert 'id="priority-override"' in body and 'name="reason"' in body
    assert "Priority follows from impact and urgency." in body
    assert active_content(body) == []


def test_override_with_reason_then_back_to_the_matrix(desk, ticket):
    answer = post(desk, ticket, priority="1", reason="Whole floor is down")
    assert answer.status_code == 302
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.priority, row.priority_overridden, row.priority_reason) == (
        1, True, "Whole floor is down",
    )  # fmt: skip
    page = desk.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "Priority set by an agent" in page and "Whole floor is down" in page
    assert "Back to impact × urgency" in page
    back = post(desk, row, priority="")
    assert back.status_code == 302
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.priority, row.priority_overridden) == (5, False)


def test_reason_is_required(desk, ticket):
    answer = post(desk, ticket, priority="2", reason=" ")
    assert answer.status_code == 422
    assert "Say why the priority is overridden." in answer.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).priority_overridden is False


def test_stale_form_is_refused_with_what_changed(desk, agent, manager, ticket):
    seen = live.last_event_id(ticket.events.all())
    actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=ticket.version, changes={"urgency": 1}
    )
    answer = post(desk, ticket, priority="1", reason="VIP", seen=seen)
    assert answer.status_code == 409
    body = answer.content.decode()
    assert "Someone else changed this ticket" in body and "Urgency" in body
    assert not TicketEvent.objects.filter(ticket=ticket, field="priority", body="VIP").exists()


def test_requesters_cannot_post_the_override(client, requester, ticket):
    client.force_login(requester)
    answer = post(client, ticket, priority="1", reason="Me first")
    assert answer.status_code == 404  # desk pages do not reveal what exists
    assert Ticket.objects.get(pk=ticket.pk).priority_overridden is False


def test_the_reason_never_reaches_the_portal(client, agent, requester, ticket):
    actions.ticket_priority_set(
        actor=agent, ticket_id=ticket.pk, version=ticket.version, priority=1, reason="Secret VIP"
    )
    client.force_login(requester)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "Secret VIP" not in page
