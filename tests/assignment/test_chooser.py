"""The choice itself, without a database: rotation, least load, tie-breaks, reasons."""

from __future__ import annotations

from atiende.assignment.chooser import AT_CAP, AWAY, Candidate, choose
from atiende.assignment.models import Mode


def c(user_id, open=0, load=0, passed_over=""):
    return Candidate(user_id, f"A{user_id}", open, load, None, passed_over)


def test_round_robin_reads_from_just_after_the_pointer_and_wraps():
    found = [c(3), c(5), c(9)]
    assert choose(Mode.ROUND_ROBIN, found, None).chosen.user_id == 3
    assert choose(Mode.ROUND_ROBIN, found, 3).chosen.user_id == 5
    assert choose(Mode.ROUND_ROBIN, found, 5).chosen.user_id == 9
    assert choose(Mode.ROUND_ROBIN, found, 9).chosen.user_id == 3
    # The agent chosen last left the team: the turn goes on from where they were.
    assert choose(Mode.ROUND_ROBIN, found, 6).chosen.user_id == 9


def test_round_robin_skips_agents_passed_over_and_counts_why():
    found = [c(1, passed_over=AWAY), c(2, passed_over=AT_CAP), c(3), c(4, passed_over=AT_CAP)]
    choice = choose(Mode.ROUND_ROBIN, found, 3)
    assert choice.chosen.user_id == 3
    assert choice.skipped == {AWAY: 1, AT_CAP: 2}
    assert choice.members == 4


def test_least_loaded_takes_the_lightest_weighted_load():
    found = [c(1, open=1, load=5), c(2, open=3, load=3), c(3, open=2, load=4)]
    assert choose(Mode.LEAST_LOADED, found, None).chosen.user_id == 2


def test_least_loaded_ties_rotate_instead_of_always_the_lowest_id():
    found = [c(1, open=2, load=4), c(2, open=2, load=4), c(3, open=2, load=4)]
    assert choose(Mode.LEAST_LOADED, found, 1).chosen.user_id == 2
    assert choose(Mode.LEAST_LOADED, found, 3).chosen.user_id == 1
    # Equal weight: fewer tickets first.
    found = [c(1, open=3, load=4), c(2, open=2, load=4)]
    assert choose(Mode.LEAST_LOADED, found, None).chosen.user_id == 2


def test_nobody_when_everyone_is_passed_over_or_manual():
    assert choose(Mode.ROUND_ROBIN, [c(1, passed_over=AWAY)], None).chosen is None
    assert choose(Mode.ROUND_ROBIN, [], None).chosen is None
    assert choose(Mode.MANUAL, [c(1)], None).chosen is None
