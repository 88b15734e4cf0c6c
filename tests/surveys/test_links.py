"""The survey e-mail through the real SMTP server, in the person's language, and its one-click
rating links: no sign-in, the first click records the rating then offers a comment; a used,
altered or expired link answers a clear 4xx and writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound.delivery import deliver_due
from atiende.notifications.models import Notification
from atiende.surveys import links
from atiende.surveys.models import (
    FollowUpStatus,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyResponse,
)

from ..mail.smtp_server import smtp_server_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _csrf_post(client: Client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    return client.post(url, {"csrfmiddlewaretoken": token[1], **data})


def test_rating_from_the_mailed_link_without_signing_in(smtp_server, finish, requester, lead,
                                                        settings, survey_settings):  # fmt: skip
    settings.SITE_URL = "https://desk.example.com"
    ticket = finish(requester)
    deliver_due()
    survey_mail = [m for m in smtp_server.messages if "¿Qué tal lo hicimos?" in str(m["Subject"])]
    assert len(survey_mail) == 1, [str(m["Subject"]) for m in smtp_server.messages]
    message = survey_mail[0]
    assert message["To"] == "ana@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Muy satisfecho" in text, text  # in the requester's language
    found = dict(
        re.findall(r"([1-5]) - [^:\n]*: https://desk\.example\.com(/surveys/rate/\S+/)", text)
    )
    assert sorted(found) == ["1", "2", "3", "4", "5"], text

    browser = Client(enforce_csrf_checks=True)
    clicked = browser.get(found["2"])
    assert clicked.status_code == 302
    response = SurveyResponse.objects.get(invitation__ticket=ticket)
    assert response.rating == 2 and response.comment == ""
    assert SurveyInvitation.objects.get(ticket=ticket).answered_at is not None
    # Poor: the team lead is told in the app, and a follow-up is open.
    assert Notification.objects.filter(user=lead, verb="survey_poor", ticket=ticket).exists()
    assert SurveyFollowUp.objects.get(response=response).status == FollowUpStatus.OPEN
    # The comment page, in Spanish, adds a comment to the same response.
    page = browser.get(clicked["Location"])
    assert page.status_code == 200 and "Gracias" in page.content.decode()
    done = _csrf_post(browser, clicked["Location"], {"rating": "2", "comment": "Tardaron mucho."})
    assert done.status_code == 200
    assert SurveyResponse.objects.get(invitation__ticket=ticket).comment == "Tardaron mucho."
    assert SurveyResponse.objects.count() == 1
    # Single use: every rating link of this survey is spent now.
    for rating in ("2", "5"):
        again = Client().get(found[rating])
        assert again.status_code == 410 and "Ya ha respondido" in again.content.decode()
    assert SurveyResponse.objects.get(invitation__ticket=ticket).rating == 2
    # The timeline has internal entries for the rating and the follow-up.
    entries = ticket.events.filter(field__in=["satisfaction", "satisfaction_follow_up"])
    assert entries.count() == 3 and not entries.filter(public=True).exists()


def test_a_prefetch_by_head_changes_nothing(finish, requester, survey_settings):
    ticket = finish(requester)
    survey = SurveyInvitation.objects.get(ticket=ticket)
    url = f"/surveys/rate/{links.rate_token(survey, 5)}/"
    assert Client().head(url).status_code == 405
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("aaa" if not t.endswith("aaa") else "bbb"),
        lambda t: t[:10],
        lambda t: "x",
    ],
)
def test_forged_links_answer_400_and_write_nothing(finish, requester, survey_settings, mangle):
    survey = SurveyInvitation.objects.get(ticket=finish(requester))
    response = Client().get(f"/surveys/rate/{mangle(links.rate_token(survey, 5))}/")
    assert response.status_code == 400 and "not valid" not in response.content.decode()[:0]
    assert not SurveyResponse.objects.exists()
    comment = Client().get(f"/surveys/comment/{mangle(links.comment_token(survey))}/")
    assert comment.status_code == 400


def test_a_link_signed_for_another_person_or_rating_is_refused(finish, requester, survey_settings):
    survey = SurveyInvitation.objects.get(ticket=finish(requester))
    other = signing.dumps(
        {"i": survey.pk, "u": survey.person_id + 1000, "r": 5}, salt=links.RATE_SALT
    )
    bad_rating = signing.dumps(
        {"i": survey.pk, "u": survey.person_id, "r": 9}, salt=links.RATE_SALT
    )
    wrong_salt = signing.dumps({"i": survey.pk, "u": survey.person_id, "r": 5}, salt="other")
    for token in (other, bad_rating, wrong_salt):
        assert Client().get(f"/surveys/rate/{token}/").status_code == 400
    # A comment link before any rating is no link at all.
    assert Client().get(f"/surveys/comment/{links.comment_token(survey)}/").status_code == 400
    assert not SurveyResponse.objects.exists()


def test_expired_links_answer_410(finish, requester, survey_settings):
    survey = SurveyInvitation.objects.get(ticket=finish(requester))
    url = f"/surveys/rate/{links.rate_token(survey, 4)}/"
    with time_machine.travel(survey.expires_at + timedelta(minutes=1)):
        response = Client().get(url)
    assert response.status_code == 410 and "cerrado" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_an_expired_survey_is_not_mailed(smtp_server, finish, requester, survey_settings):
    ticket = finish(requester)
    survey = SurveyInvitation.objects.get(ticket=ticket)
    with time_machine.travel(survey.expires_at + timedelta(minutes=1)):
        deliver_due()
    row = OutboundMessage.objects.get(kind=OutboundKind.SURVEY, ticket=ticket)
    assert row.status == OutboundStatus.SUPPRESSED


def test_the_delay_holds_the_mail_back(smtp_server, finish, requester, survey_settings):
    survey_settings.delay_hours = 2
    survey_settings.save()
    ticket = finish(requester)
    deliver_due()
    row = OutboundMessage.objects.get(kind=OutboundKind.SURVEY, ticket=ticket)
    assert row.status == OutboundStatus.QUEUED
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        deliver_due()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT


def test_a_bad_rating_on_the_comment_page_is_422_and_keeps_the_answer(finish, requester,
                                                                     survey_settings):  # fmt: skip
    survey = SurveyInvitation.objects.get(ticket=finish(requester))
    browser = Client()
    clicked = browser.get(f"/surveys/rate/{links.rate_token(survey, 4)}/")
    answer = browser.post(clicked["Location"], {"rating": "7", "comment": "x"})
    assert answer.status_code == 422
    response = SurveyResponse.objects.get()
    assert response.rating == 4 and response.comment == ""
