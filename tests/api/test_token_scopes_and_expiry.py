"""API tokens: optional expiry (an expired token is a 401 that says so) and scopes (read =
GET only, write = everything, tokens = may create and revoke tokens; a token never grants
more than it has, nor outlives itself)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from atiende import cli
from atiende.accounts import actions
from atiende.accounts.models import ApiToken
from atiende.tickets.models import Ticket

from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def _client(user, scopes=("read", "write"), days=None) -> ApiClient:
    secret = actions.api_token_create(
        actor=user, user=user, scopes=list(scopes), expires_in_days=days
    ).secret
    return ApiClient(user, token=secret)


def test_an_expired_token_is_refused_with_a_clear_401(requester):
    client = _client(requester, days=7)
    assert client.get("/me").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1), tick=False):
        body = assert_error(client.get("/me"), 401)
        token = ApiToken.objects.get(user=requester)
        assert token.is_active is False and token.revoked_at is None
    assert "expired" in body["detail"]


def test_a_token_without_expiry_never_expires(requester):
    client = _client(requester)
    with time_machine.travel(timezone.now() + timedelta(days=20 * 365), tick=False):
        assert client.get("/me").status_code == 200


def test_a_read_token_only_reads(requester):
    client = _client(requester, scopes=["read"])
    assert client.get("/tickets").status_code == 200
    body = assert_error(client.post("/tickets", {"title": "Printer", "description": "x"}), 403)
    assert "write" in body["detail"]
    assert not Ticket.objects.exists()


def test_a_write_token_reads_and_writes(requester):
    client = _client(requester, scopes=["write"])
    assert client.get("/me").status_code == 200
    created = client.post("/tickets", {"title": "Printer", "description": "Jammed"})
    assert created.status_code == 201, created.content


def test_a_token_without_the_tokens_scope_cannot_mint_or_revoke_tokens(requester):
    client = _client(requester)
    body = assert_error(client.post("/me/tokens", {"name": "successor"}), 403)
    assert "tokens" in body["detail"]
    own = ApiToken.objects.get(user=requester)
    assert_error(client.delete(f"/me/tokens/{own.pk}"), 403)
    assert ApiToken.objects.filter(user=requester).count() == 1
    assert ApiToken.objects.get().revoked_at is None


def test_a_tokens_scoped_token_mints_no_more_than_it_has(requester):
    client = _client(requester, scopes=["read", "write", "tokens"], days=30)
    ok = client.post("/me/tokens", {"name": "child", "scopes": ["read"], "expires_in_days": 10})
    assert ok.status_code == 201, ok.content
    assert ok.json()["scopes"] == ["read"] and ok.json()["expires_at"] is not None
    # Never longer-lived than the token that asks.
    assert_error(client.post("/me/tokens", {"name": "forever"}), 422, "expires_in_days")
    assert_error(
        client.post("/me/tokens", {"name": "long", "expires_in_days": 31}), 422, "expires_in_days"
    )
    assert ApiToken.objects.filter(user=requester).count() == 2


def test_a_token_cannot_grant_a_scope_it_lacks(requester):
    client = _client(requester, scopes=["write", "tokens"])
    ok = client.post("/me/tokens", {"name": "child", "scopes": ["read", "write"]})
    assert ok.status_code == 201, ok.content
    parent = _client(requester, scopes=["read", "tokens"])
    # A read+tokens token cannot POST at all (write needed), so it cannot mint a writer.
    assert_error(parent.post("/me/tokens", {"scopes": ["write"]}), 403)


def test_the_browser_session_may_grant_any_scope(client, requester):
    client.force_login(requester)
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "admin script", "scopes": ["read", "write", "tokens"], "expires_in_days": 90},
        content_type="application/json",
        headers={"X-CSRFToken": "x"},
    )
    # The session needs CSRF; the test client skips the check unless told to enforce it.
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scopes"] == ["read", "write", "tokens"] and body["active"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scopes": ["admin"]}, "scopes.0"),
        ({"scopes": []}, "scopes"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 3651}, "expires_in_days"),
    ],
)
def test_bad_scopes_or_expiry_are_422(client, requester, payload, field):
    client.force_login(requester)
    response = client.post("/api/v1/me/tokens", payload, content_type="application/json")
    assert_error(response, 422, field)
    assert not ApiToken.objects.exists()


def test_the_action_refuses_unknown_scopes_and_bad_days(requester):
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        actions.api_token_create(actor=requester, user=requester, scopes=["root"])
    assert "scopes" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        actions.api_token_create(actor=requester, user=requester, expires_in_days=0)
    assert "expires_in_days" in exc.value.errors
    assert not ApiToken.objects.exists()


def test_the_list_shows_scopes_and_expiry(requester):
    _client(requester, scopes=["read"], days=5)
    manager = _client(requester, scopes=["read", "write", "tokens"])
    listed = {tuple(t["scopes"]): t for t in manager.get("/me/tokens").json()}
    assert listed[("read",)]["expires_at"] is not None
    assert listed[("read", "write", "tokens")]["expires_at"] is None


def test_the_profile_page_shows_scopes_and_expiry_and_creates_with_them(
    client, requester, settings
):
    settings.REQUESTER_API_TOKENS = True  # requesters see the token card only where offered
    actions.api_token_create(actor=requester, user=requester, name="Reader", scopes=["read"])
    actions.api_token_create(actor=requester, user=requester, name="Old", expires_in_days=1)
    client.force_login(requester)
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        html = client.get(reverse("accounts:profile")).content.decode()
    assert "<code>read</code>" in html and "never expires" in html and "expired" in html
    response = client.post(
        reverse("accounts:token_create"),
        {"name": "Monitor", "scopes": ["read"], "expires_in_days": "30"},
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(name="Monitor")
    assert token.scope_list == ["read"] and token.expires_at is not None
    refused = client.post(reverse("accounts:token_create"), {"name": "x", "scopes": ["root"]})
    assert refused.status_code == 422 and not ApiToken.objects.filter(name="x").exists()


def test_the_profile_page_in_spanish(client, requester, settings):
    settings.REQUESTER_API_TOKENS = True
    requester.language = "es"
    requester.save(update_fields=["language"])
    actions.api_token_create(actor=requester, user=requester, name="Lector", scopes=["read"])
    client.force_login(requester)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "no caduca" in html and "Permisos" in html


def test_cli_token_create_with_scope_and_expiry(capsys, agent):
    assert (
        cli.main(["token", "create", agent.username, "--scope", "read", "--expires-days", "3"]) == 0
    )
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    token = actions.api_token_lookup(secret)
    assert token is not None and token.scope_list == ["read"]
    assert timedelta(days=2, hours=23) < token.expires_at - timezone.now() <= timedelta(days=3)


def test_cli_token_create_refuses_bad_scope_or_days(capsys, agent):
    assert cli.main(["token", "create", agent.username, "--scope", "root"]) == 2
    assert cli.main(["token", "create", agent.username, "--expires-days", "0"]) == 2
    assert "error" in capsys.readouterr().err
    assert not ApiToken.objects.exists()


def test_the_admin_shows_scopes_and_expiry_and_cannot_widen_them(client, admin_user, requester):
    token = actions.api_token_create(
        actor=requester, user=requester, name="Reader", scopes=["read"], expires_in_days=5
    ).token
    client.force_login(admin_user)
    listed = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listed.status_code == 200
    assert "Reader" in listed.text and ">read<" in listed.text
    page = reverse("admin:accounts_apitoken_change", args=[token.pk])
    client.post(page, {"name": "Reader", "scopes": "read write tokens"})
    token.refresh_from_db()
    assert token.scopes == "read"
