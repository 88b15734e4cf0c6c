"""The rules around transitions: who may do what, reopen period, required details,
assignment moving the status."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.tickets import actions
from atiende.tickets.models import DeskSettings, EventType, Status, Ticket, TicketEvent

from ..factories import RequesterFactory, make_ticket
from .conftest import resolve


def test_requester_confirms_a_resolution(ticket, requester, agent):
    resolve(agent, ticket)
    closed = actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)
    assert closed.status == Status.CLOSED
    assert closed.closed_at is not None


def test_requester_cannot_resolve_cancel_or_move_an_open_ticket(ticket, requester):
    for target in (Status.RESOLVED, Status.CANCELLED, Status.IN_PROGRESS, Status.PENDING):
        with pytest.raises(ValidationFailed):
            actions.ticket_transition(
                actor=requester, ticket_id=ticket.pk, to=target,
                resolution_code="solved", resolution_notes="x", pending_reason="other",
            )  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_requester_reopen_goes_to_in_progress_when_assigned(ticket, requester, agent):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    resolve(agent, ticket)
    reopened = actions.ticket_transition(
        actor=requester, ticket_id=ticket.pk, to=Status.IN_PROGRESS
    )
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.resolved_at is None
    assert reopened.resolution_code == ""


def test_requester_reopen_goes_to_new_when_unassigned(ticket, requester, agent):
    resolve(agent, ticket)
    reopened = actions.ticket_transition(
        actor=requester, ticket_id=ticket.pk, to=Status.IN_PROGRESS
    )
    assert reopened.status == Status.NEW


def test_reopen_period_is_enforced_for_requesters(ticket, requester, agent):
    desk = DeskSettings.load()
    desk.reopen_days = 3
    desk.save()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        resolve(agent, ticket)
        traveller.shift(timedelta(days=3) - timedelta(minutes=1))
        reopened = actions.ticket_transition(
            actor=requester, ticket_id=ticket.pk, to=Status.IN_PROGRESS
        )
        assert reopened.status == Status.NEW
        resolve(agent, ticket)
        traveller.shift(timedelta(days=3, minutes=1))
        before = TicketEvent.objects.filter(ticket=ticket).count()
        with pytest.raises(ValidationFailed) as refused:
            actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.IN_PROGRESS)
        assert "to" in refused.value.errors
        assert TicketEvent.objects.filter(ticket=ticket).count() == before
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
        # The requester can still confirm after the reopen period.
        closed = actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)
        assert closed.status == Status.CLOSED


def test_agents_may_reopen_after_the_period(ticket, agent):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        resolve(agent, ticket)
        traveller.shift(timedelta(days=DeskSettings.load().reopen_days + 30))
        reopened = actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS
        )
    assert reopened.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("code", "notes", "fields"),
    [
        ("", "", {"resolution_code", "resolution_notes"}),
        ("solved", "   ", {"resolution_notes"}),
        ("no-such-code", "Fixed", {"resolution_code"}),
        ("", "Fixed", {"resolution_code"}),
    ],
)
def test_resolution_needs_a_known_code_and_notes(ticket, agent, code, notes, fields):
    with pytest.raises(ValidationFailed) as refused:
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED,
            resolution_code=code, resolution_notes=notes,
        )  # fmt: skip
    assert refused.value.status_code == 422
    assert set(refused.value.errors) == fields
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.resolved_at, stored.version) == (Status.NEW, None, 1)


def test_inactive_resolution_code_is_refused(ticket, agent):
    from atiende.tickets.models import ResolutionCode

    ResolutionCode.objects.filter(code="duplicate").update(is_active=False)
    with pytest.raises(ValidationFailed) as refused:
        resolve(agent, ticket, resolution_code="duplicate")
    assert "resolution_code" in refused.value.errors


def test_resolution_stores_code_notes_and_time(ticket, agent):
    resolved = resolve(agent, ticket, resolution_notes="  Replaced the toner.  ")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.resolution_code == "solved"
    assert stored.resolution_notes == "Replaced the toner."
    assert stored.resolved_at == resolved.resolved_at is not None


@pytest.mark.parametrize("reason", ["", "because", None])
def test_pending_needs_a_known_reason(ticket, agent, reason):
    with pytest.raises(ValidationFailed) as refused:
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.PENDING, pending_reason=reason or ""
        )
    assert "pending_reason" in refused.value.errors
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_pending_reason_is_kept_while_pending_and_cleared_after(ticket, agent):
    pending = actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.PENDING, pending_reason="third_party"
    )
    assert pending.pending_reason == "third_party"
    moving = actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS)
    assert moving.pending_reason == ""


def test_assigning_moves_new_to_assigned_and_unassigning_back(ticket, agent):
    assigned = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=ticket.version, changes={"assignee": agent.pk}
    )
    assert assigned.status == Status.ASSIGNED
    status_event = TicketEvent.objects.filter(ticket=ticket, type=EventType.STATUS).last()
    assert (status_event.old_value, status_event.new_value) == (Status.NEW, Status.ASSIGNED)
    unassigned = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=assigned.version, changes={"assignee": None}
    )
    assert unassigned.status == Status.NEW
    assert unassigned.assignee is None


def test_unassigning_in_progress_keeps_the_status(ticket, agent):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS)
    ticket = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": None}
    )
    assert ticket.status == Status.IN_PROGRESS


def test_creating_with_an_assignee_starts_assigned(requester, agent, desk_default_team):
    ticket = make_ticket(requester, actor=agent, assignee_id=agent.pk)
    assert ticket.status == Status.ASSIGNED


def test_assigned_status_needs_an_assignee(ticket, agent):
    with pytest.raises(ValidationFailed):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.ASSIGNED)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_requester_cannot_update_fields(ticket, requester):
    with pytest.raises(Forbidden):
        actions.ticket_update(
            actor=requester, ticket_id=ticket.pk, version=None, changes={"title": "x"}
        )


def test_other_requester_cannot_see_or_transition(ticket, agent, other_requester):
    resolve(agent, ticket)
    with pytest.raises(NotFound):
        actions.ticket_transition(actor=other_requester, ticket_id=ticket.pk, to=Status.CLOSED)


def test_organisation_manager_sees_but_may_not_confirm_or_reopen_for_the_requester(
    ticket, requester, agent
):
    manager = RequesterFactory(organization=requester.organization, is_organization_manager=True)
    resolve(agent, ticket)
    for target in (Status.CLOSED, Status.IN_PROGRESS):
        with pytest.raises(Forbidden):
            actions.ticket_transition(actor=manager, ticket_id=ticket.pk, to=target)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_reopening_clears_resolution_and_closure(ticket, agent, requester):
    resolve(agent, ticket)
    actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)
    reopened = actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS)
    stored = Ticket.objects.get(pk=reopened.pk)
    assert (stored.resolved_at, stored.closed_at, stored.resolution_code, stored.resolution_notes) == (
        None, None, "", ""
    )  # fmt: skip


def test_closed_ticket_cannot_be_reassigned(ticket, agent, requester):
    resolve(agent, ticket)
    with pytest.raises(ValidationFailed):
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
        )
