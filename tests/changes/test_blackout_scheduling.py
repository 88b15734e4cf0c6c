"""The calendar inside the change lifecycle: scheduling through the changes actions runs the
blackout check and stores conflicts; moving, cancelling or re-itemising a change keeps the
stored conflicts current."""

from __future__ import annotations

import pytest

from atiende.changes import actions
from atiende.changes.models import ChangeConflict
from atiende.cmdb import actions as cmdb_actions
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import EventType, TicketEvent

from .calendar_support import make_blackout, small_estate
from .factories import END, START, make_change, to_authorisation


@pytest.fixture
def estate(db):
    return small_estate()


def scheduled(agent, items=(), **fields):
    ticket = make_change(agent, planned_start=START, planned_end=END, **fields)
    if items:
        cmdb_actions.ticket_items_set(actor=agent, ticket_id=ticket.pk, add=[i.pk for i in items])
    to_authorisation(agent, ticket, "low")  # no approval policy for low risk
    return actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")


def test_scheduling_into_a_blackout_needs_an_override_reason(agent):
    make_blackout("Year-end freeze", start=START, end=END)
    ticket = make_change(agent, planned_start=START, planned_end=END)
    to_authorisation(agent, ticket, "low")
    with pytest.raises(ValidationFailed) as refused:
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    assert "override_reason" in refused.value.errors
    ticket.refresh_from_db()
    assert ticket.status == "authorisation"
    actions.change_transition(
        actor=agent, ticket_id=ticket.pk, to="scheduled", override_reason="Legal deadline"
    )
    note = TicketEvent.objects.get(ticket=ticket, type=EventType.NOTE)
    assert "Legal deadline" in note.body and note.actor == agent
    assert ChangeConflict.objects.get(change=ticket).kind == "blackout"


def test_conflicts_follow_the_window_the_items_and_the_status(agent, estate):
    a = scheduled(agent, items=[estate["erp_db"]])
    b = scheduled(agent, items=[estate["erp_app"]], title="Deploy ERP 5.2")
    assert set(ChangeConflict.objects.values_list("change_id", "other_id", "kind")) == {
        (a.pk, b.pk, "shared_service"),
        (b.pk, a.pk, "shared_service"),
    }
    # Adding the same item to b makes it a same-item conflict.
    cmdb_actions.ticket_items_set(actor=agent, ticket_id=b.pk, add=[estate["erp_db"].pk])
    assert set(ChangeConflict.objects.values_list("kind", flat=True)) == {"same_item"}
    # Moving b out of a's window clears the pair.
    actions.change_update(
        actor=agent, ticket_id=b.pk, version=None,
        changes={"planned_start": END.isoformat(),
                 "planned_end": END.replace(hour=END.hour + 1).isoformat()},
    )  # fmt: skip
    assert not ChangeConflict.objects.exists()
    # Back again, then cancelled: cleared again.
    actions.change_update(
        actor=agent, ticket_id=b.pk, version=None,
        changes={"planned_start": START.isoformat(), "planned_end": END.isoformat()},
    )  # fmt: skip
    assert ChangeConflict.objects.filter(change=a).exists()
    actions.change_transition(actor=agent, ticket_id=b.pk, to="cancelled")
    assert not ChangeConflict.objects.exists()
