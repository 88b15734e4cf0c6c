"""People in copy with an account are told of public activity in the app (per their
preferences, only where they may see the ticket), never of internal activity; the author of a
public message is never sent their own message (portal, API, e-mail); a reply that reopens a
resolved ticket tells each person once."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import Mailbox, OutboundMessage
from atiende.notifications.models import Channel, Notification, Preference
from atiende.tickets import actions
from atiende.tickets.models import Status

from ..api.conftest import ApiClient
from ..factories import RequesterFactory, make_ticket
from ..mail.conftest import make_mail

pytestmark = pytest.mark.django_db


def _told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("verb", flat=True))


def _mailed_to(user) -> int:
    return OutboundMessage.objects.filter(recipient=user).count() + (
        OutboundMessage.objects.filter(recipient=None, to_address=user.email).count()
    )


@pytest.fixture
def mailbox(desk_default_team):
    return Mailbox.objects.create(
        name="soporte", address="soporte@example.com", is_default=True,
        default_team=desk_default_team,
    )  # fmt: skip


@pytest.fixture
def boss(requester):
    """An organisation manager of the requester's organisation: sees the ticket in the portal."""
    return RequesterFactory(
        email="boss@example.org", organization=requester.organization, is_organization_manager=True
    )


@pytest.fixture
def colleague(requester):
    """A colleague in copy who may not see the ticket in the portal (mail only)."""
    return RequesterFactory(email="luis@example.org", organization=requester.organization)


@pytest.fixture
def copied(agent, requester, boss, colleague, desk_default_team):
    ticket = make_ticket(requester, actor=agent, team_id=desk_default_team.pk, assignee_id=agent.pk)
    for person in (boss, colleague):
        actions.participant_add(actor=agent, ticket_id=ticket.pk, email=person.email)
    Notification.objects.all().delete()
    OutboundMessage.objects.all().delete()
    return ticket


def test_people_in_copy_who_see_the_ticket_are_told_in_the_app_of_public_activity_only(
    copied, agent, requester, boss, colleague
):
    actions.comment_add(actor=agent, ticket_id=copied.pk, body="Secret", public=False)
    assert _told(boss) == [] and _told(requester) == [] and _told(colleague) == []
    actions.comment_add(actor=agent, ticket_id=copied.pk, body="We are on it.")
    assert _told(boss) == ["participant_activity"]
    assert _told(colleague) == []  # may not open it: the mail carries the message
    assert _told(requester) == []  # the requester has the reply mail
    actions.ticket_transition(
        actor=agent, ticket_id=copied.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    assert _told(boss) == ["participant_activity", "participant_activity"]


def test_the_in_app_channel_follows_the_persons_preference(copied, agent, boss):
    Preference.objects.create(user=boss, event="copied", channel=Channel.APP, enabled=False)
    actions.comment_add(actor=agent, ticket_id=copied.pk, body="We are on it.")
    assert _told(boss) == []
    assert _mailed_to(boss) == 1  # the reply itself still goes by mail


def test_turning_off_copied_mail_stops_the_reply_mail(copied, agent, boss, colleague):
    Preference.objects.create(user=boss, event="copied", channel=Channel.EMAIL, enabled=False)
    actions.comment_add(actor=agent, ticket_id=copied.pk, body="We are on it.")
    assert _mailed_to(boss) == 0 and _mailed_to(colleague) == 1


def test_the_author_in_copy_is_not_sent_their_own_portal_or_api_reply(copied, boss, colleague):
    actions.comment_add(actor=boss, ticket_id=copied.pk, body="Any news?")
    assert _mailed_to(boss) == 0 and _told(boss) == []
    assert _mailed_to(colleague) == 1
    response = ApiClient(boss).post(
        f"/tickets/{copied.pk}/comments", {"body": "Hello?", "public": True}
    )
    assert response.status_code in (200, 201), response.content
    assert _mailed_to(boss) == 0 and _mailed_to(colleague) == 2


def test_someone_in_copy_replying_by_mail_is_not_sent_their_own_message(
    mailbox, copied, colleague, boss, requester
):
    raw = make_mail(
        sender=colleague.email, name="Luis", subject=f"RE: [{copied.number}] x",
        body="It fails on my PC too.",
    )  # fmt: skip
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.COMMENTED and result.ticket_id == copied.pk
    assert _mailed_to(colleague) == 0  # their own message is not mailed back
    assert _mailed_to(boss) == 1 and _mailed_to(requester) == 1
    assert _told(colleague) == []


def test_a_reply_that_reopens_tells_each_person_once(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester, actor=agent, team_id=desk_default_team.pk, assignee_id=agent.pk)
    actions.ticket_follow(actor=manager, ticket_id=ticket.pk)
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    Notification.objects.all().delete()
    actions.requester_reply_add(actor=requester, ticket_id=ticket.pk, body="Not fixed")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert _told(manager) == ["ticket_activity"]  # one notification for one action
    assert _told(agent) == ["ticket_reopened"]


def test_a_mail_reply_that_reopens_tells_each_person_once(
    mailbox, agent, manager, requester, desk_default_team
):
    requester.email = "ana@example.org"
    requester.save()
    ticket = make_ticket(requester, actor=agent, team_id=desk_default_team.pk, assignee_id=agent.pk)
    actions.ticket_follow(actor=manager, ticket_id=ticket.pk)
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    Notification.objects.all().delete()
    raw = make_mail(sender="ana@example.org", subject=f"RE: [{ticket.number}] x", body="No")
    assert receive(raw, mailbox=mailbox).outcome == Outcome.REOPENED
    assert _told(manager) == ["ticket_activity"]
    assert _told(agent) == ["ticket_reopened"]


def test_the_timeline_says_why_a_reply_reopened_the_ticket(agent, requester, desk_default_team):
    ticket = make_ticket(requester, actor=agent, team_id=desk_default_team.pk, assignee_id=agent.pk)
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done.",
    )  # fmt: skip
    actions.requester_reply_add(actor=requester, ticket_id=ticket.pk, body="Thanks!")
    reopen = ticket.events.filter(field="status").order_by("-id").first()
    assert reopen.new_value == Status.IN_PROGRESS and reopen.actor_id == requester.pk
    assert "Reopened by a reply from" in reopen.body
    assert requester.display_name in reopen.body
