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


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["es-ES", "en-GB"])
def test_the_survey_pages_fit_the_screen(new_page, width, locale, manager, team):
    from atiende.surveys import actions as survey_actions
    from atiende.surveys.models import SurveyInvitation

    config = SurveySettings.load()
    config.enabled = True
    config.min_days_between = 0
    config.save()
    agent = add_to_team(AgentFactory(username="agent"), team)
    person = RequesterFactory(username="ana", language=locale[:2])
    ticket = make_ticket(person, actor=agent, team_id=team.pk, assignee_id=agent.pk,
                         title="Una impresora con un nombre bastante largo en la planta segunda")  # fmt: skip
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                              resolution_code="solved", resolution_notes="Tóner.")  # fmt: skip
    survey = SurveyInvitation.objects.get(ticket=ticket)
    survey_actions.answer(actor=person, invitation_id=survey.pk, rating=2,
                          comment="Un comentario largo " * 20)  # fmt: skip
    page = new_page(width=width, height=900, locale=locale)
    sign_in(page, manager.username, PASSWORD)
    visits = ["/surveys/", "/surveys/?by=agent", "/surveys/responses/", "/surveys/settings/",
              f"/desk/tickets/{ticket.number}/"]  # fmt: skip
    too_wide = []
    for url in visits:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        document = page.evaluate("document.documentElement.scrollWidth")
        if document > width:
            too_wide.append((url, document))
    page.context.clear_cookies()
    sign_in(page, person.username, PASSWORD)
    response = page.goto(f"/portal/tickets/{ticket.number}/")
    assert response is not None and response.status == 200
    assert page.locator("#survey input[name=rating][value='2']").is_checked()
    if page.evaluate("document.documentElement.scrollWidth") > width:
        too_wide.append(("portal", 0))
    assert too_wide == []
