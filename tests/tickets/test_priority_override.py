"""A direct priority override with a reason, instead of impact x urgency (issue 13): the
reason is recorded (internal), impact/urgency edits leave an overridden priority alone, back
to the matrix recomputes, subscribers hear "priority" (SLA re-matches), stale versions and
requesters are refused."""

from __future__ import annotations

import pytest

from atiende.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atiende.tickets import actions
from atiende.tickets.models import Ticket, TicketEvent

from ..factories import make_ticket


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    return make_ticket(requester, actor=agent, impact=3, urgency=3)  # P5 by the matrix


def override(agent, ticket, priority=1, reason="The CEO's laptop.", version=None):
    return actions.ticket_priority_set(
        actor=agent,
        ticket_id=ticket.pk,
        version=ticket.version if version is None else version,
        priority=priority,
        reason=reason,
    )


def test_override_sets_priority_and_records_the_reason_internally(agent, ticket):
    assert ticket.priority == 5
    updated = override(agent, ticket)
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.priority, row.priority_overridden, row.priority_reason) == (
        1, True, "The CEO's laptop.",
    )  # fmt: skip
    assert row.version == ticket.version + 1 == updated.version
    event = TicketEvent.objects.get(ticket=ticket, field="priority")
    assert (event.old_value, event.new_value, event.body, event.public) == (
        "5", "1", "The CEO's laptop.", False,
    )  # fmt: skip


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_reason_is_required(agent, ticket, reason):
    with pytest.raises(ValidationFailed) as refused:
        override(agent, ticket, reason=reason)
    assert "reason" in refused.value.errors
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.priority, row.priority_overridden, row.version) == (5, False, ticket.version)
    assert not TicketEvent.objects.filter(ticket=ticket, field="priority").exists()


@pytest.mark.parametrize("bad", [0, 6, "high", -1])
def test_priority_outside_1_to_5_is_a_field_error(agent, ticket, bad):
    with pytest.raises(ValidationFailed) as refused:
        override(agent, ticket, priority=bad)
    assert "priority" in refused.value.errors


def test_too_long_reason_is_refused(agent, ticket):
    with pytest.raises(ValidationFailed) as refused:
        override(agent, ticket, reason="x" * 501)
    assert "reason" in refused.value.errors


def test_impact_and_urgency_do_not_recompute_while_overridden(agent, ticket):
    ticket = override(agent, ticket, priority=4)
    ticket = actions.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        version=ticket.version,
        changes={"impact": 1, "urgency": 1},
    )
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.impact, row.urgency, row.priority, row.priority_overridden) == (1, 1, 4, True)
    assert TicketEvent.objects.filter(ticket=ticket, field="priority").count() == 1


def test_back_to_the_matrix_recomputes_and_clears_the_override(agent, ticket):
    ticket = override(agent, ticket, priority=4)
    ticket = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=ticket.version, changes={"impact": 1}
    )
    ticket = override(agent, ticket, priority=None, reason="")
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.priority, row.priority_overridden, row.priority_reason) == (3, False, "")
    last = TicketEvent.objects.filter(ticket=ticket, field="priority").latest("id")
    assert (last.old_value, last.new_value, last.public) == ("4", "3", False)
    # and the matrix rules again
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=row.version, changes={"urgency": 1}
    )
    assert Ticket.objects.get(pk=ticket.pk).priority == 1


def test_back_to_the_matrix_when_not_overridden_changes_nothing(agent, ticket):
    same = override(agent, ticket, priority=None, reason="")
    assert same.version == ticket.version
    assert not TicketEvent.objects.filter(ticket=ticket, field="priority").exists()


def test_stale_version_is_refused(agent, ticket):
    with pytest.raises(Conflict):
        override(agent, ticket, version=ticket.version - 1 or 99)
    assert Ticket.objects.get(pk=ticket.pk).priority_overridden is False


def test_requesters_cannot_override(requester, ticket):
    with pytest.raises(Forbidden):
        override(requester, ticket)


def test_agents_who_cannot_see_the_ticket_get_not_found(other_agent, ticket):
    with pytest.raises(NotFound):
        override(other_agent, ticket)


def test_subscribers_hear_priority_so_the_sla_rematches(
    agent, ticket, monkeypatch, django_capture_on_commit_callbacks
):
    from atiende.sla import actions as sla_actions

    rematched: list[int] = []
    monkeypatch.setattr(sla_actions, "clocks_follow_policy", lambda *, ticket_id: rematched.append(ticket_id))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        override(agent, ticket)
    assert rematched == [ticket.pk]
