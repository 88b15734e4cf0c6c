"""Authentication: bearer tokens (no CSRF), the browser session (with CSRF), token management."""

from __future__ import annotations

from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from atiende.accounts import actions as account_actions
from atiende.accounts.models import ApiToken
from atiende.tickets.models import Ticket

from .conftest import BASE, ApiClient, assert_error


def test_valid_token_authenticates(api_as, requester):
    response = api_as(requester).get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "requester"
    assert response.json()["role"] == "requester"


def test_missing_or_wrong_credentials_are_401(requester):
    anonymous = ApiClient()
    assert_error(anonymous.get("/me"), 401)
    assert_error(anonymous.get("/tickets"), 401)
    # An unsafe request without any credentials is 401 too (not a CSRF 403).
    assert_error(anonymous.post("/tickets", {"title": "Anonymous"}), 401)
    assert_error(ApiClient(token="atd_not-a-real-token").get("/me"), 401)
    assert_error(ApiClient(token="something-else").get("/me"), 401)
    assert not Ticket.objects.exists()


def _token_manager(user) -> ApiClient:
    """A client whose token may manage tokens (the "tokens" scope)."""
    scopes = ["read", "write", "tokens"]
    secret = account_actions.api_token_create(actor=user, user=user, scopes=scopes).secret
    return ApiClient(user, token=secret)


def test_revoked_token_is_401(requester):
    client = _token_manager(requester)
    token_id = client.get("/me/tokens").json()[0]["id"]
    assert client.delete(f"/me/tokens/{token_id}").status_code == 204
    assert_error(client.get("/me"), 401)
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


def test_inactive_users_token_is_401(requester):
    client = ApiClient(requester)
    requester.is_active = False
    requester.save()
    assert_error(client.get("/me"), 401)


def test_token_lifecycle_through_the_api(requester):
    client = _token_manager(requester)
    created = client.post("/me/tokens", {"name": "CI script"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "CI script" and body["active"] is True
    assert body["secret"].startswith("atd_") and body["secret"][:12] == body["prefix"]
    listed = client.get("/me/tokens").json()
    assert {t["name"] for t in listed} >= {"CI script"}
    assert all("secret" not in t for t in listed)
    assert ApiClient(token=body["secret"]).get("/me").status_code == 200
    assert body["secret"] not in str(ApiToken.objects.values_list())  # only a digest is stored


def test_cannot_revoke_someone_elses_token(requester, other_requester):
    theirs = account_actions.api_token_create(actor=other_requester, user=other_requester)
    assert_error(ApiClient(requester).delete(f"/me/tokens/{theirs.token.pk}"), 404)
    assert_error(ApiClient(requester).delete("/me/tokens/99999999999999999999"), 422, "token_id")
    assert ApiClient(token=theirs.secret).get("/me").status_code == 200


def test_token_name_validation(requester):
    client = ApiClient(requester)
    assert_error(client.post("/me/tokens", {"name": "x" * 101}), 422, "name")
    assert_error(client.post("/me/tokens", {"name": "ok", "user": 1}), 422, "user")


def test_session_auth_enforces_csrf_on_unsafe_methods(requester, desk_default_team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)
    assert client.get(f"{BASE}/me").status_code == 200
    refused = client.post(f"{BASE}/tickets", {"title": "No CSRF"}, content_type="application/json")
    assert_error(refused, 403)
    assert not Ticket.objects.exists()

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        f"{BASE}/tickets",
        {"title": "With CSRF"},
        content_type="application/json",
        headers={"x-csrftoken": secret},
    )
    assert accepted.status_code == 201, accepted.content
    assert Ticket.objects.get().title == "With CSRF"


def test_bearer_token_needs_no_csrf(requester, desk_default_team):
    secret = account_actions.api_token_create(actor=requester, user=requester).secret
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {secret}"})
    response = client.post(
        f"{BASE}/tickets", {"title": "Scripted"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_logged_out_session_is_401(requester):
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)
    client.logout()
    assert_error(client.get(f"{BASE}/me"), 401)
