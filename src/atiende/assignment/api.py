"""Assignment over the API (docs/assignment.md): a team's policy (agents read it, managers
change it) and an agent's settings (the agent reads theirs and sets their availability;
managers read and change everyone's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Router, Schema
from pydantic import Field

from atiende.accounts.models import Team, User
from atiende.core.api import Id, InputSchema, Moment, TeamRef, errors, person_ref
from atiende.core.api import PersonRef as PersonOut
from atiende.core.errors import Forbidden, NotFound

from . import actions, selectors
from .models import CAP_MAX, AgentSettings, TeamPolicy

router = Router(tags=["assignment"])

ModeName = Literal["manual", "round_robin", "least_loaded"]
LanguageCode = Literal["en", "es"]


class PolicyOut(Schema):
    team: TeamRef
    mode: str = Field(description="manual, round_robin or least_loaded.")
    use_skills: bool
    respect_working_hours: bool
    default_cap: int | None
    last_assigned: PersonOut | None = Field(description="The round-robin pointer.")
    version: int


class PolicyPatch(InputSchema):
    version: int | None = Field(None, description="The version you read (409 when stale).")
    mode: ModeName | None = None
    use_skills: bool | None = None
    respect_working_hours: bool | None = None
    default_cap: int | None = Field(None, ge=1, le=CAP_MAX, description="null: no limit.")


class AgentOut(Schema):
    agent: PersonOut
    available: bool
    away_from: datetime | None
    away_until: datetime | None
    calendar: int | None = Field(description="Business calendar id (working hours).")
    cap: int | None
    categories: list[int]
    languages: list[str]
    version: int


class AgentPatch(InputSchema):
    version: int | None = Field(None, description="The version you read (409 when stale).")
    available: bool | None = None
    away_from: Moment | None = None
    away_until: Moment | None = None
    calendar: Id | None = Field(None, description="Managers only.")
    cap: int | None = Field(None, ge=1, le=CAP_MAX, description="Managers only.")
    categories: list[Id] | None = Field(None, max_length=500, description="Managers only.")
    languages: list[LanguageCode] | None = Field(None, max_length=2, description="Managers only.")


MANAGER_FIELDS = {"calendar", "cap", "categories", "languages"}


def _team(request, team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first() if request.user.is_agent else None
    if team is None:
        raise NotFound()
    return team


def policy_data(policy: TeamPolicy) -> dict[str, Any]:
    return {
        "team": {"id": policy.team.pk, "name": policy.team.name},
        "mode": policy.mode,
        "use_skills": policy.use_skills,
        "respect_working_hours": policy.respect_working_hours,
        "default_cap": policy.default_cap,
        "last_assigned": person_ref(policy.last_assigned) if policy.last_assigned_id else None,
        "version": policy.version,
    }


def agent_data(agent: User, settings: AgentSettings) -> dict[str, Any]:
    return {
        "agent": person_ref(agent),
        "available": settings.available,
        "away_from": settings.away_from,
        "away_until": settings.away_until,
        "calendar": settings.calendar_id,
        "cap": settings.cap,
        "categories": sorted(c.pk for c in settings.categories.all()) if settings.pk else [],
        "languages": list(settings.languages),
        "version": settings.version,
    }


@router.get(
    "/assignment/teams/{team_id}",
    response={200: PolicyOut, **errors(401, 404, 422)},
    url_name="assignment_policy",
    summary="A team's assignment policy (agents)",
)
def policy_get(request, team_id: Id):
    return policy_data(selectors.policy_of(_team(request, team_id)))


@router.patch(
    "/assignment/teams/{team_id}",
    response={200: PolicyOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="assignment_policy_update",
    summary="Change a team's assignment policy (managers); fields left out stay",
)
def policy_update(request, team_id: Id, payload: PolicyPatch):
    team = _team(request, team_id)
    if not request.user.is_manager:
        raise Forbidden(str(actions.MANAGERS_ONLY))
    current = selectors.policy_of(team)
    sent = payload.model_fields_set
    actions.policy_update(
        actor=request.user,
        team_id=team.pk,
        version=payload.version,
        mode=payload.mode if "mode" in sent and payload.mode else current.mode,
        use_skills=payload.use_skills if payload.use_skills is not None else current.use_skills,
        respect_working_hours=payload.respect_working_hours
        if payload.respect_working_hours is not None
        else current.respect_working_hours,
        default_cap=payload.default_cap if "default_cap" in sent else current.default_cap,
    )
    return policy_data(selectors.policy_of(team))


def _agent(request, user_id: int) -> User:
    agent = selectors.agent_get(user_id) if request.user.is_agent else None
    if agent is None or (agent.pk != request.user.pk and not request.user.is_manager):
        raise NotFound()
    return agent


@router.get(
    "/assignment/agents/{user_id}",
    response={200: AgentOut, **errors(401, 404, 422)},
    url_name="assignment_agent",
    summary="An agent's skills and availability (their own; managers: anyone's)",
)
def agent_get(request, user_id: Id):
    agent = _agent(request, user_id)
    return agent_data(agent, selectors.settings_of(agent))


@router.patch(
    "/assignment/agents/{user_id}",
    response={200: AgentOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="assignment_agent_update",
    summary="Set availability (an agent, their own); skills, calendar and cap (managers)",
)
def agent_update(request, user_id: Id, payload: AgentPatch):
    agent = _agent(request, user_id)
    current = selectors.settings_of(agent)
    sent = payload.model_fields_set
    if sent & MANAGER_FIELDS and not request.user.is_manager:
        raise Forbidden(str(actions.MANAGERS_ONLY))
    available = payload.available if payload.available is not None else current.available
    away_from = payload.away_from if "away_from" in sent else current.away_from
    away_until = payload.away_until if "away_until" in sent else current.away_until
    if request.user.is_manager:
        actions.agent_settings_update(
            actor=request.user,
            user_id=agent.pk,
            version=payload.version,
            available=available,
            away_from=away_from,
            away_until=away_until,
            calendar_id=payload.calendar if "calendar" in sent else current.calendar_id,
            cap=payload.cap if "cap" in sent else current.cap,
            category_ids=payload.categories
            if payload.categories is not None
            else ([c.pk for c in current.categories.all()] if current.pk else []),
            languages=payload.languages
            if payload.languages is not None
            else list(current.languages),
        )
    else:
        actions.availability_set(
            actor=request.user,
            user_id=agent.pk,
            version=payload.version,
            available=available,
            away_from=away_from,
            away_until=away_until,
        )
    return agent_data(agent, selectors.settings_of(agent))
