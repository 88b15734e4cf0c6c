"""Opening a problem from a trend: one transaction, links and timeline, access, idempotence."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.cmdb.models import TicketItem
from atiende.core.errors import Conflict, NotFound, ValidationFailed
from atiende.improvement import actions
from atiende.improvement.models import Dimension, Trend, TrendStatus
from atiende.tickets.models import EventType, Kind, LinkType, Ticket, TicketEvent, TicketLink

from ..cmdb.factories import ServiceFactory
from ..factories import CategoryFactory
from .conftest import NOW, incidents_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def trend(requester, desk_default_team, settings_utc):
    printers = CategoryFactory(name="Printers")
    incidents_on(requester, [1, 1, 2, 3, 4, 5], category=printers)
    actions.trends_record(now=NOW)
    return Trend.objects.get(dimension=Dimension.CATEGORY, key=printers.pk)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_open_a_problem_links_the_incidents_and_records_the_timeline(trend, agent):
    incidents = list(Ticket.objects.filter(kind=Kind.INCIDENT))
    opened = actions.trend_open_problem(actor=agent, trend_id=trend.pk)
    problem = opened.problem
    assert opened.created and opened.linked == 6
    assert problem.kind == Kind.PROBLEM and problem.number.startswith("PRB-")
    assert problem.category_id == trend.key
    links = TicketLink.objects.filter(to_ticket=problem)
    assert {link.from_ticket_id for link in links} == {t.pk for t in incidents}
    assert {link.link_type for link in links} == {LinkType.CAUSED_BY}
    # the problem's timeline: created, the trend it came from, a link per incident
    types = list(TicketEvent.objects.filter(ticket=problem).values_list("type", "field"))
    assert (EventType.CREATED, "") in types
    assert (EventType.FIELD, "trend") in types
    assert types.count((EventType.LINK, "link_inverse")) == 6
    # each incident's timeline shows the link too
    assert TicketEvent.objects.filter(ticket=incidents[0], type=EventType.LINK).count() == 1
    trend.refresh_from_db()
    assert (trend.status, trend.problem_id, trend.handled_by) == (
        TrendStatus.PROBLEM_OPENED,
        problem.pk,
        agent,
    )


def test_a_second_click_opens_no_second_problem(trend, agent):
    first = actions.trend_open_problem(actor=agent, trend_id=trend.pk)
    second = actions.trend_open_problem(actor=agent, trend_id=trend.pk)
    assert not second.created and second.problem.pk == first.problem.pk
    assert Ticket.objects.filter(kind=Kind.PROBLEM).count() == 1
    assert TicketLink.objects.count() == 6


def test_the_page_button_opens_the_problem_and_shows_it(trend, agent):
    client = _client(agent)
    url = reverse("improvement:trend_problem", args=[trend.pk])
    response = client.post(url)
    problem = Ticket.objects.get(kind=Kind.PROBLEM)
    assert response.status_code == 302
    assert response.url == reverse("desk:ticket", args=[problem.number])
    assert client.post(url).status_code == 302  # double click: the same problem
    assert Ticket.objects.filter(kind=Kind.PROBLEM).count() == 1


def test_only_visible_incidents_are_linked(trend, other_agent, agent):
    # other_agent's team sees none of them: nothing to open a problem for.
    with pytest.raises(ValidationFailed):
        actions.trend_open_problem(actor=other_agent, trend_id=trend.pk)
    assert not Ticket.objects.filter(kind=Kind.PROBLEM).exists()
    trend.refresh_from_db()
    assert trend.status == TrendStatus.NEW


def test_requesters_cannot_open_problems(trend, requester):
    with pytest.raises(NotFound):
        actions.trend_open_problem(actor=requester, trend_id=trend.pk)
    response = _client(requester).post(reverse("improvement:trend_problem", args=[trend.pk]))
    assert response.status_code == 404
    assert not Ticket.objects.filter(kind=Kind.PROBLEM).exists()


def test_a_failure_midway_leaves_nothing(trend, agent, monkeypatch):
    from atiende.tickets import actions as ticket_actions

    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return original(**kwargs)

    original = ticket_actions.ticket_link_add
    monkeypatch.setattr(ticket_actions, "ticket_link_add", failing)
    with pytest.raises(RuntimeError):
        actions.trend_open_problem(actor=agent, trend_id=trend.pk)
    assert not Ticket.objects.filter(kind=Kind.PROBLEM).exists()
    assert not TicketLink.objects.exists()
    trend.refresh_from_db()
    assert trend.status == TrendStatus.NEW and trend.problem_id is None


def test_a_service_trend_marks_the_service_affected(
    requester, agent, desk_default_team, settings_utc
):
    payroll = ServiceFactory(name="Payroll")
    incidents_on(requester, [1, 2, 3, 4, 5], item=payroll)
    actions.trends_record(now=NOW)
    trend = Trend.objects.get(dimension=Dimension.SERVICE)
    problem = actions.trend_open_problem(actor=agent, trend_id=trend.pk).problem
    assert TicketItem.objects.filter(ticket=problem, item=payroll).exists()
    assert TicketLink.objects.filter(to_ticket=problem).count() == 5


def test_dismiss_needs_a_reason_and_a_dismissed_trend_opens_no_problem(trend, agent):
    with pytest.raises(ValidationFailed):
        actions.trend_dismiss(actor=agent, trend_id=trend.pk, reason="  ")
    client = _client(agent)
    url = reverse("improvement:trend_dismiss", args=[trend.pk])
    assert client.post(url, {"reason": ""}).status_code == 422
    trend.refresh_from_db()
    assert trend.status == TrendStatus.NEW
    assert client.post(url, {"reason": "Known outage"}).status_code == 302
    trend.refresh_from_db()
    assert (trend.status, trend.dismiss_reason) == (TrendStatus.DISMISSED, "Known outage")
    with pytest.raises(Conflict):
        actions.trend_open_problem(actor=agent, trend_id=trend.pk)


def test_acknowledge(trend, agent):
    response = _client(agent).post(reverse("improvement:trend_acknowledge", args=[trend.pk]))
    assert response.status_code == 302
    trend.refresh_from_db()
    assert trend.status == TrendStatus.ACKNOWLEDGED


def test_the_trend_pages_show_the_incidents_to_agents_only(trend, agent, other_agent, requester):
    page = _client(agent).get(reverse("improvement:trends"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Printers" in body and "INC-000001" in body and "Open a problem" in body
    detail = _client(agent).get(reverse("improvement:trend", args=[trend.pk]))
    assert "INC-000006" in detail.content.decode()
    # another team's agent sees the trend, not the incidents
    other = _client(other_agent).get(reverse("improvement:trend", args=[trend.pk]))
    assert other.status_code == 200 and "INC-000001" not in other.content.decode()
    assert _client(requester).get(reverse("improvement:trends")).status_code == 302
    assert _client(requester).get(reverse("improvement:trend", args=[trend.pk])).status_code == 404


def test_the_trend_pages_in_spanish(trend, agent):
    client = _client(agent)
    client.cookies["django_language"] = "es"
    body = client.get(reverse("improvement:trends"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Tendencias emergentes" in body and "Abrir un problema" in body
