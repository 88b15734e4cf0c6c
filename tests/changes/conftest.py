"""Fixtures of the changes tests: the seeded questionnaire and boards (again after a
transactional test flushed them), boards with members, and changes made through the actions."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from atiende.changes.models import Board, RiskQuestion

from ..factories import AgentFactory, add_to_team
from .factories import answer_all, make_change


@pytest.fixture(autouse=True)
def _change_configuration(request):
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    _seed()


def _seed() -> None:
    """The questionnaire, boards and policies of the data migration (again after a flush)."""
    if not RiskQuestion.objects.exists() or not Board.objects.exists():
        module = importlib.import_module(
            "atiende.changes.migrations.0002_default_risk_questionnaire_and_policies"
        )
        module.forward(django_apps, None)


def board(name_start: str) -> Board:
    return Board.objects.get(name__startswith=name_start)


@pytest.fixture
def change_manager(team):
    user = add_to_team(AgentFactory(username="change_manager", first_name="Carmen"), team)
    board("Change managers").members.add(user)
    return user


@pytest.fixture
def cab_members(team, other_team):
    members = [
        add_to_team(AgentFactory(username=f"cab{i}"), other_team if i % 2 else team)
        for i in range(3)
    ]
    board("Change advisory").members.add(*members)
    return members


@pytest.fixture
def ecab_member(other_team):
    user = add_to_team(AgentFactory(username="ecab"), other_team)
    board("Emergency").members.add(user)
    return user


@pytest.fixture
def change(agent):
    """A normal change raised by `agent` with its plans written, in status new."""
    return make_change(agent)


@pytest.fixture
def answer():
    return answer_all
