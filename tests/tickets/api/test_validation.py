"""Bad input is a 4xx in the error format, never a 500, and leaves nothing half-written."""

from __future__ import annotations

import pytest

from atiende.accounts.actions import api_token_create
from atiende.tickets.models import Ticket

from ...api.conftest import assert_error


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"title": "unterminated', b"\xff\xfe\x00garbage", b"{'title': 'x'}"],
)
def test_malformed_json_is_400(api_as, requester, raw):
    response = api_as(requester).post("/tickets", raw)
    body = assert_error(response, 400)
    assert body["detail"] == "The request body is not valid JSON."
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"a string"', b"42", b"null"])
def test_json_that_is_not_an_object_is_422(api_as, requester, raw):
    response = api_as(requester).post("/tickets", raw)
    assert_error(response, 422)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Ok", "description": "y" * 100_001}, "description"),
        ({"title": ["not", "a", "string"]}, "title"),
        ({"title": "Ok", "impact": "high"}, "impact"),
        ({"title": "Ok", "impact": 7}, "impact"),
        ({"title": "Ok", "urgency": None}, "urgency"),
        ({"title": "Ok", "kind": "problem"}, "kind"),
        ({"title": "Ok", "kind": "bogus"}, "kind"),
        ({"title": "Ok", "category": 987654}, "category"),
        ({"title": "Ok", "category": "abc"}, "category"),
        ({"title": "Ok", "category": 10**30}, "category"),
        ({"title": "Ok", "category": -1}, "category"),
        ({"title": "Ok", "status": "closed"}, "status"),
    ],
)
def test_invalid_ticket_fields_are_422_with_the_field(api_as, requester, body, field):
    response = api_as(requester).post("/tickets", body)
    assert_error(response, 422, field)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Ok", "team": 987654}, "team"),
        ({"title": "Ok", "assignee": 987654}, "assignee"),
        ({"title": "Ok", "requester": 987654}, "requester"),
    ],
)
def test_unknown_ids_from_agents_are_422(api_as, agent, body, field):
    assert_error(api_as(agent).post("/tickets", body), 422, field)
    assert not Ticket.objects.exists()


def test_body_over_the_upload_limit_is_413(api_as, requester, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(requester).post("/tickets", {"title": "Ok", "description": "z" * 5000})
    assert_error(response, 413)
    assert not Ticket.objects.exists()


def test_patch_validation(api_as, agent, ticket):
    client = api_as(agent)
    assert_error(client.patch(f"/tickets/{ticket.pk}", {"title": "No version"}), 422, "version")
    assert_error(client.patch(f"/tickets/{ticket.pk}", {"version": "one"}), 422, "version")
    assert_error(client.patch(f"/tickets/{ticket.pk}", {"version": 1, "title": None}), 422, "title")
    assert_error(
        client.patch(f"/tickets/{ticket.pk}", {"version": 1, "urgency": 0}), 422, "urgency"
    )
    assert_error(client.patch(f"/tickets/{ticket.pk}", {"version": 1, "team": 987654}), 422, "team")
    assert_error(
        client.patch(f"/tickets/{ticket.pk}", {"version": 1, "priority": 1}), 422, "priority"
    )
    ticket.refresh_from_db()
    assert ticket.version == 1 and ticket.urgency == 3


def test_transition_and_comment_validation(api_as, agent, ticket):
    client = api_as(agent)
    events_before = ticket.events.count()
    assert_error(client.post(f"/tickets/{ticket.pk}/transition", {"to": "bogus"}), 422, "to")
    assert_error(client.post(f"/tickets/{ticket.pk}/transition", {}), 422, "to")
    assert_error(
        client.post(f"/tickets/{ticket.pk}/transition", {"to": "pending", "pending_reason": "?"}),
        422,
        "pending_reason",
    )
    assert_error(client.post(f"/tickets/{ticket.pk}/comments", {"body": "  "}), 422, "body")
    assert_error(
        client.post(f"/tickets/{ticket.pk}/comments", {"body": "x", "html": 1}), 422, "html"
    )
    assert ticket.events.count() == events_before


@pytest.mark.parametrize("ticket_ref", ["999999", "INC-999999", "inc-999999"])
def test_unknown_tickets_are_404(api_as, agent, ticket_ref):
    for response in (
        api_as(agent).get(f"/tickets/{ticket_ref}"),
        api_as(agent).get(f"/tickets/{ticket_ref}/events"),
        api_as(agent).post(f"/tickets/{ticket_ref}/comments", {"body": "hi"}),
    ):
        assert_error(response, 404)


@pytest.mark.parametrize("ticket_ref", ["99999999999999999999999", "0", "nonsense", "%00", "١٢"])
def test_references_that_cannot_name_a_ticket_are_422(api_as, agent, ticket_ref):
    for response in (
        api_as(agent).get(f"/tickets/{ticket_ref}"),
        api_as(agent).get(f"/tickets/{ticket_ref}/events"),
        api_as(agent).post(f"/tickets/{ticket_ref}/comments", {"body": "hi"}),
    ):
        assert_error(response, 422, "ticket_id")


def test_unknown_attachments_are_404_and_absurd_ids_422(api_as, agent):
    assert_error(api_as(agent).get("/attachments/999999"), 404)
    assert_error(api_as(agent).get("/attachments/99999999999999999999999"), 422, "attachment_id")


def test_nul_bytes_are_never_a_database_error(api_as, agent, ticket):
    client = api_as(agent)
    created = client.post("/tickets", {"title": "Nul\x00 title", "description": "a\x00b"})
    assert created.status_code == 201, created.content
    assert created.json()["title"] == "Nul title"
    assert client.post(f"/tickets/{ticket.pk}/comments", {"body": "x\x00y"}).status_code == 201
    scopes = ["write", "tokens"]
    minting = api_as(token=api_token_create(actor=agent, user=agent, scopes=scopes).secret)
    assert minting.post("/me/tokens", {"name": "n\x00ame"}).json()["name"] == "name"
    assert_error(client.get("/tickets", {"kind": "\x00"}), 422, "kind")
    assert client.get("/tickets", {"q": "impre\x00sora"}).status_code == 200
    assert_error(client.post(f"/tickets/{ticket.pk}/transition", {"to": "\x00"}), 422, "to")
