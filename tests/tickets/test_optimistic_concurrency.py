"""Every write carries the version it read; a stale write is refused with 409 and changes
nothing."""

from __future__ import annotations

import pytest

from atiende.core.errors import Conflict
from atiende.tickets import actions
from atiende.tickets.models import Status, Ticket, TicketEvent


def _snapshot(ticket_id):
    ticket = Ticket.objects.get(pk=ticket_id)
    fields = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
    return fields, list(TicketEvent.objects.filter(ticket_id=ticket_id).values())


def test_stale_update_is_refused_with_the_current_version(ticket, agent):
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"title": "First"})
    before = _snapshot(ticket.pk)
    with pytest.raises(Conflict) as refused:
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=1, changes={"title": "Late"}
        )
    assert refused.value.status_code == 409
    assert refused.value.current_version == 2
    assert _snapshot(ticket.pk) == before


def test_stale_transition_is_refused_and_writes_nothing(ticket, agent):
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"urgency": 1})
    before = _snapshot(ticket.pk)
    with pytest.raises(Conflict) as refused:
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, version=1,
            resolution_code="solved", resolution_notes="x",
        )  # fmt: skip
    assert refused.value.current_version == 2
    assert _snapshot(ticket.pk) == before


def test_two_agents_editing_first_wins_second_is_refused(ticket, agent, other_agent):
    from ..factories import add_to_team

    add_to_team(other_agent, ticket.team)
    read_by_first = Ticket.objects.get(pk=ticket.pk).version
    read_by_second = Ticket.objects.get(pk=ticket.pk).version
    first = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=read_by_first, changes={"impact": 1}
    )
    assert first.version == read_by_first + 1
    with pytest.raises(Conflict):
        actions.ticket_update(
            actor=other_agent, ticket_id=ticket.pk, version=read_by_second, changes={"impact": 2}
        )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.impact, stored.version) == (1, first.version)
    assert not TicketEvent.objects.filter(ticket=ticket, actor=other_agent).exists()


def test_version_rises_by_one_per_write_and_no_op_keeps_it(ticket, agent):
    same = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=1, changes={"title": ticket.title}
    )
    assert same.version == 1
    assert Ticket.objects.get(pk=ticket.pk).version == 1
    changed = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=1, changes={"impact": 2}
    )
    assert changed.version == 2


def test_version_is_accepted_as_a_string(ticket, agent):
    changed = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version="1", changes={"impact": 2}
    )
    assert changed.version == 2


@pytest.mark.parametrize("version", ["abc", "1.5", [], {}])
def test_malformed_version_is_a_field_error_not_a_crash(ticket, agent, version):
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=version, changes={"impact": 2}
        )
    assert "version" in refused.value.errors
