"""On a first sign-in the browser's time zone is kept, unless the person chose one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import RequesterFactory

pytestmark = pytest.mark.django_db

ENDPOINT = reverse("accounts:browser_time_zone")


def _person(**fields):
    user = RequesterFactory(username="luz", **fields)
    user.set_password("a-Long-pass-77")
    user.save()
    return user


def _sign_in(client):
    response = client.post(reverse("login"), {"username": "luz", "password": "a-Long-pass-77"})
    assert response.status_code == 302


def test_first_sign_in_takes_the_browsers_time_zone_once(client):
    user = _person()
    _sign_in(client)
    page = client.get(reverse("portal:home")).content.decode()
    assert "atiende/timezone" in page and ENDPOINT in page
    assert client.post(ENDPOINT, {"time_zone": "America/Lima"}).status_code == 204
    user.refresh_from_db()
    assert user.time_zone == "America/Lima"
    # Once: the script is gone and a later post changes nothing.
    assert "atiende/timezone" not in client.get(reverse("portal:home")).content.decode()
    assert client.post(ENDPOINT, {"time_zone": "Asia/Tokyo"}).status_code == 204
    user.refresh_from_db()
    assert user.time_zone == "America/Lima"


def test_a_chosen_time_zone_is_kept(client):
    user = _person(time_zone="Europe/Madrid")
    _sign_in(client)
    assert client.post(ENDPOINT, {"time_zone": "America/Lima"}).status_code == 204
    user.refresh_from_db()
    assert user.time_zone == "Europe/Madrid"


def test_an_unknown_time_zone_is_refused(client):
    user = _person()
    _sign_in(client)
    response = client.post(ENDPOINT, {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400 and "Unknown time zone" in response.content.decode()
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_a_later_sign_in_does_not_ask(client):
    from django.utils import timezone

    user = _person(last_login=timezone.now())
    _sign_in(client)
    assert "atiende/timezone" not in client.get(reverse("portal:home")).content.decode()
    client.post(ENDPOINT, {"time_zone": "America/Lima"})
    user.refresh_from_db()
    assert user.time_zone == "UTC"
