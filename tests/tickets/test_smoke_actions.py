from atiende.tickets import actions, selectors
from atiende.tickets.models import EventType, Status
from atiende.tickets.selectors import TicketFilters

from ..factories import make_ticket


def test_requester_ticket_reaches_default_team_and_is_searchable(
    requester, agent, desk_default_team
):
    ticket = make_ticket(
        requester, title="La impresión sale borrosa", description="Impresoras del piso 2"
    )
    assert ticket.number == "INC-000001"
    assert ticket.team == desk_default_team
    assert ticket.priority == 5
    found = selectors.tickets_filtered(agent, TicketFilters(q="impresion impresora"))
    assert list(found) == [ticket]
    # The SLA clocks started in the ticket's own transaction, and say so in its timeline.
    assert [e.type for e in ticket.events.order_by("id")] == [EventType.CREATED, EventType.SLA]
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="secreto interno", public=False)
    assert list(selectors.tickets_filtered(agent, TicketFilters(q="secreto"))) == [ticket]
    assert list(selectors.tickets_filtered(requester, TicketFilters(q="secreto"))) == []
    resolved = actions.ticket_transition(
        actor=agent,
        ticket_id=ticket.pk,
        to=Status.RESOLVED,
        resolution_code="solved",
        resolution_notes="Cambiado el tóner",
    )
    assert resolved.status == Status.RESOLVED
