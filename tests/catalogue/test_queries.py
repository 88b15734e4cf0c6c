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


# --- submitting (the bar: 20 fields and 3 tasks under 50 ms; round trips count) ------


def _submit_queries(item, requester) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actions.request_submit(actor=requester, item_id=item.pk, answers=GOOD)  # warm
    with CaptureQueriesContext(connection) as captured:
        actions.request_submit(actor=requester, item_id=item.pk, answers=GOOD)
    return len(captured.captured_queries)


def test_submit_with_tasks(laptop, manager, requester, team):
    """Submitting a request whose first tasks open at once: the ticket (through tickets'
    creation, its search document holding the answers' words), the answers, the steps and
    task templates read once, the tasks written opened in one INSERT with their due times
    (the calendar read once) and their timeline entries in one more. No UPDATE of the ticket."""
    from atiende.catalogue.models import StepMode

    for n in range(3):
        actions.task_template_save(
            actor=manager, item_id=laptop.pk, title=f"Task {n}", team_id=team.pk,
            mode=StepMode.PARALLEL, target_minutes=60 * (n + 1),
        )  # fmt: skip
    actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)  # warm
    with query_baseline("catalogue submit, 3 tasks"):
        actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)


def test_submit_queries_do_not_grow_with_tasks(laptop, manager, requester, team):
    """A task opening costs no statement of its own (one bulk write for all of them)."""
    from atiende.catalogue.models import StepMode

    add = lambda **kw: actions.task_template_save(  # noqa: E731
        actor=manager, item_id=laptop.pk, team_id=team.pk, target_minutes=30, **kw
    )
    add(title="First")
    one = _submit_queries(laptop, requester)
    for n in range(5):
        add(title=f"Alongside {n}", mode=StepMode.PARALLEL)
    add(title="Later")
    assert _submit_queries(laptop, requester) == one
