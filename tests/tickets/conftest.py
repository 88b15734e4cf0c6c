from __future__ import annotations

import pytest

from atiende.tickets import actions
from atiende.tickets.models import Status

from ..factories import make_ticket


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    """A new incident of `requester`, routed to the agent's team (unassigned)."""
    return make_ticket(requester)


def resolve(agent, ticket, **extra):
    return actions.ticket_transition(
        actor=agent,
        ticket_id=ticket.pk,
        to=Status.RESOLVED,
        resolution_code=extra.pop("resolution_code", "solved"),
        resolution_notes=extra.pop("resolution_notes", "Replaced the toner."),
        **extra,
    )
