"""Who is told what about tickets (notifications.rules): the assignee of an assignment, a
requester's reply, a reopen; a team's unassigned queue when the team asks for it; never the
actor, never a requester for internal activity, never someone who cannot see the ticket.
Opening the ticket marks what one was told of it read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.notifications.models import Channel, Notification, Preference
from atiende.tickets import actions

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def _told(user, verb=None) -> list[str]:
    found = Notification.objects.filter(user=user)
    if verb:
        found = found.filter(verb=verb)
    return list(found.values_list("verb", flat=True))


def _assign(actor, ticket, assignee):
    return actions.ticket_update(
        actor=actor, ticket_id=ticket.pk, version=None, changes={"assignee": assignee.pk}
    )


def test_the_assignee_is_told_and_the_actor_and_requester_are_not(
    agent, manager, requester, desk_default_team
):
    ticket = make_ticket(requester)
    _assign(manager, ticket, agent)
    assert _told(agent) == ["ticket_assigned"]
    notification = Notification.objects.get(user=agent)
    assert ticket.number in notification.message and manager.display_name in notification.message
    assert _told(manager) == [] and _told(requester) == []
    _assign(agent, ticket, manager)  # reassigning: the new assignee only
    assert _told(manager) == ["ticket_assigned"] and _told(agent) == ["ticket_assigned"]


def test_assigning_oneself_tells_nobody(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    _assign(agent, ticket, agent)
    assert not Notification.objects.exists()


def test_the_team_queue_is_told_only_when_the_team_asks(
    agent, manager, requester, desk_default_team, team
):
    make_ticket(requester)
    assert not Notification.objects.exists()  # off by default
    Preference.objects.create(team=team, event="queue", channel=Channel.APP, enabled=True)
    make_ticket(requester)
    assert _told(agent) == ["ticket_queued"] and _told(manager) == ["ticket_queued"]
    # A person's own choice beats the team's default.
    Preference.objects.create(user=agent, event="queue", channel=Channel.APP, enabled=False)
    make_ticket(requester)
    assert len(_told(agent)) == 1 and len(_told(manager)) == 2
    assert _told(requester) == []


def test_the_assignee_is_told_of_a_requester_reply_not_of_their_own(
    agent, manager, requester, desk_default_team
):
    ticket = make_ticket(requester)
    _assign(manager, ticket, agent)
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Still broken")
    assert _told(agent, "requester_replied") == ["requester_replied"]
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On it")
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="note", public=False)
    assert _told(requester) == [] and len(_told(agent, "requester_replied")) == 1


def test_who_cannot_see_the_ticket_is_not_told(
    requester, other_agent, other_team, agent, desk_default_team
):
    """The assignee is told; a person who lost the ticket is not told of activity on it.
    (An assignee must belong to the ticket's team: tickets.actions refuses anyone else.)"""
    ticket = make_ticket(requester)
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None,
        changes={"team": other_team.pk, "assignee": other_agent.pk},
    )  # fmt: skip
    assert _told(other_agent) == ["ticket_assigned"]
    other_agent.is_active = False
    other_agent.save()
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Hello?")
    assert _told(other_agent, "requester_replied") == []


def test_opening_the_ticket_marks_its_notifications_read(
    client, agent, manager, requester, desk_default_team
):
    ticket = make_ticket(requester)
    other = make_ticket(requester)
    _assign(manager, ticket, agent)
    _assign(manager, other, agent)
    client.force_login(agent)
    assert client.get(reverse("desk:ticket", args=[ticket.number])).status_code == 200
    read = dict(Notification.objects.filter(user=agent).values_list("ticket_id", "read_at"))
    assert read[ticket.pk] is not None and read[other.pk] is None


def test_the_top_bar_counts_what_is_left_unread_after_opening(
    client, agent, manager, requester, desk_default_team
):
    """Opening a ticket counts the reader's unread notifications once (those about the ticket
    apart), updates only if some are about it, and the top bar shows the rest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket, other, third = (make_ticket(requester) for _ in range(3))
    _assign(manager, ticket, agent)
    _assign(manager, other, agent)
    _assign(manager, third, agent)
    client.force_login(agent)

    def badge(number) -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as seen:
            html = client.get(reverse("desk:ticket", args=[number])).content.decode()
        ours = [q["sql"] for q in seen.captured_queries if "notifications_notification" in q["sql"]]
        return html.split('class="badge-count"', 1)[1].split("</span>", 1)[0], ours

    shown, queries = badge(ticket.number)
    assert shown.endswith(">2") and len(queries) == 2  # the count, the UPDATE
    shown, queries = badge(ticket.number)  # nothing left about it: no UPDATE
    assert shown.endswith(">2") and len(queries) == 1 and queries[0].startswith("SELECT")
    badge(other.number)
    html = client.get(reverse("desk:ticket", args=[third.number])).content.decode()
    assert 'class="badge-count"' not in html
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    # Another page of the same process counts afresh (the remembered count was this request's).
    _assign(manager, ticket, manager)
    _assign(manager, ticket, agent)
    assert 'class="badge-count"' in client.get(reverse("desk:queue")).content.decode()


def test_email_follows_the_preference_in_the_outbox(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester)
    _assign(manager, ticket, agent)
    mails = OutboundMessage.objects.filter(kind=OutboundKind.NOTIFICATION, recipient=agent)
    assert mails.count() == 1 and mails.get().params["verb"] == "ticket_assigned"
    Preference.objects.create(user=agent, event="assigned", channel=Channel.EMAIL, enabled=False)
    _assign(manager, ticket, manager)
    _assign(manager, ticket, agent)
    assert mails.count() == 1
