"""Friendly 403, 404 and 500 pages: in the reader's language, with the navigation."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from atiende.web.views import server_error

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def test_a_requester_following_someone_elses_ticket_link_gets_the_spanish_404(
    client, requester, other_requester, desk_default_team
):
    ticket = make_ticket(other_requester, title="Not yours")
    requester.language = "es"
    requester.save(update_fields=["language"])
    client.force_login(requester)
    response = client.get(reverse("portal:ticket", args=[ticket.number]))
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Página no encontrada" in html
    assert 'class="topnav"' in html and "Mis tickets" in html  # the navigation
    assert "Not yours" not in html


def test_an_unknown_address_is_the_friendly_404_for_someone_signed_out(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Página no encontrada" in html and reverse("login") in html


def test_403_is_the_friendly_page(client, requester, settings):
    settings.ROOT_URLCONF = "tests.web.error_urls"
    client.force_login(requester)
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and 'class="topnav"' in html


def test_500_is_the_friendly_page(requester, settings):
    settings.ROOT_URLCONF = "tests.web.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(requester)
    response = client.get("/test-broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_500_renders_without_touching_the_database(django_assert_num_queries):
    class Unreachable:
        def __getattr__(self, name):
            raise AssertionError("the 500 page read the session or the user")

    request = RequestFactory().get("/")
    request.user = Unreachable()  # type: ignore[attr-defined]
    request.session = Unreachable()  # type: ignore[attr-defined]
    with django_assert_num_queries(0), translation.override("es"):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Algo ha fallado" in html and '<html lang="es">' in html
