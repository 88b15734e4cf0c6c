"""Ids that are not numbers (from forms or JSON) answer a field error, never a crash."""

import pytest

from atiende.core.errors import ValidationFailed
from atiende.tickets import actions
from atiende.tickets.models import Ticket

from ..factories import make_ticket


@pytest.mark.parametrize("field", ["category_id", "team_id", "assignee_id", "requester_id"])
@pytest.mark.parametrize("value", ["abc", "1.5x", [], {}, -3, 2**70])
def test_agent_create_with_a_malformed_id_is_a_field_error(agent, field, value):
    with pytest.raises(ValidationFailed) as failure:
        actions.ticket_create(actor=agent, title="VPN caída", **{field: value})
    assert failure.value.errors
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", ["category", "team", "assignee"])
def test_update_with_a_malformed_id_is_a_field_error(agent, requester, desk_default_team, field):
    ticket = make_ticket(requester)
    with pytest.raises(ValidationFailed) as failure:
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None, changes={field: "x"})
    assert field in failure.value.errors
    ticket.refresh_from_db()
    assert ticket.version == 1
