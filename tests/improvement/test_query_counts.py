"""Query-count baselines of the two new list pages and the register's API list (recorded in
tests/query_baselines.json like the other pages), and the trends page not growing with its
trends."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.improvement import actions
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient
from ..cmdb.factories import ItemFactory, ServiceFactory
from ..factories import CategoryFactory
from ..query_baselines import query_baseline
from .conftest import NOW, incidents_on

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def trends(requester, agent, desk_default_team, settings_utc):
    incidents_on(requester, [1, 2, 3, 4, 5], category=CategoryFactory(name="Printers"))
    incidents_on(requester, [1, 2, 3, 4, 5], item=ServiceFactory(name="Payroll"))
    incidents_on(requester, [1, 2, 3, 4, 5, 6], item=ItemFactory(name="srv-01"))
    actions.trends_record(now=NOW)
    trend = actions.Trend.objects.get(label="srv-01")
    actions.trend_open_problem(actor=agent, trend_id=trend.pk)


@pytest.fixture
def register(agent, requester, trends):
    tickets = list(Ticket.objects.order_by("id")[:2])
    for n in range(3):
        actions.item_create(
            actor=agent, title=f"Improvement {n}", owner=agent.pk, metric="reopen_rate",
            baseline_value="10", tickets=[t.number for t in tickets],
        )  # fmt: skip


def _counted(name: str, client, path: str, params=None) -> None:
    assert client.get(path, params or {}).status_code == 200  # warm the caches
    with query_baseline(name):
        response = client.get(path, params or {})
    assert response.status_code == 200


def test_trends_page(agent, trends):
    _counted(
        "improvement trends page", _client(agent), reverse("improvement:trends"), {"status": "all"}
    )


def test_register_page(agent, register):
    _counted("improvement register page", _client(agent), reverse("improvement:list"))


def test_api_register_list(agent, register):
    client = ApiClient(agent)
    client.get("/me")
    _counted("api improvement items", client, "/improvement/items", {"limit": 25})


def test_api_trend_list(agent, trends):
    client = ApiClient(agent)
    client.get("/me")
    _counted("api improvement trends", client, "/improvement/trends")


def test_the_trends_page_does_not_grow_with_its_trends(agent, requester, trends):
    client = _client(agent)
    url = reverse("improvement:trends")
    client.get(url, {"status": "all"})
    with CaptureQueriesContext(connection) as before:
        client.get(url, {"status": "all"})
    more = CategoryFactory(name="Scanners")
    incidents_on(requester, [1, 2, 3, 4, 5, 6, 7], category=more)
    actions.trends_record(now=NOW)
    with CaptureQueriesContext(connection) as after:
        body = client.get(url, {"status": "all"}).content.decode()
    assert "Scanners" in body
    assert len(after.captured_queries) == len(before.captured_queries)
