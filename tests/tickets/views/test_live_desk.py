"""The live desk: the ticket page's poll (304 while idle, what changed otherwise), presence,
the queue's poll, and the composer (a stale draft is held back; message + status in one go)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import EventType, Status

from ...factories import make_ticket


@pytest.fixture(autouse=True)
def _no_presence():
    caches["presence"].clear()
    yield
    caches["presence"].clear()


def url(ticket, name="desk:ticket") -> str:
    return reverse(name, args=[ticket.number])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, title="Printer jam")


def _page_state(client, ticket) -> tuple[int, int]:
    body = client.get(url(ticket)).content.decode()
    match = re.search(r'data-live="[^"]*\?v=(\d+)&amp;seen=(\d+)"', body)
    assert match, "the ticket page declares its live poll"
    return int(match[1]), int(match[2])


def _poll(client, ticket, v, seen, etag="", mode="viewing"):
    headers = {"If-None-Match": etag} if etag else {}
    params = {"v": v, "seen": seen, "mode": mode}
    return client.get(url(ticket, "desk:ticket_live"), params, headers=headers)


def test_idle_poll_is_304_with_one_query_and_no_session_write(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    first = _poll(client, ticket, v, seen)
    assert first.status_code == 200 and first["ETag"]
    assert "Changed since" not in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = _poll(client, ticket, v, seen, etag=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    statements = [q["sql"] for q in queries.captured_queries]
    ticket_queries = [s for s in statements if "tickets_ticket" in s]
    assert len(ticket_queries) == 1, statements
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_reply_by_another_agent_changes_the_answer(agent, manager, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    etag = _poll(client, ticket, v, seen)["ETag"]
    actions.comment_add(actor=manager, ticket_id=ticket.pk, body="On my way to the printer.")
    answer = _poll(client, ticket, v, seen, etag=etag)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "On my way to the printer." in body  # the new timeline entry, to append
    assert "New reply by" in body


def test_changes_list_only_fields_that_really_differ(agent, manager, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    low, high = ticket.urgency, 1 if ticket.urgency != 1 else 2
    current = actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=v, changes={"urgency": high}
    )
    current = actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=current.version, changes={"urgency": low}
    )
    actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=current.version, changes={"assignee": agent.pk}
    )
    body = _poll(client, ticket, v, seen).content.decode()
    changes = body[body.index("Changed since") : body.index("</ul>", body.index("Changed since"))]
    assert "Assignee" in changes
    assert "Urgency" not in changes  # changed and changed back: no difference
    assert "Priority" not in changes


def test_presence_shows_who_else_is_viewing_or_replying(agent, manager, ticket):
    mine, theirs = _client(agent), _client(manager)
    v, seen = _page_state(mine, ticket)
    _poll(theirs, ticket, v, seen, mode="replying")
    body = _poll(mine, ticket, v, seen).content.decode()
    assert f"{manager.display_name} is replying" in body
    assert agent.display_name not in body  # not oneself


def test_presence_change_changes_the_etag(agent, manager, ticket):
    mine, theirs = _client(agent), _client(manager)
    v, seen = _page_state(mine, ticket)
    etag = _poll(mine, ticket, v, seen)["ETag"]
    _poll(theirs, ticket, v, seen)
    assert _poll(mine, ticket, v, seen, etag=etag).status_code == 200


def test_poll_of_an_invisible_ticket_is_404(other_agent, requester, ticket):
    assert _client(other_agent).get(url(ticket, "desk:ticket_live")).status_code == 404
    assert _client(requester).get(url(ticket, "desk:ticket_live")).status_code in (302, 403, 404)


def test_queue_poll_answers_304_until_a_ticket_changes(agent, manager, ticket):
    client = _client(agent)
    first = client.get(reverse("desk:queue_live"))
    assert first.status_code == 200
    assert (
        client.get(reverse("desk:queue_live"), headers={"If-None-Match": first["ETag"]}).status_code
        == 304
    )
    actions.comment_add(actor=manager, ticket_id=ticket.pk, body="news")
    assert (
        client.get(reverse("desk:queue_live"), headers={"If-None-Match": first["ETag"]}).status_code
        == 200
    )


# --- the composer -------------------------------------------------------------------------------


def _compose(client, ticket, v, seen, **fields):
    data = {"visibility": "public", "body": "Please restart it.", "version": v, "seen": seen}
    data.update(fields)
    return client.post(url(ticket, "desk:ticket_reply"), data)


def test_reply_written_on_a_stale_page_is_held_back_with_what_changed(agent, manager, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    actions.comment_add(actor=manager, ticket_id=ticket.pk, body="Fixed it already.")
    response = _compose(client, ticket, v, seen)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Nothing was sent" in body and "New reply by" in body
    assert "Please restart it." in body  # the draft is kept
    assert not ticket.events.filter(body="Please restart it.").exists()
    # The agent read it and decides to send: the held-back form now carries the current state.
    v2, seen2 = (
        re.search(r'name="version" value="(\d+)"', body)[1],
        re.search(r'name="seen" value="(\d+)"', body)[1],
    )
    assert _compose(client, ticket, v2, seen2).status_code == 302
    assert ticket.events.filter(body="Please restart it.").exists()


def test_send_and_set_pending_in_one_submission(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(client, ticket, v, seen, then="pending", pending_reason="requester")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.pending_reason == "requester"
    types = list(ticket.events.order_by("id").values_list("type", flat=True))
    assert types[-2:] == [EventType.COMMENT, EventType.STATUS]


def test_refused_status_rolls_back_the_message(agent, ticket):
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(client, ticket, v, seen, then="pending")  # no reason
    assert response.status_code == 422
    assert not ticket.events.filter(body="Please restart it.").exists()
    ticket.refresh_from_db()
    assert ticket.status != Status.PENDING


def test_status_refused_by_the_workflow_keeps_no_message(agent, ticket, monkeypatch):
    """If the action refuses the transition, the reply written with it is not sent either."""
    from atiende.core.errors import ValidationFailed

    def refuse(**kwargs):
        raise ValidationFailed.field("to", "Not now.")

    monkeypatch.setattr(actions, "ticket_transition", refuse)
    client = _client(agent)
    v, seen = _page_state(client, ticket)
    response = _compose(client, ticket, v, seen, then="pending", pending_reason="requester")
    assert response.status_code == 422
    assert "Not now." in response.content.decode()
    assert not ticket.events.filter(body="Please restart it.").exists()


def test_a_tag_minted_for_someone_else_gets_no_304(agent, other_agent, ticket):
    """The idle answer skips the access check only for a tag issued to this very user."""
    mine = _client(agent)
    v, seen = _page_state(mine, ticket)
    tag = _poll(mine, ticket, v, seen)["ETag"]
    stranger = _client(other_agent)  # another team: may not see the ticket
    assert _poll(stranger, ticket, v, seen, etag=tag).status_code == 404
