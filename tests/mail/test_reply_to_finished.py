"""Mail follows the tickets' one rule for messages on finished tickets
(tickets.workflow.requester_reply): a reply to a cancelled ticket, or to a closed one after the
reopen period, opens a follow-up, as does one to a closed ticket; to a resolved ticket within the period it
reopens the ticket. Never a comment on a
ticket no queue shows."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.notifications.models import Notification
from atiende.tickets import actions
from atiende.tickets.models import DeskSettings, EventType, Status, Ticket

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def _close(ticket, agent) -> Ticket:
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Toner replaced.",
    )  # fmt: skip
    return actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.CLOSED)


def _cancel(ticket, agent) -> Ticket:
    return actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.CANCELLED)


def _comments(ticket) -> int:
    return ticket.events.filter(type=EventType.COMMENT).count()


def test_mail_to_a_cancelled_ticket_opens_a_follow_up(mailbox, agent, desk_default_team):
    first = receive(make_mail(message_id="<c1@x.org>"), mailbox=mailbox)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    _cancel(ticket, agent)
    reply = receive(make_mail(message_id="<c2@x.org>", in_reply_to="<c1@x.org>"), mailbox=mailbox)
    assert reply.outcome == Outcome.FOLLOW_UP and reply.ticket_id != ticket.pk
    assert _comments(ticket) == 0


def test_mail_to_a_closed_ticket_opens_a_follow_up(mailbox, agent, desk_default_team):
    first = receive(make_mail(message_id="<d1@x.org>"), mailbox=mailbox)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    _close(ticket, agent)
    reply = receive(make_mail(message_id="<d2@x.org>", in_reply_to="<d1@x.org>"), mailbox=mailbox)
    assert reply.outcome == Outcome.FOLLOW_UP and reply.ticket_id != ticket.pk
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_mail_to_a_resolved_ticket_within_the_period_reopens_it_and_tells_the_assignee(
    mailbox, agent, desk_default_team
):
    first = receive(make_mail(message_id="<e1@x.org>"), mailbox=mailbox)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Toner replaced.",
    )  # fmt: skip
    assert DeskSettings.current().reopen_days > 0
    reply = receive(make_mail(message_id="<e2@x.org>", in_reply_to="<e1@x.org>"), mailbox=mailbox)
    assert reply.outcome == Outcome.REOPENED and reply.ticket_id == ticket.pk
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    told = set(Notification.objects.filter(user=agent).values_list("verb", flat=True))
    assert told == {"ticket_reopened"}  # one notification for the one action
