"""Sign-in: clear errors, language switch, and throttling after repeated failures (axes)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_successful_login_goes_to_portal(client, requester):
    response = _login(client, requester.username, PASSWORD)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"] == reverse("portal:home")


def test_failed_login_shows_a_clear_message(client, requester):
    response = _login(client, requester.username, "wrong-password")
    assert response.status_code == 400
    html = response.content.decode()
    assert "That username and password do not match" in html
    assert 'role="alert"' in html
    assert f'value="{requester.username}"' in html  # the username is kept
    assert "_auth_user_id" not in client.session


def test_empty_fields_are_pointed_out(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your username." in html and "Enter your password." in html


def test_lockout_after_five_failures_even_with_the_right_password(client, requester, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        response = _login(client, requester.username, "wrong-password")
        assert response.status_code in (400, 429)
    response = _login(client, requester.username, PASSWORD)
    assert response.status_code in (403, 429)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_out(client, requester):
    for _ in range(4):
        _login(client, requester.username, "wrong-password")
    response = _login(client, requester.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(requester.pk)


def test_lockout_is_per_username(client, requester, other_requester):
    for _ in range(5):
        _login(client, requester.username, "wrong-password")
    response = _login(client, other_requester.username, PASSWORD)
    assert response.status_code == 302


def test_language_switch_on_login_page(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'name="language"' in html and "Español" in html
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(reverse("login"))
    assert '<html lang="es">' in page.content.decode()
