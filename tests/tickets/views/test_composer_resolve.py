"""The composer's "Send and resolve": the message and the resolution (code + note) in one
submission; a refused resolution sends nothing."""

from __future__ import annotations

from atiende.tickets.models import EventType, Status

from .test_live_desk import _client, _compose, _no_presence, _page_state, url  # noqa: F401

# `ticket`: tests/tickets/conftest.py (a new incident routed to the agent's team).


def test_the_composer_offers_resolve_with_its_code(agent, ticket):
    body = _client(agent).get(url(ticket)).content.decode()
    assert '<option value="resolved">' in body
    assert 'data-show-for-then="resolved"' in body and 'name="resolution_code"' in body


def test_send_public_reply_and_resolve(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(
        client, ticket, v, seen, body="Replaced the fuser.", then="resolved",
        resolution_code="solved",
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert (ticket.resolution_code, ticket.resolution_notes) == ("solved", "Replaced the fuser.")
    types = list(ticket.events.order_by("id").values_list("type", flat=True))
    assert types[-2:] == [EventType.COMMENT, EventType.STATUS]


def test_internal_note_and_resolve_needs_its_own_resolution_note(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    data = {"visibility": "internal", "body": "Fuser was cooked.", "then": "resolved"}
    refused = _compose(client, ticket, v, seen, resolution_code="solved", **data)
    assert refused.status_code == 422
    assert "an internal note is not shown to the requester" in refused.content.decode()
    assert not ticket.events.filter(body="Fuser was cooked.").exists()
    sent = _compose(
        client, ticket, v, seen, resolution_code="solved",
        resolution_notes="We replaced a part of the printer.", **data,
    )  # fmt: skip
    assert sent.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_notes == "We replaced a part of the printer."
    assert ticket.events.get(body="Fuser was cooked.").public is False


def test_resolve_without_a_code_sends_nothing(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(client, ticket, v, seen, then="resolved")
    assert response.status_code == 422
    assert "Choose a resolution code." in response.content.decode()
    assert not ticket.events.filter(body="Please restart it.").exists()
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED


def test_an_unknown_code_is_refused_and_rolls_back(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(client, ticket, v, seen, then="resolved", resolution_code="nope")
    assert response.status_code == 422
    assert not ticket.events.filter(body="Please restart it.").exists()
