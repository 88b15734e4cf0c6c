"""The dashboard (team leads and managers): each panel one aggregate query, numbers as
docs/metrics.md defines them, every number a link to the tickets behind it, scoped to what
the reader may count, Spanish formats."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ..factories import make_ticket
from .conftest import at
from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

NOW = at(31, 12)  # Tuesday 31 March 2026: the last 30 days are 2-31 March


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def client_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def get(user, language="en", **params):
    with time_machine.travel(NOW, tick=False):
        return client_for(user, language).get(reverse("reports:dashboard"), params)


def stat(html: str, label: str) -> str:
    """The value of the key figure called `label`."""
    found = re.search(
        rf'<p class="stat-label">{re.escape(label)}</p>\s*<p class="stat-value"><a href="[^"]*">([^<]*)</a>',
        html,
    )
    assert found, label
    return found.group(1)


def test_key_figures_follow_the_metric_definitions(data, manager):
    page = get(manager)
    assert page.status_code == 200
    html = page.content.decode()
    assert stat(html, "Tickets created") == "5"  # T1..T5 (T6 is in the previous period)
    assert stat(html, "Tickets resolved") == "4"
    assert stat(html, "First-contact resolution") == "75.0 %"  # T1, T3, T5 of 4
    assert stat(html, "Reopen rate") == "25.0 %"  # T2
    assert stat(html, "Backlog (open now)") == "2"  # T4 and T6
    assert "Previous period: 1</p>" in html  # T6 created in the 30 days before
    assert 'aria-current="page">Dashboard</a>' in html
    assert 'aria-current="page">Reports</a>' in html  # the top bar's entry


def test_panels_draw_svg_with_tables_and_drill_down_links(data, manager, client=None):
    html = unescape(get(manager).content.decode())
    assert '<svg class="flow-chart" role="img" aria-labelledby="flow-title flow-desc"' in html
    assert '<title id="backlog-title">Backlog by age</title>' in html
    drill = reverse("reports:drill")
    # Backlog by age: T4 (28 days) in "7 to 30 days", T6 (32 days) in "30 days or more".
    link = f"{drill}?metric=backlog&dimension=age&start=2026-03-02&end=2026-03-31&key=d30"
    assert f'<a href="{link}">1</a>' in html
    # The drill-down behind it lists exactly T6.
    with time_machine.travel(NOW, tick=False):
        tickets = client_for(manager).get(link).content.decode()
    assert data["t6"].number in tickets and data["t4"].number not in tickets
    # Per day: 2 March had two tickets created; its link lists T1 and T2.
    day = re.search(r'<a href="([^"]*dimension=day[^"]*)">2</a>', html)
    assert day, "2 March's created count links to its tickets"
    with time_machine.travel(NOW, tick=False):
        tickets = client_for(manager).get(day.group(1)).content.decode()
    assert data["t1"].number in tickets and data["t2"].number in tickets
    assert data["t3"].number not in tickets
    # Workload: both open tickets are unassigned; the row links to them.
    assert "Unassigned" in html
    assert f"{drill}?metric=backlog&dimension=agent&start=2026-03-02&end=2026-03-31&key=" in html


def test_ninety_days_and_spanish_formats(data, manager):
    html = get(manager, "es", days="90").content.decode()
    assert "1 ene 2026" in html  # 90 days back from 31 March, the desk's Spanish dates
    assert "75,0 %" in html  # decimal comma
    assert "Panel de control" in html and "Tickets resueltos" in html  # translated
    assert 'lang="es"' in html


def test_an_agent_counts_only_the_tickets_they_may_see(data, other_agent, manager):
    # T4 moved to other_agent's team; the rest stay with the first team.
    html = get(other_agent).content.decode()
    assert stat(html, "Tickets created") == "1"
    assert stat(html, "Backlog (open now)") == "1"
    assert stat(get(manager).content.decode(), "Tickets created") == "5"


def test_requesters_are_sent_to_the_portal(data, requester):
    page = get(requester)
    assert page.status_code == 302


def test_query_count_does_not_grow_with_tickets_agents_or_days(
    data, manager, agent, other_agent, requester, committed, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import CategoryFactory

    def add(day, who, category):
        with committed(at(day, 9)):
            make_ticket(requester, actor=who, assignee_id=who.pk, category_id=category.pk)

    add(5, agent, CategoryFactory(name="Printers"))  # every panel has a named row
    client = client_for(manager)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("reports:dashboard"))  # warm the caches
        with CaptureQueriesContext(connection) as first:
            client.get(reverse("reports:dashboard"), {"days": 90})
    for day in range(10, 20):
        add(day, agent, CategoryFactory(name=f"Category {day}"))
        add(day, other_agent, CategoryFactory(name=f"Other {day}"))
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(len(first)):
        assert client.get(reverse("reports:dashboard"), {"days": 90}).status_code == 200
