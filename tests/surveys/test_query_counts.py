"""Query counts of the survey pages and API lists (tests/query_baselines.json): flat in the
number of rows. Record with ATIENDE_UPDATE_QUERY_BASELINES=1 on each database."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.surveys import actions
from atiende.surveys.models import SurveyInvitation

from ..api.conftest import ApiClient
from ..factories import RequesterFactory
from ..query_baselines import query_baseline

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys(finish, survey_settings, lead):
    tickets = []
    for rating in (5, 1, 3, None):
        person = RequesterFactory()
        ticket = finish(person)
        if rating:
            survey = SurveyInvitation.objects.get(ticket=ticket)
            actions.answer(actor=person, invitation_id=survey.pk, rating=rating, comment="ok")
        tickets.append(ticket)
    return tickets


def _counted(name: str, client, path: str, params=None) -> None:
    assert client.get(path, params or {}).status_code == 200  # warm the caches
    with query_baseline(name):
        response = client.get(path, params or {})
    assert response.status_code == 200


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_survey_results_page(surveys, lead):
    _counted("survey results page", _client(lead), "/surveys/", {"by": "agent"})


def test_survey_responses_page(surveys, lead):
    _counted("survey responses page", _client(lead), "/surveys/responses/")


def test_desk_ticket_page_with_a_survey(surveys, lead):
    _counted("desk ticket page with a survey", _client(lead), f"/desk/tickets/{surveys[1].number}/")


def test_api_survey_responses(surveys, lead):
    client = ApiClient(lead)
    client.get("/me")
    _counted("api survey responses", client, "/surveys/responses")


def test_api_survey_summary(surveys, lead):
    client = ApiClient(lead)
    client.get("/me")
    _counted("api survey summary", client, "/surveys/summary", {"by": "team"})
