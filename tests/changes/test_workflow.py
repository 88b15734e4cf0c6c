"""The change lifecycle table and its guards, without a database."""

from __future__ import annotations

import itertools

import pytest

from atiende.changes import workflow as w

FACTS = dict(
    change_type=w.NORMAL,
    has_plans=True,
    risk_assessed=True,
    has_window=True,
    approvals_satisfied=True,
    reviewed=True,
)


def test_the_normal_path_is_allowed_step_by_step():
    path = [w.NEW, w.ASSESSMENT, w.AUTHORISATION, w.SCHEDULED, w.IMPLEMENTING, w.REVIEW, w.CLOSED]
    for current, target in itertools.pairwise(path):
        assert w.can_transition(w.NORMAL, current, target), (current, target)
        assert w.can_transition(w.EMERGENCY, current, target), (current, target)


def test_standard_changes_skip_authorisation():
    assert w.can_transition(w.STANDARD, w.NEW, w.SCHEDULED)
    assert w.can_transition(w.STANDARD, w.ASSESSMENT, w.SCHEDULED)
    assert not w.can_transition(w.STANDARD, w.ASSESSMENT, w.AUTHORISATION)
    assert not w.can_transition(w.NORMAL, w.NEW, w.SCHEDULED)
    assert not w.can_transition(w.NORMAL, w.ASSESSMENT, w.SCHEDULED)


def test_failure_goes_through_review_and_final_states_are_final():
    assert w.can_transition(w.NORMAL, w.IMPLEMENTING, w.FAILED)
    assert w.allowed_targets(w.NORMAL, w.FAILED) == {w.REVIEW}
    for final in w.FINAL:
        assert w.allowed_targets(w.NORMAL, final) == frozenset()


def test_cancelling_only_before_implementation():
    for status in (w.NEW, w.ASSESSMENT, w.AUTHORISATION, w.SCHEDULED):
        assert w.can_transition(w.NORMAL, status, w.CANCELLED)
    for status in (w.IMPLEMENTING, w.REVIEW, w.FAILED):
        assert not w.can_transition(w.NORMAL, status, w.CANCELLED)


def test_rejection_is_never_a_chosen_transition():
    for status in w.STATUSES:
        assert w.REJECTED not in w.allowed_targets(w.NORMAL, status)


def test_cannot_implement_before_scheduled():
    for status in (w.NEW, w.ASSESSMENT, w.AUTHORISATION):
        assert not w.can_transition(w.NORMAL, status, w.IMPLEMENTING)


@pytest.mark.parametrize(
    ("target", "missing_fact", "guard"),
    [
        (w.AUTHORISATION, "has_plans", "plans"),
        (w.AUTHORISATION, "risk_assessed", "risk"),
        (w.SCHEDULED, "has_window", "window"),
        (w.SCHEDULED, "approvals_satisfied", "approvals"),
        (w.CLOSED, "reviewed", "review"),
    ],
)
def test_guards_name_what_is_missing(target, missing_fact, guard):
    assert w.missing_for(w.Facts(**FACTS), target) == []
    assert w.missing_for(w.Facts(**{**FACTS, missing_fact: False}), target) == [guard]


def test_standard_changes_need_no_approvals_and_emergency_ones_no_risk():
    standard = w.Facts(**{**FACTS, "change_type": w.STANDARD, "approvals_satisfied": False})
    assert w.missing_for(standard, w.SCHEDULED) == []
    emergency = w.Facts(**{**FACTS, "change_type": w.EMERGENCY, "risk_assessed": False})
    assert w.missing_for(emergency, w.AUTHORISATION) == []
