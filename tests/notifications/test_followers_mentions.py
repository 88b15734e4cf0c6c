"""Followers (`ticket_activity`) and @mentions in internal notes (`mentioned`): who is told,
who is not (the actor, a requester for internal activity, anyone who cannot see the ticket),
and mentions that would leak a ticket to someone who may not see it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.notifications.models import Notification
from atiende.tickets import actions
from atiende.tickets.models import EventType, TicketEvent, TicketFollower

from ..api.conftest import ApiClient
from ..factories import AgentFactory, add_to_team, make_ticket

pytestmark = pytest.mark.django_db


def _told(user, verb=None) -> list[str]:
    found = Notification.objects.filter(user=user)
    if verb:
        found = found.filter(verb=verb)
    return list(found.values_list("verb", flat=True))


def _follows(user, ticket) -> bool:
    return TicketFollower.objects.filter(user=user, ticket=ticket).exists()


def test_followers_are_told_of_public_and_internal_activity_never_the_requester(
    agent, manager, requester, desk_default_team
):
    ticket = make_ticket(requester)
    assert actions.ticket_follow(actor=agent, ticket_id=ticket.pk) is True
    assert actions.ticket_follow(actor=agent, ticket_id=ticket.pk) is False  # no second row
    entry = TicketEvent.objects.get(ticket=ticket, field="followers")
    assert entry.type == EventType.FIELD and not entry.public  # internal in the timeline

    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Still broken")
    assert _told(agent) == ["ticket_activity"]
    actions.comment_add(
        actor=manager, ticket_id=ticket.pk, body="Checked the spooler", public=False
    )
    assert _told(agent) == ["ticket_activity", "ticket_activity"]
    assert _told(requester) == []  # never told of internal activity
    assert _told(manager) == []  # the actor is never told of their own act

    assert actions.ticket_unfollow(actor=agent, ticket_id=ticket.pk) is True
    assert actions.ticket_unfollow(actor=agent, ticket_id=ticket.pk) is False
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Hello?")
    assert len(_told(agent)) == 2


def test_replying_follows_and_status_changes_reach_followers(
    agent, manager, requester, desk_default_team
):
    ticket = make_ticket(requester)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking into it")
    assert _follows(agent, ticket) and not _follows(requester, ticket)
    assert not TicketEvent.objects.filter(field="followers").exists()  # quietly
    actions.ticket_transition(actor=manager, ticket_id=ticket.pk, to="in_progress", version=None)
    assert _told(agent) == ["ticket_activity"] and _told(requester) == []


def test_a_follower_who_cannot_see_the_ticket_is_not_told(
    agent, other_agent, requester, desk_default_team
):
    ticket = make_ticket(requester)
    TicketFollower.objects.create(ticket=ticket, user=other_agent, created_at=ticket.created_at)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Done", public=False)
    assert _told(other_agent) == []


def test_the_assignee_who_follows_is_told_once(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester)
    actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    actions.ticket_follow(actor=agent, ticket_id=ticket.pk)
    Notification.objects.all().delete()
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Any news?")
    assert _told(agent) == ["requester_replied"]


def test_mentions_tell_those_who_see_the_ticket_and_leak_nothing(
    agent, manager, other_agent, requester, desk_default_team
):
    ticket = make_ticket(requester)
    api = ApiClient(manager)
    body = "@agent please look; @other_agent too, and @nobody, (mail: x@agent.org) @requester."
    response = api.post(f"/tickets/{ticket.pk}/comments", {"body": body, "public": False})
    assert response.status_code == 201, response.content
    warnings = response.json()["warnings"]
    assert len(warnings) == 3
    assert all("may see this ticket" in w for w in warnings)
    assert {w.split()[0] for w in warnings} == {"@other_agent", "@nobody", "@requester"}
    assert _told(agent) == ["mentioned"]  # once: not also as a new follower
    assert _follows(agent, ticket) and _follows(manager, ticket)
    assert _told(other_agent) == [] and not _follows(other_agent, ticket)
    assert _told(requester) == [] and not _follows(requester, ticket)


def test_public_replies_mention_nobody(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester)
    response = ApiClient(manager).post(f"/tickets/{ticket.pk}/comments", {"body": "Hi @agent"})
    assert response.status_code == 201 and response.json()["warnings"] == []
    assert _told(agent) == [] and not _follows(agent, ticket)


def test_the_desk_says_which_mentions_told_nobody(
    client, agent, other_agent, requester, desk_default_team
):
    ticket = make_ticket(requester)
    client.force_login(agent)
    url = reverse("desk:ticket_reply", args=[ticket.number])
    response = client.post(
        url, {"body": "@other_agent see this", "visibility": "internal"}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "@other_agent was not told: no agent by that name may see this ticket." in page
    assert _told(other_agent) == []


def test_the_followers_card_and_buttons(client, agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert 'id="followers"' in page and reverse("desk:ticket_follow", args=[ticket.number]) in page
    # The note's autocomplete: a data- hook on the textarea, the URL and the script (no inline).
    assert "data-mentions" in page and f"/tickets/{ticket.pk}/mentionable" in page
    assert "atiende/mentions.js" in page
    response = client.post(reverse("desk:ticket_follow", args=[ticket.number]))
    assert response.status_code == 302 and _follows(agent, ticket)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert reverse("desk:ticket_unfollow", args=[ticket.number]) in page and "@agent" in page
    client.post(reverse("desk:ticket_unfollow", args=[ticket.number]))
    assert not _follows(agent, ticket)


def test_followers_api(agent, requester, other_agent, desk_default_team):
    ticket = make_ticket(requester)
    api = ApiClient(agent)
    answer = api.post(f"/tickets/{ticket.number}/followers/me")
    assert answer.status_code == 200 and answer.json() == {"following": True, "changed": True}
    listed = api.get(f"/tickets/{ticket.pk}/followers").json()
    assert [p["username"] for p in listed] == ["agent"]
    assert ApiClient(requester).get(f"/tickets/{ticket.pk}/followers").json() == []
    assert ApiClient(requester).post(f"/tickets/{ticket.pk}/followers/me").status_code == 403
    assert ApiClient(other_agent).post(f"/tickets/{ticket.pk}/followers/me").status_code == 404
    answer = api.delete(f"/tickets/{ticket.pk}/followers/me")
    assert answer.json() == {"following": False, "changed": True}
    assert not TicketFollower.objects.exists()


def test_mention_autocomplete_lists_only_agents_who_see_the_ticket(
    agent, manager, other_agent, requester, team, desk_default_team
):
    ticket = make_ticket(requester)
    api = ApiClient(agent)
    url = f"/tickets/{ticket.pk}/mentionable"
    with CaptureQueriesContext(connection) as few:
        names = [p["username"] for p in api.get(url, {"q": "@"}).json()]
    assert names == ["agent", "manager"]  # not other_agent, never the requester
    assert [p["username"] for p in api.get(url, {"q": "MAN"}).json()] == ["manager"]
    for n in range(12):
        add_to_team(AgentFactory(username=f"agent{n:02}"), team)
    with CaptureQueriesContext(connection) as many:
        names = [p["username"] for p in api.get(url, {"q": "ag"}).json()]
    assert len(names) == 10 and names[0] == "agent"
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ApiClient(requester).get(url).status_code == 403
    assert ApiClient(other_agent).get(url).status_code == 404
