"""The idle poll's token (docs/live-desk.md): a 304 without the session or the user row for
the holder of a poll token minted after the access check, for this user, this ticket and a
few minutes; anything else takes the signed-in path, unchanged."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.tickets import actions, live

from ...factories import make_ticket


@pytest.fixture(autouse=True)
def _no_presence():
    caches["presence"].clear()
    yield
    caches["presence"].clear()


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, title="Printer jam")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client, ticket) -> tuple[str, str]:
    body = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    base = re.search(r'data-live="([^"]*)"', body)[1].replace("&amp;", "&")
    token = re.search(r'data-live-token="([^"]*)"', body)[1]
    return base, token


def _poll(client, base, token, etag=""):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"{base}&t={token}&mode=viewing", headers=headers)


def test_idle_poll_with_token_is_304_without_session_or_user(agent, ticket):
    client = _client(agent)
    base, token = _page(client, ticket)
    first = _poll(client, base, token)
    assert first.status_code == 200 and first["ETag"] and first["X-Live-Token"]
    with CaptureQueriesContext(connection) as queries:
        again = _poll(client, base, token, etag=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1 and "tickets_ticket" in statements[0], statements
    assert "X-Live-Token" not in again  # not renewed: the token path has no user to sign for


def test_the_token_path_keeps_presence(agent, manager, ticket):
    agent_client, manager_client = _client(agent), _client(manager)
    base, token = _page(agent_client, ticket)
    etag = _poll(agent_client, base, token)["ETag"]
    caches["presence"].clear()  # the agent's entry expired: the idle poll writes it again
    assert _poll(agent_client, base, token, etag=etag).status_code == 304
    others = live.others_on(ticket.pk, manager)
    assert [(uid, mode) for uid, _name, mode in others] == [(agent.pk, "viewing")]
    assert others[0][1] == agent.display_name
    assert manager_client  # (the manager's own view is the ordinary path)


def test_a_changed_ticket_goes_through_the_signed_in_path(agent, manager, ticket):
    client = _client(agent)
    base, token = _page(client, ticket)
    etag = _poll(client, base, token)["ETag"]
    actions.comment_add(actor=manager, ticket_id=ticket.pk, body="On my way to the printer.")
    answer = _poll(client, base, token, etag=etag)
    assert answer.status_code == 200
    assert "On my way to the printer." in answer.content.decode()
    assert answer["X-Live-Token"]
    anonymous = _poll(Client(), base, token, etag=etag)  # the token alone is not a login
    assert anonymous.status_code == 302


def test_expired_forged_or_foreign_tokens_are_ignored(agent, other_agent, ticket, monkeypatch):
    client = _client(agent)
    base, token = _page(client, ticket)
    etag = _poll(client, base, token)["ETag"]
    other = make_ticket(ticket.requester, title="Another")
    foreign = live.poll_token(agent, other.pk, other.number)  # another ticket's token
    for bad in (token[:-2] + "xx", foreign, ""):
        with CaptureQueriesContext(connection) as queries:
            answer = _poll(client, base, bad, etag=etag)
        assert answer.status_code == 304
        assert any("django_session" in q["sql"] for q in queries.captured_queries), bad
        assert answer["X-Live-Token"]  # the signed-in path renews the page's token
    monkeypatch.setattr(live, "TOKEN_SECONDS", -1)  # expired
    with CaptureQueriesContext(connection) as queries:
        assert _poll(client, base, token, etag=etag).status_code == 304
    assert any("django_session" in q["sql"] for q in queries.captured_queries)


def test_a_token_never_answers_with_someone_elses_tag(agent, other_agent, ticket):
    """The 304 needs the tag minted for the token's user: another agent's token with this
    agent's tag (or the reverse) goes the signed-in way, where the access rule decides."""
    client = _client(agent)
    base, token = _page(client, ticket)
    etag = _poll(client, base, token)["ETag"]
    theirs = live.poll_token(other_agent, ticket.pk, ticket.number)
    stranger = _client(other_agent)
    assert _poll(stranger, base, theirs, etag=etag).status_code == 404
