"""A poor rating tells the team lead and opens a follow-up only the lead (or a manager) moves:
acknowledged, requester contacted, closed; each move an internal timeline entry."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.notifications.models import Notification
from atiende.surveys import actions
from atiende.surveys.models import FollowUpStatus, SurveyFollowUp, SurveyInvitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def poor(finish, requester, survey_settings, lead):
    ticket = finish(requester)
    survey = SurveyInvitation.objects.get(ticket=ticket)
    actions.answer(actor=requester, invitation_id=survey.pk, rating=1, comment="Nadie me llamó.")
    return SurveyFollowUp.objects.get(response__invitation=survey)


def test_a_good_rating_tells_nobody(finish, requester, survey_settings, lead):
    survey = SurveyInvitation.objects.get(ticket=finish(requester))
    actions.answer(actor=requester, invitation_id=survey.pk, rating=3)
    assert not Notification.objects.filter(verb="survey_poor").exists()
    assert not SurveyFollowUp.objects.exists()


def test_the_lead_is_told_and_moves_the_follow_up(poor, lead, agent):
    note = Notification.objects.get(verb="survey_poor")
    assert note.user == lead and note.params["rating"] == 1
    from atiende.notifications.messages import render

    number = poor.response.invitation.ticket.number
    assert (
        render(note.verb, note.params) == f"{number}: the requester rated the service 1 out of 5."
    )
    assert not Notification.objects.filter(verb="survey_poor", user=agent).exists()
    with pytest.raises(Forbidden):
        actions.follow_up_move(actor=agent, follow_up_id=poor.pk, to="acknowledged")
    moved = actions.follow_up_move(actor=lead, follow_up_id=poor.pk, to="contacted",
                                   note="Llamé a Ana, todo aclarado.")  # fmt: skip
    assert moved.status == FollowUpStatus.CONTACTED and moved.updated_by == lead
    with pytest.raises(ValidationFailed):
        actions.follow_up_move(actor=lead, follow_up_id=poor.pk, to="acknowledged")
    actions.follow_up_move(actor=lead, follow_up_id=poor.pk, to="closed")
    ticket = poor.response.invitation.ticket
    moves = list(
        ticket.events.filter(field="satisfaction_follow_up").values_list("new_value", flat=True)
    )
    assert moves == ["open", "contacted", "closed"]


def test_someone_who_cannot_see_the_ticket_gets_404(poor, other_agent, manager):
    with pytest.raises(NotFound):
        actions.follow_up_move(actor=other_agent, follow_up_id=poor.pk, to="closed")
    # A manager of the team may.
    actions.follow_up_move(actor=manager, follow_up_id=poor.pk, to="acknowledged")


def test_the_desk_card_and_its_form(poor, lead):
    client = Client()
    client.force_login(lead)
    ticket = poor.response.invitation.ticket
    page = client.get(f"/desk/tickets/{ticket.number}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="satisfaction"' in html and "Nadie me llamó." in html
    moved = client.post(f"/surveys/follow-ups/{poor.pk}/", {"status": "bogus"})
    assert moved.status_code == 302
    poor.refresh_from_db()
    assert poor.status == FollowUpStatus.OPEN
    client.post(
        f"/surveys/follow-ups/{poor.pk}/",
        {"status": "acknowledged", "next": f"/desk/tickets/{ticket.number}/"},
    )
    poor.refresh_from_db()
    assert poor.status == FollowUpStatus.ACKNOWLEDGED
