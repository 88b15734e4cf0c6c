"""Answering from the portal and the API: the requester of a finished ticket only; answering
again updates the one response (counted once); bad input is a 4xx that writes nothing; the
answer is an internal timeline entry."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.surveys.models import SurveyFollowUp, SurveyInvitation, SurveyResponse
from atiende.tickets.selectors import timeline_for

from ..api.conftest import ApiClient, assert_error
from ..factories import RequesterFactory

pytestmark = pytest.mark.django_db


def _portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_portal_page_shows_the_widget_and_takes_the_answer(finish, requester, survey_settings):
    ticket = finish(requester)
    client = _portal(requester)
    page = client.get(f"/portal/tickets/{ticket.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="survey"' in html and f"/surveys/tickets/{ticket.number}/answer/" in html
    done = client.post(
        f"/surveys/tickets/{ticket.number}/answer/", {"rating": "5", "comment": "Muy rápido."}
    )
    assert done.status_code == 302
    response = SurveyResponse.objects.get(invitation__ticket=ticket)
    assert (response.rating, response.comment) == (5, "Muy rápido.")
    # Again: the same response, updated, counted once.
    client.post(f"/surveys/tickets/{ticket.number}/answer/", {"rating": "4", "comment": ""})
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().rating == 4
    # The requester does not see the internal rating entries in their timeline.
    assert not timeline_for(requester, ticket).filter(field="satisfaction").exists()
    assert ticket.events.filter(field="satisfaction").count() == 2


def test_the_widget_is_only_for_the_person_asked(finish, requester, agent, survey_settings):
    ticket = finish(requester)
    colleague = RequesterFactory(organization=requester.organization, is_organization_manager=True)
    page = _portal(colleague).get(f"/portal/tickets/{ticket.number}/")
    assert page.status_code == 200 and 'id="survey"' not in page.content.decode()
    refused = _portal(colleague).post(f"/surveys/tickets/{ticket.number}/answer/", {"rating": "1"})
    assert refused.status_code == 404
    stranger = _portal(RequesterFactory()).post(
        f"/surveys/tickets/{ticket.number}/answer/", {"rating": "1"}
    )
    assert stranger.status_code == 404
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("bad", ["0", "6", "abc", "", "3.5"])
def test_a_bad_rating_writes_nothing(finish, requester, survey_settings, bad):
    ticket = finish(requester)
    answer = _portal(requester).post(f"/surveys/tickets/{ticket.number}/answer/", {"rating": bad})
    assert answer.status_code == 302  # back to the ticket, with the message
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get(ticket=ticket).answered_at is None
    api = ApiClient(requester).post(f"/tickets/{ticket.pk}/survey", {"rating": bad or None})
    assert api.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_the_api_rating_and_a_too_long_comment(finish, requester, survey_settings):
    ticket = finish(requester)
    api = ApiClient(requester)
    long = api.post(f"/tickets/{ticket.number}/survey", {"rating": 2, "comment": "x" * 4001})
    assert_error(long, 422, "comment")
    assert not SurveyResponse.objects.exists()
    ok = api.post(f"/tickets/{ticket.number}/survey", {"rating": 2, "comment": "Lento."})
    assert ok.status_code == 200 and ok.json()["rating"] == 2
    assert SurveyFollowUp.objects.count() == 1
    # Up to 5 and back down again: still one follow-up, not a second one.
    api.post(f"/tickets/{ticket.number}/survey", {"rating": 5})
    api.post(f"/tickets/{ticket.number}/survey", {"rating": 1})
    assert SurveyFollowUp.objects.count() == 1
    assert SurveyResponse.objects.get().comment == "Lento."  # null comment keeps it


def test_no_survey_no_answer(finish, requester, survey_settings):
    survey_settings.enabled = False
    survey_settings.save()
    ticket = finish(requester)
    api = ApiClient(requester).post(f"/tickets/{ticket.pk}/survey", {"rating": 5})
    assert_error(api, 404)


def test_reading_the_survey_of_a_ticket(finish, requester, agent, other_agent, survey_settings):
    ticket = finish(requester)
    mine = ApiClient(requester)
    before = mine.get(f"/tickets/{ticket.number}/survey")
    assert before.status_code == 200
    assert before.json()["open"] is True and before.json()["rating"] is None
    mine.post(f"/tickets/{ticket.number}/survey", {"rating": 1, "comment": "Mal."})
    seen = ApiClient(agent).get(f"/tickets/{ticket.pk}/survey").json()
    assert (seen["rating"], seen["comment"], seen["follow_up"], seen["open"]) == (
        1,
        "Mal.",
        "open",
        False,
    )
    assert mine.get(f"/tickets/{ticket.number}/survey").json()["follow_up"] is None
    assert_error(ApiClient(other_agent).get(f"/tickets/{ticket.pk}/survey"), 404)
    colleague = RequesterFactory(organization=requester.organization, is_organization_manager=True)
    assert_error(ApiClient(colleague).get(f"/tickets/{ticket.pk}/survey"), 404)
