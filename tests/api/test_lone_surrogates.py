"""A lone surrogate ("\\ud800" in JSON) cannot be stored as UTF-8: every write that carries one
is a 422 naming the field, and writes nothing. Query strings and paths cannot carry one (Django
decodes their bytes as UTF-8 with replacement), so they are ordinary input there."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Ticket, TicketEvent

from ..changes.factories import END, START, make_change
from ..factories import make_ticket
from .conftest import ApiClient, assert_error

# json.dumps writes it as the escape "\\ud800x", which json.loads turns back into a lone surrogate.
LONE = "\ud800x"


def _rows() -> tuple[int, int, list]:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        list(Ticket.objects.order_by("pk").values_list("title", "description", "version")),
    )


def _refused(response, field: str) -> None:
    body = assert_error(response, 422, field)
    assert "surrogate" in body["errors"][field][0]


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    return make_ticket(requester, title="Printer")


@pytest.fixture
def change(agent):
    return make_change(agent)


def test_ticket_create_as_requester(requester, desk_default_team):
    before = _rows()
    body = {"kind": "incident", "title": LONE, "description": "x"}
    _refused(ApiClient(requester).post("/tickets", body), "title")
    assert _rows() == before


def test_comment_as_requester(requester, ticket):
    before = _rows()
    _refused(ApiClient(requester).post(f"/tickets/{ticket.pk}/comments", {"body": LONE}), "body")
    assert _rows() == before


def test_patch_and_transition_as_agent(agent, ticket):
    client = ApiClient(agent)
    before = _rows()
    patch = {"version": ticket.version, "description": LONE}
    _refused(client.patch(f"/tickets/{ticket.pk}", patch), "description")
    body = {"to": "resolved", "resolution_code": "solved", "resolution_notes": LONE}
    _refused(client.post(f"/tickets/{ticket.pk}/transition", body), "resolution_notes")
    assert _rows() == before


def test_change_create_and_patch(agent, team, change):
    client = ApiClient(agent)
    before = _rows()
    body = {
        "title": "Swap", "reason": LONE, "planned_start": START.isoformat(),
        "planned_end": END.isoformat(), "team": team.pk,
    }  # fmt: skip
    _refused(client.post("/changes", body), "reason")
    patch = {"version": change.version, "backout_plan": LONE}
    _refused(client.patch(f"/changes/{change.pk}", patch), "backout_plan")
    assert _rows() == before


def test_the_path_inside_the_body_is_named(agent, ticket):
    # In a key, in a list: the dotted path of the first one found.
    response = ApiClient(agent).patch(
        f"/tickets/{ticket.pk}", {"version": 1, "title": "ok", "\udc80": 1}
    )
    assert_error(response, 422)
    assert list(response.json()["errors"]) == ["\ufffd"]
    response = ApiClient(agent).post("/tickets", [1, {"a": LONE}])
    _refused(response, "1.a")
    response = ApiClient(agent).post("/tickets", '"\\ud800"')
    _refused(response, "__all__")


def test_form_fields_of_the_api(agent, ticket):
    """A multipart body declaring a charset that decodes to surrogates (raw_unicode_escape)."""
    body = (
        b'--B\r\nContent-Disposition: form-data; name="public"\r\n\r\n\\ud800\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--B--\r\n"
    )
    before = _rows()
    response = ApiClient(agent).client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        body,
        content_type="multipart/form-data; boundary=B; charset=raw_unicode_escape",
    )
    _refused(response, "public")
    assert _rows() == before


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%5Cud800", "q=\\ud800"])
def test_query_strings_cannot_carry_one(agent, ticket, query):
    response = ApiClient(agent).client.get(f"/api/v1/tickets?{query}")
    assert response.status_code == 200, response.content
    # With a charset that would decode "\ud800" to a surrogate, still no surrogate.
    response = ApiClient(agent).client.get(
        f"/api/v1/tickets?{query}", content_type="text/plain; charset=raw_unicode_escape"
    )
    assert response.status_code == 200, response.content


def test_paths_cannot_carry_one(agent, ticket):
    for path in ("/api/v1/tickets/%ED%A0%80", "/api/v1/tickets/%ED%A0%80/comments"):
        assert_error(ApiClient(agent).client.get(path), 422, "ticket_id")
