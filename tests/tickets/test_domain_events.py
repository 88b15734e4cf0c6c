"""Actions publish domain events after commit, for every state change, including status
changes caused by (un)assignment; nothing is published when the action fails."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.core import events
from atiende.core.errors import Conflict
from atiende.tickets import actions
from atiende.tickets.events import (
    TicketAttachmentAdded,
    TicketCommented,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
)

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team


@pytest.fixture
def published(monkeypatch):
    seen: list[object] = []

    def subscribers(event_type):
        return [seen.append]

    monkeypatch.setattr(events, "subscribers", subscribers)
    return seen


@pytest.fixture
def people(transactional_db):
    from atiende.tickets.models import DeskSettings, ResolutionCode

    team = TeamFactory(name="Desk")
    agent = add_to_team(AgentFactory(), team)
    # Transactional tests flush the configuration rows the migrations seeded.
    ResolutionCode.objects.get_or_create(code="solved", defaults={"name_en": "Solved"})
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    return agent, RequesterFactory(), team


@pytest.mark.django_db(transaction=True)
def test_assignment_publishes_the_status_change(people, published):
    agent, requester, team = people
    ticket = actions.ticket_create(
        actor=agent, title="x", requester_id=requester.pk, team_id=team.pk
    )
    published.clear()
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=1, changes={"assignee": agent.pk}
    )
    updated, status_changed = published
    assert status_changed == TicketStatusChanged(
        ticket_id=ticket.pk, actor_id=agent.pk, old="new", new="assigned"
    )
    assert isinstance(updated, TicketUpdated) and set(updated.fields) == {"assignee", "status"}


@pytest.mark.django_db(transaction=True)
def test_each_action_publishes_once_committed(people, published):
    agent, requester, _team = people
    ticket = actions.ticket_create(actor=requester, title="x")
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="more")
    actions.attachment_add(
        actor=requester, ticket_id=ticket.pk, file=SimpleUploadedFile("a.txt", b"a")
    )
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"impact": 1})
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
        resolution_notes="ok",
    )  # fmt: skip
    assert [type(event) for event in published] == [
        TicketCreated, TicketCommented, TicketAttachmentAdded, TicketUpdated, TicketStatusChanged,
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_failed_action_publishes_nothing(people, published):
    agent, requester, team = people
    ticket = actions.ticket_create(
        actor=agent, title="x", requester_id=requester.pk, team_id=team.pk
    )
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"impact": 1})
    published.clear()
    with pytest.raises(Conflict):
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"impact": 2})
    assert published == []


@pytest.mark.django_db(transaction=True)
def test_failing_subscriber_never_undoes_the_change(people, monkeypatch):
    from atiende.tickets.models import Ticket

    _agent, requester, _team = people

    def broken(event):
        raise RuntimeError("subscriber bug")

    monkeypatch.setattr(events, "subscribers", lambda event_type: [broken])
    ticket = actions.ticket_create(actor=requester, title="still here")
    assert Ticket.objects.filter(pk=ticket.pk).exists()
