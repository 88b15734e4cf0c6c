from __future__ import annotations

import pytest
from django.core.cache import cache

from atiende.accounts.models import Role

from .factories import AgentFactory, RequesterFactory, TeamFactory, UserFactory, add_to_team


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    # Users are created by the dozen; real PBKDF2 rounds would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(db):
    return TeamFactory(name="Service Desk")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Networks")


@pytest.fixture
def agent(team):
    return add_to_team(AgentFactory(username="agent"), team)


@pytest.fixture
def other_agent(other_team):
    return add_to_team(AgentFactory(username="other_agent"), other_team)


@pytest.fixture
def manager(team):
    return add_to_team(UserFactory(username="manager", role=Role.MANAGER), team)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def requester(db):
    return RequesterFactory(username="requester")


@pytest.fixture
def other_requester(db):
    return RequesterFactory(username="other_requester")


@pytest.fixture
def desk_default_team(team):
    from atiende.tickets.models import DeskSettings

    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    return team
