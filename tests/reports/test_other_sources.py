"""CSAT and the knowledge base's deflection rate as report metrics: the figures their own
domains define (surveys.selectors.csat_summary, knowledge.selectors.deflection_rate), on the
Reports page and the API, split where they can be, with no ticket list behind them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from atiende.core import clock
from atiende.knowledge.models import DeflectionEvent
from atiende.reports.selectors import Period, report
from atiende.surveys import actions as surveys
from atiende.surveys.models import SurveySettings
from atiende.tickets import actions

from ..factories import make_ticket


@pytest.fixture
def answered(agent, team, requester):
    config = SurveySettings.load()
    config.enabled, config.delay_hours, config.min_days_between = True, 0, 0
    config.save()
    ratings = [5, 4, 2]
    for rating in ratings:
        ticket = make_ticket(requester, actor=agent, assignee_id=agent.pk, team_id=team.pk)
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  resolution_code="solved", resolution_notes="Done.")  # fmt: skip
        surveys.answer_ticket(actor=requester, ticket_id=ticket.pk, rating=rating)
    return ratings


def period():
    now = clock.now()
    return Period(now - timedelta(days=7), now + timedelta(minutes=1))


def test_csat_by_agent_and_in_total(answered, manager, agent):
    found = report(manager, metric="csat", dimension="agent", period=period())
    assert [(r.key, round(r.value, 1), r.count) for r in found.rows] == [(agent.pk, 66.7, 3)]
    assert found.total.parts["sent"] == 3 and found.total.parts["satisfied"] == 2
    page = Client()
    page.force_login(manager)
    html = page.get(reverse("reports:page"), {"metric": "csat", "dimension": "team"}).content
    assert "66.7 %" in html.decode()
    assert reverse("reports:drill") not in html.decode()  # no ticket list behind it


def test_deflection_rate(manager, requester):
    now = clock.now()
    for _ in range(3):
        DeflectionEvent.objects.create(user=requester, created_at=now)
    found = report(manager, metric="deflection", dimension="all", period=period())
    assert found.total.value == 100.0 and found.total.parts == {"solved": 3, "sent_anyway": 0}


def test_unsupported_splits_are_refused(manager):
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        report(manager, metric="deflection", dimension="team", period=period())
    with pytest.raises(ValidationFailed):
        report(manager, metric="csat", dimension="day", period=period())
