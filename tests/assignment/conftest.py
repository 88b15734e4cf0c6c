from __future__ import annotations

import pytest

from atiende.accounts.models import Team
from atiende.assignment.models import AgentSettings, Mode, TeamPolicy

from ..factories import AgentFactory, TeamFactory, add_to_team


@pytest.fixture
def desk(db) -> Team:
    return TeamFactory(name="Level 1")


@pytest.fixture
def agents(desk):
    """Three agents of the team, in id order."""
    return [add_to_team(AgentFactory(username=f"l1-{i}"), desk) for i in range(3)]


def policy(team: Team, mode: str = Mode.ROUND_ROBIN, **fields) -> TeamPolicy:
    found, _ = TeamPolicy.objects.update_or_create(team=team, defaults={"mode": mode, **fields})
    return found


def settings(user, **fields) -> AgentSettings:
    categories = fields.pop("categories", None)
    found, _ = AgentSettings.objects.update_or_create(user=user, defaults=fields)
    if categories is not None:
        found.categories.set(categories)
    return found
