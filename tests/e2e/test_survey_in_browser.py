"""The one-click rating from a real e-mail: the survey is delivered to the test SMTP server,
its "1" link is opened in headless Chromium on a phone without signing in, the person adds a
comment, and the team lead finds the follow-up on the desk ticket page."""

from __future__ import annotations

import re

import pytest

from atiende.accounts.models import TeamMembership
from atiende.mail.outbound.delivery import deliver_due
from atiende.surveys.models import FollowUpStatus, SurveyFollowUp, SurveyResponse, SurveySettings
from atiende.tickets import actions

from ..factories import PASSWORD, AgentFactory, RequesterFactory, add_to_team, make_ticket
from ..mail.smtp_server import smtp_server_fixture  # noqa: F401 - fixture
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rating_from_the_mail_on_a_phone(new_page, smtp_server, live_server, settings, agent, team):
    settings.SITE_URL = live_server.url
    config = SurveySettings.load()
    config.enabled = True
    config.save()
    lead = add_to_team(AgentFactory(username="lead"), team)
    TeamMembership.objects.filter(user=lead, team=team).update(is_lead=True)
    person = RequesterFactory(
        username="ana", email="ana@example.org", first_name="Ana", language="es"
    )
    ticket = make_ticket(person, actor=agent, team_id=team.pk, assignee_id=agent.pk)
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                              resolution_code="solved", resolution_notes="Tóner.")  # fmt: skip
    deliver_due()
    survey = next(m for m in smtp_server.messages if "Qué tal" in str(m["Subject"]))
    html = survey.get_body(preferencelist=("html",)).get_content()
    links = {
        n: url for url, n in re.findall(r'href="[^"]*(/surveys/rate/[^"]+)"[^>]*>([1-5]) ', html)
    }
    one = links["1"]

    phone = new_page(width=390, height=844, locale="es-ES")
    phone.goto(one)
    assert "hemos registrado su valoración" in phone.content()
    phone.fill("textarea[name=comment]", "Nadie me avisó.")
    phone.click("button[type=submit].primary")
    phone.wait_for_load_state()
    assert "Gracias por su respuesta" in phone.content()
    response = SurveyResponse.objects.get(invitation__ticket=ticket)
    assert (response.rating, response.comment) == (1, "Nadie me avisó.")
    # The same link again: already answered.
    again = phone.goto(one)
    assert again is not None and again.status == 410

    desk = new_page()
    sign_in(desk, lead.username, PASSWORD)
    desk.goto(f"/desk/tickets/{ticket.number}/")
    assert "Nadie me avisó." in desk.content()
    desk.select_option("#satisfaction select[name=status]", "contacted")
    desk.click("#satisfaction button[type=submit]")
    desk.wait_for_load_state()
    assert SurveyFollowUp.objects.get(response=response).status == FollowUpStatus.CONTACTED
