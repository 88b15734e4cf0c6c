"""Priority from the impact x urgency matrix: total, in range, monotonic, configurable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.tickets import actions, priority
from atiende.tickets.models import Impact, PriorityRule, Ticket, Urgency

from ..factories import make_ticket

levels = st.sampled_from([1, 2, 3])


@given(impact=levels, urgency=levels)
def test_default_matrix_is_total_and_in_range(impact, urgency):
    assert 1 <= priority.DEFAULT_MATRIX[(impact, urgency)] <= 5


@given(impact=levels, urgency=levels, more_impact=levels, more_urgency=levels)
def test_default_matrix_is_monotonic(impact, urgency, more_impact, more_urgency):
    """Raising impact or urgency (a lower number) never lowers priority (a higher number)."""
    base = priority.DEFAULT_MATRIX[(impact, urgency)]
    if more_impact <= impact:
        assert priority.DEFAULT_MATRIX[(more_impact, urgency)] <= base
    if more_urgency <= urgency:
        assert priority.DEFAULT_MATRIX[(impact, more_urgency)] <= base


def test_default_matrix_corners():
    assert priority.DEFAULT_MATRIX[(1, 1)] == 1
    assert priority.DEFAULT_MATRIX[(3, 3)] == 5
    assert len(priority.DEFAULT_MATRIX) == 9


@pytest.mark.django_db
@settings(max_examples=30, deadline=None)
@given(impact=levels, urgency=levels)
def test_computed_priority_matches_the_seeded_matrix(impact, urgency):
    priority.invalidate()
    assert priority.compute_priority(impact, urgency) == priority.DEFAULT_MATRIX[(impact, urgency)]


@pytest.mark.django_db
def test_configured_rule_overrides_after_invalidation():
    assert priority.compute_priority(Impact.LOW, Urgency.LOW) == 5  # and now cached
    PriorityRule.objects.filter(impact=3, urgency=3).update(priority=2)
    assert priority.compute_priority(Impact.LOW, Urgency.LOW) == 5  # still the cached matrix
    priority.invalidate()
    assert priority.compute_priority(Impact.LOW, Urgency.LOW) == 2


@pytest.mark.django_db
def test_missing_rules_fall_back_to_the_default():
    PriorityRule.objects.all().delete()
    priority.invalidate()
    assert priority.matrix() == priority.DEFAULT_MATRIX


def test_tickets_get_and_follow_the_matrix(requester, agent, desk_default_team):
    ticket = make_ticket(requester, actor=agent, impact=1, urgency=2)
    assert ticket.priority == 2
    updated = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=ticket.version, changes={"urgency": 1}
    )
    assert updated.priority == 1
    assert Ticket.objects.get(pk=ticket.pk).priority == 1
    event = updated.events.get(field="priority")
    assert (event.old_value, event.new_value, event.public) == ("2", "1", False)


def test_requester_non_incidents_get_low_impact(requester, desk_default_team):
    ticket = make_ticket(requester, kind="question", impact=1, urgency=1)
    assert ticket.impact == Impact.LOW
    assert ticket.priority == priority.DEFAULT_MATRIX[(3, 1)]


@pytest.mark.parametrize("bad", [0, 4, "high", None, "1.5", -1])
def test_impact_outside_the_matrix_is_a_field_error(requester, bad, desk_default_team):
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        make_ticket(requester, impact=bad)
    assert "impact" in refused.value.errors
    assert not Ticket.objects.exists()
