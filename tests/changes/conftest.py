"""Fixtures of the changes tests: boards with members, and changes made through the actions.
(The seeded questionnaire and boards come back after a flush with the default configuration
of tests/conftest.py.)"""

from __future__ import annotations

import pytest

from atiende.changes.models import Board

from ..factories import AgentFactory, add_to_team
from .factories import answer_all, make_change


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
