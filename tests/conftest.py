from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from atiende.accounts.models import Role
from atiende.core import memo
from atiende.tickets import numbering

from .factories import AgentFactory, RequesterFactory, TeamFactory, UserFactory, add_to_team

# Property tests check behaviour, not speed: a busy CI machine must not fail them on time
# (hypothesis' default is 200 ms per example).
hypothesis_settings.register_profile("atiende", deadline=None)
hypothesis_settings.load_profile("atiende")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    # Users are created by the dozen; real PBKDF2 rounds would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    memo.forget_all()  # flushed tables send no signals
    yield
    cache.clear()
    memo.forget_all()


# Data migrations seed the desk's default configuration (priority matrix, resolution codes,
# desk settings, calendars and SLA policies). Transactional tests flush every table when they
# end, so whatever test runs next on that worker gets the seed again, as after `migrate`.
SEED_MIGRATIONS = (
    "atiende.tickets.migrations.0003_default_configuration",
    "atiende.sla.migrations.0002_default_calendars_and_policies",
    "atiende.changes.migrations.0002_default_risk_questionnaire_and_policies",
    "atiende.changes.migrations.0006_board_and_policy_spanish_names",
)


def _seed_default_configuration() -> None:
    from atiende.changes.models import Board, RiskQuestion
    from atiende.sla.models import SlaPolicy
    from atiende.tickets.models import DeskSettings, ResolutionCode

    if (
        ResolutionCode.objects.exists()
        and DeskSettings.objects.exists()
        and SlaPolicy.objects.filter(name="Standard (office hours)").exists()
        and Board.objects.exists()
        and RiskQuestion.objects.exists()
    ):
        return
    for name in SEED_MIGRATIONS:
        importlib.import_module(name).forward(django_apps, None)


@pytest.fixture(autouse=True)
def _default_configuration(request):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    _seed_default_configuration()
    # Every test numbers its tickets from 1, as on an empty database: PostgreSQL's number
    # sequences are not rolled back with the test (SQLite's counter rows are).
    numbering.restart()


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
