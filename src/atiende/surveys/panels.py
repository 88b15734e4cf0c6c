"""The survey on the ticket pages (tickets.panels): the rating widget for the requester in the
portal, and the satisfaction card (rating, comment, follow-up) on the desk."""

from __future__ import annotations

from collections.abc import Sequence

from atiende.accounts.models import User
from atiende.core import clock
from atiende.tickets.models import Ticket
from atiende.tickets.panels import Audience, Panel, Placement, register

from .actions import FINISHED, can_follow_up
from .models import FOLLOW_UP_MOVES, FollowUpStatus, Rating, SurveyInvitation, SurveyResponse


def _surveys(actor: User, tickets: Sequence[Ticket]) -> dict[int, SurveyInvitation]:
    from .selectors import invitations_visible_to

    ids = [t.pk for t in tickets if t.status in FINISHED]
    if not ids:
        return {}
    found = invitations_visible_to(actor).select_related("response", "response__follow_up")
    return {s.ticket_id: s for s in found.filter(ticket_id__in=ids)}


def _response_of(survey: SurveyInvitation):  # -> SurveyResponse | None
    try:
        return survey.response
    except SurveyInvitation.response.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def load_widget(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """The requester's own open survey (answered or not) while it can still be answered."""
    now = clock.now()
    return {
        ticket_id: {"survey": s, "response": _response_of(s), "ratings": Rating.choices}
        for ticket_id, s in _surveys(actor, tickets).items()
        if s.person_id == actor.pk and now <= s.expires_at
    }


def load_card(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for ticket_id, s in _surveys(actor, tickets).items():
        response = _response_of(s)
        follow_up = None
        if response is not None:
            try:
                follow_up = response.follow_up
            except SurveyResponse.follow_up.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
                follow_up = None
        out[ticket_id] = {
            "survey": s,
            "response": response,
            "follow_up": follow_up,
            "moves": [(m, FollowUpStatus(m).label) for m in FOLLOW_UP_MOVES[follow_up.status]]
            if follow_up is not None and can_follow_up(actor, s.team_id)
            else [],
        }
    return out


def register_panels() -> None:
    register(
        Panel(
            name="survey_widget",
            template="surveys/_widget.html",
            placement=Placement.MAIN,
            order=150,
            audience=Audience.REQUESTERS,
            load=load_widget,
            only_with=("surveys.SurveyInvitation.ticket",),
        )
    )
    register(
        Panel(
            name="satisfaction",
            template="surveys/_card.html",
            placement=Placement.SIDE,
            order=450,
            audience=Audience.AGENTS,
            load=load_card,
            only_with=("surveys.SurveyInvitation.ticket",),
            # No jump link: most tickets have no survey, and the link would lead nowhere.
        )
    )
