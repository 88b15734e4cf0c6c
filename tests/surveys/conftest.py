"""Fixtures of the survey tests: a requester with an organisation, a team with its lead, and a
helper that resolves a ticket through the real actions (so the survey follows the event)."""

from __future__ import annotations

import pytest

from atiende.accounts.models import TeamMembership
from atiende.surveys.models import SurveySettings
from atiende.tickets import actions
from atiende.tickets.models import Ticket

from ..factories import AgentFactory, RequesterFactory, add_to_team, make_ticket


@pytest.fixture
def requester(db):
    return RequesterFactory(
        username="ana", email="ana@example.org", first_name="Ana", language="es"
    )


@pytest.fixture
def lead(team):
    user = add_to_team(AgentFactory(username="lead"), team)
    TeamMembership.objects.filter(user=user, team=team).update(is_lead=True)
    return user


@pytest.fixture
def survey_settings(db):
    config = SurveySettings.load()
    config.enabled = True
    config.delay_hours = 0
    config.min_days_between = 0
    config.save()
    return config


@pytest.fixture
def finish(agent, team):
    """Open and resolve a ticket of `requester` (assigned to the agent, in the team)."""

    def _finish(requester, *, to="resolved", **fields) -> Ticket:
        fields.setdefault("team_id", team.pk)
        ticket = make_ticket(requester, actor=agent, assignee_id=agent.pk, **fields)
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
            resolution_notes="Cambiamos el tóner.",
        )  # fmt: skip
        if to == "closed":
            actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to="closed")
        return Ticket.objects.get(pk=ticket.pk)

    return _finish
