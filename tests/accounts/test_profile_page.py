"""The profile page: language and time zone preferences, personal API tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.accounts import actions
from atiende.accounts.models import ApiToken

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role_fixture", ["requester", "agent", "manager", "admin_user"])
def test_profile_is_available_to_every_role(client, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preferences" in html and "Change password" in html
    assert ("API tokens" in html) == user.is_agent  # requesters: unless the desk offers them


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_language_switch_changes_the_interface_language(client, requester, desk_default_team):
    make_ticket(requester, title="Something")
    client.force_login(requester)
    english = client.get(reverse("portal:home"))
    assert '<html lang="en">' in english.content.decode()

    response = client.post(
        reverse("accounts:preferences"), {"language": "es", "time_zone": "Europe/Madrid"}
    )
    assert response.status_code == 302
    requester.refresh_from_db()
    assert (requester.language, requester.time_zone) == ("es", "Europe/Madrid")

    spanish = client.get(reverse("portal:home"))
    assert spanish["Content-Language"] == "es"
    assert '<html lang="es">' in spanish.content.decode()

    client.post(reverse("accounts:preferences"), {"language": "en", "time_zone": "UTC"})
    back = client.get(reverse("portal:home"))
    assert back["Content-Language"] == "en"
    assert '<html lang="en">' in back.content.decode()


def test_browser_default_language_follows_accept_language(client, requester):
    client.force_login(requester)
    client.post(reverse("accounts:preferences"), {"language": "", "time_zone": "UTC"})
    requester.refresh_from_db()
    assert requester.language == ""
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert '<html lang="es">' in page.content.decode()


def test_time_zone_changes_displayed_times(client, requester, desk_default_team):
    ticket = make_ticket(requester, title="Clock check")
    client.force_login(requester)
    client.post(reverse("accounts:preferences"), {"language": "en", "time_zone": "Asia/Tokyo"})
    html = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "+09:00" in html  # <time datetime="..."> carries the user's offset


def test_unknown_time_zone_and_language_are_field_errors(client, requester):
    client.force_login(requester)
    response = client.post(
        reverse("accounts:preferences"), {"language": "klingon", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    assert response.content.decode().count('class="errorlist') >= 2
    requester.refresh_from_db()
    assert requester.time_zone == "UTC"


def test_create_token_shows_secret_once_and_it_works(client, requester, settings):
    settings.REQUESTER_API_TOKENS = True
    client.force_login(requester)
    response = client.post(
        reverse("accounts:token_create"), {"name": "Backup script", "scopes": ["read", "write"]}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = response.context["new_secret"]
    assert secret.startswith("atd_")
    html = response.content.decode()
    assert secret in html and "will not be shown again" in html
    token = ApiToken.objects.get(user=requester)
    assert token.name == "Backup script" and token.digest != secret
    assert actions.api_token_authenticate(secret) == requester
    api = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200

    listing = client.get(reverse("accounts:profile")).content.decode()
    assert "Backup script" in listing and token.prefix in listing
    assert secret not in listing


def test_revoke_token(client, requester):
    issued = actions.api_token_create(actor=requester, user=requester, name="Old")
    client.force_login(requester)
    response = client.post(reverse("accounts:token_revoke", args=[issued.token.pk]))
    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert actions.api_token_authenticate(issued.secret) is None
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "revoked" in html


def test_cannot_revoke_someone_elses_token(client, requester, other_requester):
    issued = actions.api_token_create(actor=other_requester, user=other_requester, name="Theirs")
    client.force_login(requester)
    response = client.post(reverse("accounts:token_revoke", args=[issued.token.pk]))
    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_tokens_of_others_are_not_listed(client, requester, other_requester):
    actions.api_token_create(actor=other_requester, user=other_requester, name="Not yours")
    client.force_login(requester)
    assert "Not yours" not in client.get(reverse("accounts:profile")).content.decode()


def test_revoke_needs_post(client, requester):
    issued = actions.api_token_create(actor=requester, user=requester, name="Keep")
    client.force_login(requester)
    assert client.get(reverse("accounts:token_revoke", args=[issued.token.pk])).status_code == 405
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_e_mail_notifications_can_be_turned_off_and_on(client, requester):
    client.force_login(requester)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="email_notifications"' in page and "checked" in page
    preferences = {"language": "en", "time_zone": "UTC"}
    client.post(reverse("accounts:preferences"), preferences)
    requester.refresh_from_db()
    assert requester.email_notifications is False
    client.post(reverse("accounts:preferences"), {**preferences, "email_notifications": "on"})
    requester.refresh_from_db()
    assert requester.email_notifications is True


def test_requester_page_has_no_token_card_unless_the_desk_offers_it(client, requester, settings):
    client.force_login(requester)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "API tokens" not in html and 'class="token-create"' not in html
    refused = client.post(reverse("accounts:token_create"), {"name": "x", "scopes": ["read"]})
    assert refused.status_code == 403
    assert not ApiToken.objects.filter(user=requester).exists()
    settings.REQUESTER_API_TOKENS = True
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "API tokens" in html and 'class="token-create"' in html


def test_a_requester_with_tokens_can_still_see_and_revoke_them(client, requester):
    actions.api_token_create(actor=requester, user=requester, name="Old script")
    client.force_login(requester)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Old script" in html and 'class="token-create"' not in html
