"""The desk's Reports page: agents only, the chart and its table, drill-down links to the
queue, CSV exports streamed, Spanish formats."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def client_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_the_page_shows_the_chart_the_table_and_drill_down_links(data, manager, team, other_team):
    page = client_for(manager).get(
        reverse("reports:page"), {"metric": "created", "dimension": "team", **MARCH}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="report-chart" role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">Tickets created · Team</title>' in html
    drill = reverse("reports:drill")
    assert (
        f'<a href="{drill}?metric=created&amp;dimension=team&amp;start=2026-03-01&amp;end=2026-03-31&amp;key={team.pk}">4</a>'
        in html
    )
    assert f'key={other_team.pk}">1</a>' in html
    assert 'aria-current="page">Reports</a>' in html


def test_durations_in_hours_and_percent_in_spanish(data, manager):
    page = client_for(manager, "es").get(
        reverse("reports:page"), {"metric": "resolution_wall", "dimension": "all", **MARCH}
    )
    html = page.content.decode()
    # Median 10,800 s = 3.0 h, p90 241,200 s = 67.0 h, in Spanish decimals.
    assert "3,0 h" in html and "67,0 h" in html
    page = client_for(manager, "es").get(
        reverse("reports:page"), {"metric": "fcr", "dimension": "all", **MARCH}
    )
    assert "75,0 %" in page.content.decode()


def test_requesters_get_404_and_bad_periods_an_error(data, requester, manager):
    assert client_for(requester).get(reverse("reports:page")).status_code == 404
    page = client_for(manager).get(
        reverse("reports:page"), {"start": "2026-03-02", "end": "2026-03-01"}
    )
    assert page.status_code == 200
    assert "The end must be after the start." in page.content.decode()


def test_csv_exports_stream(data, manager, team):
    answer = client_for(manager).get(
        reverse("reports:csv"), {"metric": "created", "dimension": "team", **MARCH}
    )
    assert answer.streaming
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("key,label,value,count,previous")
    assert lines[1].startswith(f"{team.pk},{team.name},4,4,1")
    facts = client_for(manager).get(reverse("reports:facts_csv"), MARCH)
    assert facts.streaming
    rows = b"".join(facts.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("number,kind,channel")
    assert len(rows) == 1 + 5  # created in March: T1..T5


def test_the_tickets_behind_a_number(data, manager, other_team):
    client = client_for(manager)
    params = {"metric": "created", "dimension": "team", **MARCH}
    page = client.get(reverse("reports:drill"), {**params, "key": other_team.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert data["t4"].number in html and data["t1"].number not in html
    # First-contact resolution's population: the four tickets resolved in March.
    page = client.get(
        reverse("reports:drill"), {"metric": "fcr", "dimension": "all", **MARCH, "key": "all"}
    )
    html = page.content.decode()
    assert [t for t in ("t1", "t2", "t3", "t4", "t5") if data[t].number in html] == [
        "t1",
        "t2",
        "t3",
        "t5",
    ]
    assert (
        "Breached"
        in client.get(
            reverse("reports:drill"), {"metric": "sla_first_response", "dimension": "all", **MARCH}
        ).content.decode()
    )
