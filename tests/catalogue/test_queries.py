"""Query-count baselines of the catalogue's pages and API lists (tests/query_baselines.json;
see tests/test_query_baselines.py). The data has two categories, several items and a form
with every field type, so a query per item or per field shows up as a changed count."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.catalogue import actions
from tests.api.conftest import ApiClient
from tests.query_baselines import query_baseline

GOOD = {"os": "linux", "distro": "Debian", "software": ["vpn"]}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _counted(name: str, client, path: str, params=None) -> None:
    assert client.get(path, params or {}).status_code == 200  # warm the caches
    with query_baseline(name):
        response = client.get(path, params or {})
    assert response.status_code == 200


@pytest.fixture
def catalogue(laptop, manager, requester):
    other = actions.category_save(actor=manager, name="Access", name_es="Accesos")
    for name in ("VPN", "ERP account", "Shared folder"):
        actions.item_save(actor=manager, category_id=other.pk, name=name)
    actions.item_save(
        actor=manager,
        category_id=other.pk,
        name="Only for another organisation",
        organization_ids=[],
        roles=["agent"],
    )
    tickets = [
        actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD) for _ in range(3)
    ]
    return laptop, tickets


def test_portal_catalogue(requester, catalogue):
    _counted("portal catalogue", _client(requester), "/portal/catalogue/")


def test_portal_request_form(requester, catalogue):
    laptop, _tickets = catalogue
    _counted("portal request form", _client(requester), f"/portal/catalogue/items/{laptop.pk}/")


def test_desk_request_page(agent, catalogue):
    _laptop, tickets = catalogue
    _counted("desk request page", _client(agent), f"/desk/tickets/{tickets[0].number}/")


def test_portal_request_page(requester, catalogue):
    _laptop, tickets = catalogue
    _counted("portal request page", _client(requester), f"/portal/tickets/{tickets[0].number}/")


def test_catalogue_editor(manager, catalogue):
    laptop, _tickets = catalogue
    path = f"/portal/catalogue/manage/items/{laptop.pk}/"
    _counted("catalogue item editor", _client(manager), path)


def test_api_catalogue_items(requester, catalogue):
    client = ApiClient(requester)
    client.get("/me")
    _counted("api catalogue items", client, "/catalogue/items")


def test_api_catalogue_form(requester, catalogue):
    laptop, _tickets = catalogue
    client = ApiClient(requester)
    client.get("/me")
    _counted("api catalogue form", client, f"/catalogue/items/{laptop.pk}")


def test_api_catalogue_requests(agent, catalogue):
    laptop, _tickets = catalogue
    client = ApiClient(agent)
    client.get("/me")
    _counted("api catalogue requests", client, "/catalogue/requests", {"item": laptop.pk})
