"""Which finished tickets get a survey: the settings' kinds, teams and organisations, the
delay, at most one per person per N days, one per ticket ever; and its outbox row."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.surveys.models import SurveyInvitation
from atiende.tickets import actions

from ..factories import AgentFactory, OrganizationFactory, RequesterFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _survey_mail(ticket):
    return OutboundMessage.objects.filter(kind=OutboundKind.SURVEY, ticket=ticket)


def test_resolving_invites_the_requester_with_one_queued_mail(finish, requester, agent, team,
                                                              survey_settings):  # fmt: skip
    survey_settings.delay_hours = 4
    survey_settings.answer_days = 10
    survey_settings.save()
    before = timezone.now()
    ticket = finish(requester)
    survey = SurveyInvitation.objects.get(ticket=ticket)
    assert survey.person == requester and survey.agent == agent and survey.team == team
    assert survey.send_at >= before + timedelta(hours=4)
    assert survey.expires_at == survey.send_at + timedelta(days=10)
    mail = _survey_mail(ticket).get()
    assert mail.recipient == requester and mail.params == {"invitation": survey.pk}
    # The delay holds the mail back in the outbox.
    assert mail.next_attempt_at == survey.send_at


def test_closing_after_resolving_and_resolving_again_ask_once(finish, requester, agent,
                                                              survey_settings):  # fmt: skip
    ticket = finish(requester, to="closed")
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 1
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="in_progress")
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                              resolution_code="solved", resolution_notes="Otra vez.")  # fmt: skip
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 1
    assert _survey_mail(ticket).count() == 1


def test_kinds_filter(finish, requester, survey_settings):
    survey_settings.kinds = ["request"]
    survey_settings.save()
    incident = finish(requester, kind="incident")
    request = finish(requester, kind="request")
    assert not SurveyInvitation.objects.filter(ticket=incident).exists()
    assert SurveyInvitation.objects.filter(ticket=request).exists()


def test_teams_filter(finish, requester, survey_settings, agent):
    networks = TeamFactory(name="Networks")
    survey_settings.teams.set([networks])
    ticket = finish(requester)  # the agent's team, not chosen
    assert not SurveyInvitation.objects.filter(ticket=ticket).exists()
    survey_settings.teams.set([networks, agent.teams.first()])
    assert SurveyInvitation.objects.filter(ticket=finish(requester)).exists()


def test_organisations_filter(finish, requester, survey_settings):
    other = RequesterFactory(organization=OrganizationFactory(name="Other Ltd"))
    survey_settings.organizations.set([requester.organization])
    assert SurveyInvitation.objects.filter(ticket=finish(requester)).exists()
    assert not SurveyInvitation.objects.filter(ticket=finish(other)).exists()


def test_one_survey_per_person_per_n_days(finish, requester, survey_settings):
    survey_settings.min_days_between = 7
    survey_settings.save()
    first = finish(requester)
    second = finish(requester)
    assert SurveyInvitation.objects.filter(ticket=first).exists()
    assert not SurveyInvitation.objects.filter(ticket=second).exists()
    assert not _survey_mail(second).exists()
    # Someone else is asked all the same.
    assert SurveyInvitation.objects.filter(ticket=finish(RequesterFactory())).exists()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert SurveyInvitation.objects.filter(ticket=finish(requester)).exists()


def test_disabled_surveys_and_agents_as_requesters_are_not_asked(
    finish, requester, survey_settings
):
    assert SurveyInvitation.objects.filter(ticket=finish(AgentFactory())).count() == 0
    survey_settings.enabled = False
    survey_settings.save()
    assert not SurveyInvitation.objects.filter(ticket=finish(requester)).exists()


def test_no_mail_without_an_address_but_the_portal_can_still_answer(finish, survey_settings):
    person = RequesterFactory(email="")
    ticket = finish(person)
    assert SurveyInvitation.objects.filter(ticket=ticket).exists()
    assert not _survey_mail(ticket).exists()
