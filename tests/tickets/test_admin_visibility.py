"""The admin shows tickets and their timeline through the desk's one access rule: a manager
who does not see every ticket sees in /admin/ only what the desk shows them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Ticket, TicketEvent

from ..factories import make_ticket

SECRET_NOTE = "Internal: the root password is on the sticky note"


@pytest.fixture
def tickets(requester, agent, other_agent, team, other_team):
    """One ticket of the manager's team and one of another team, each with an internal note."""
    mine = make_ticket(requester, actor=agent, team_id=team.pk, title="Printer of my team")
    theirs = make_ticket(
        requester, actor=other_agent, team_id=other_team.pk, title="Router of another team"
    )
    actions.comment_add(actor=agent, ticket_id=mine.pk, body="Note on mine", public=False)
    actions.comment_add(actor=other_agent, ticket_id=theirs.pk, body=SECRET_NOTE, public=False)
    return mine, theirs


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_manager_lists_only_the_tickets_the_desk_shows_them(client, manager, tickets):
    mine, theirs = tickets
    client.force_login(manager)
    listed = client.get(_url(Ticket, "changelist"))
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [mine]
    assert theirs.title not in listed.content.decode()
    found = client.get(_url(Ticket, "changelist"), {"q": theirs.number})
    assert list(found.context["cl"].result_list) == []


def test_manager_cannot_open_another_teams_ticket(client, manager, tickets):
    mine, theirs = tickets
    client.force_login(manager)
    assert client.get(_url(Ticket, "change", mine.pk)).status_code == 200
    page = client.get(_url(Ticket, "change", theirs.pk), follow=True)
    # The admin answers a missing object with a redirect to the list and a message.
    assert SECRET_NOTE not in page.content.decode()
    assert theirs.title not in page.content.decode()
    assert client.get(_url(Ticket, "history", theirs.pk)).status_code in (302, 404)


def test_manager_sees_no_events_of_tickets_they_cannot_see(client, manager, tickets):
    mine, theirs = tickets
    client.force_login(manager)
    listed = client.get(_url(TicketEvent, "changelist"))
    assert listed.status_code == 200
    assert {e.ticket_id for e in listed.context["cl"].result_list} == {mine.pk}
    hidden = TicketEvent.objects.filter(ticket=theirs, body__contains="sticky").get()
    page = client.get(_url(TicketEvent, "change", hidden.pk), follow=True)
    assert SECRET_NOTE not in page.content.decode()


def test_manager_who_sees_all_tickets_sees_them_in_the_admin_too(client, manager, tickets):
    manager.sees_all_tickets = True
    manager.save()
    client.force_login(manager)
    listed = client.get(_url(Ticket, "changelist"))
    assert set(listed.context["cl"].result_list) == set(tickets)


def test_administrator_sees_every_ticket_and_note(client, admin_user, tickets):
    _mine, theirs = tickets
    client.force_login(admin_user)
    assert set(client.get(_url(Ticket, "changelist")).context["cl"].result_list) == set(tickets)
    page = client.get(_url(Ticket, "change", theirs.pk))
    assert page.status_code == 200
    assert SECRET_NOTE in page.content.decode()
