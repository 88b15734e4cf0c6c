"""Bad input to ticket_create leaves nothing behind: no ticket, no number consumed, no search
document, no event, no published domain event."""

from __future__ import annotations

import pytest

from atiende.core import events
from atiende.core.errors import DomainError, Forbidden, ValidationFailed
from atiende.tickets import actions
from atiende.tickets.events import TicketCreated
from atiende.tickets.models import Ticket, TicketCounter, TicketEvent, TicketSearchDocument

from ..factories import UserFactory


@pytest.fixture
def published(monkeypatch):
    seen = []
    monkeypatch.setattr(
        events, "subscribers", lambda event_type: [lambda event: seen.append(event_type)]
    )
    return seen


def assert_nothing_written():
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not TicketSearchDocument.objects.exists()
    assert not TicketCounter.objects.filter(last__gt=0).exists()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   \x00  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 100_001}, "description"),
        ({"kind": "bug"}, "kind"),
        ({"impact": 9}, "impact"),
        ({"urgency": "soon"}, "urgency"),
        ({"category_id": 999_999}, "category"),
        ({"team_id": 999_999}, "team"),
        ({"assignee_id": 999_999}, "assignee"),
        ({"requester_id": 999_999}, "requester"),
    ],
)
def test_validation_failure_writes_nothing(
    agent, desk_default_team, published, fields, error_field
):
    fields.setdefault("title", "A title")
    with pytest.raises(ValidationFailed) as refused:
        actions.ticket_create(actor=agent, **fields)
    assert refused.value.status_code == 422
    assert error_field in refused.value.errors
    assert_nothing_written()
    assert published == []


def test_inactive_requester_cannot_be_chosen(agent, desk_default_team):
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationFailed):
        actions.ticket_create(actor=agent, title="x", requester_id=gone.pk)
    assert_nothing_written()


@pytest.mark.parametrize(
    "fields",
    [
        lambda o: {"requester_id": o["other_requester"].pk},
        lambda o: {"team_id": o["team"].pk},
        lambda o: {"assignee_id": o["agent"].pk},
        lambda o: {"kind": "change"},
        lambda o: {"kind": "problem"},
    ],
)
def test_requester_cannot_route_or_open_agent_kinds(
    requester, other_requester, agent, team, desk_default_team, fields
):
    others = {"other_requester": other_requester, "agent": agent, "team": team}
    with pytest.raises(DomainError):
        actions.ticket_create(actor=requester, title="x", **fields(others))
    assert_nothing_written()


def test_inactive_actor_cannot_create(requester, desk_default_team):
    requester.is_active = False
    with pytest.raises(Forbidden):
        actions.ticket_create(actor=requester, title="x")
    assert_nothing_written()


def test_failure_inside_the_transaction_rolls_back_the_number(
    requester, desk_default_team, monkeypatch
):
    from atiende.tickets import search

    def broken(text):
        raise RuntimeError("stemmer exploded")

    monkeypatch.setattr(search, "terms", broken)
    with pytest.raises(RuntimeError):
        actions.ticket_create(actor=requester, title="x")
    assert_nothing_written()


def test_successful_create_publishes_after_commit(requester, desk_default_team, published):
    actions.ticket_create(actor=requester, title="x")
    # pytest-django wraps the test in a transaction: on_commit handlers have not run.
    assert published == []


@pytest.mark.django_db(transaction=True)
def test_successful_create_publishes_once_committed(published):
    from ..factories import RequesterFactory

    actions.ticket_create(actor=RequesterFactory(), title="x")
    assert published == [TicketCreated]
