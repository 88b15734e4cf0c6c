"""The portal's ticket list: who sees what, tabs, search, pagination and query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Status

from ...factories import OrganizationFactory, RequesterFactory, make_ticket

pytestmark = pytest.mark.django_db


def _resolve_and_close(ticket, agent, requester):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done",
    )  # fmt: skip
    actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)


def test_requester_sees_only_own_tickets(client, requester, other_requester, desk_default_team):
    mine = make_ticket(requester, title="My laptop is slow")
    theirs = make_ticket(other_requester, title="Their secret project printer")
    client.force_login(requester)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.title in html and mine.number in html
    assert theirs.title not in html
    assert reverse("portal:ticket", args=[mine.number]) in html


def test_requester_in_same_organisation_still_sees_only_own(client, desk_default_team):
    org = OrganizationFactory(name="Acme")
    alice = RequesterFactory(organization=org)
    bob = RequesterFactory(organization=org)
    bobs = make_ticket(bob, title="Bob private request")
    client.force_login(alice)
    html = client.get(reverse("portal:home") + "?scope=org").content.decode()
    assert bobs.title not in html
    assert "My organisation" not in html  # no scope filter for a plain requester


def test_organisation_manager_filters_mine_or_organisation(client, desk_default_team):
    org = OrganizationFactory(name="Acme")
    boss = RequesterFactory(organization=org, is_organization_manager=True)
    colleague = RequesterFactory(organization=org)
    outsider = RequesterFactory()
    own = make_ticket(boss, title="Boss own ticket")
    colleagues = make_ticket(colleague, title="Colleague ticket")
    foreign = make_ticket(outsider, title="Outsider ticket")
    client.force_login(boss)

    mine = client.get(reverse("portal:home")).content.decode()
    assert own.title in mine and colleagues.title not in mine

    org_view = client.get(reverse("portal:home") + "?scope=org").content.decode()
    assert own.title in org_view and colleagues.title in org_view
    assert foreign.title not in org_view
    assert colleague.display_name in org_view  # who asked is shown in the organisation view


def test_open_and_closed_tabs(client, requester, agent, desk_default_team):
    open_ticket = make_ticket(requester, title="Still broken thing")
    done = make_ticket(requester, title="Finished thing")
    _resolve_and_close(done, agent, requester)
    resolved = make_ticket(requester, title="Awaiting my confirmation")
    actions.ticket_transition(
        actor=agent, ticket_id=resolved.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done",
    )  # fmt: skip
    client.force_login(requester)

    open_html = client.get(reverse("portal:home")).content.decode()
    assert open_ticket.title in open_html
    assert resolved.title in open_html  # resolved waits for the requester: still in "Open"
    assert "Solved: please confirm" in open_html
    assert done.title not in open_html

    closed_html = client.get(reverse("portal:home") + "?state=closed").content.decode()
    assert done.title in closed_html
    assert open_ticket.title not in closed_html and resolved.title not in closed_html


def test_status_in_plain_words(client, requester, agent, desk_default_team):
    ticket = make_ticket(requester, title="Waiting one")
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.PENDING, pending_reason="requester"
    )
    client.force_login(requester)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Waiting for your answer" in html


def test_search_box_finds_own_tickets(client, requester, other_requester, desk_default_team):
    make_ticket(requester, title="Impresora atascada", description="papel")
    make_ticket(requester, title="Correo no sincroniza", description="movil")
    make_ticket(other_requester, title="Impresora del vecino", description="papel")
    client.force_login(requester)
    html = client.get(reverse("portal:home") + "?q=impresora").content.decode()
    assert "Impresora atascada" in html
    assert "Correo no sincroniza" not in html
    assert "Impresora del vecino" not in html
    assert 'value="impresora"' in html


def test_keyset_pagination_walks_every_ticket_once(client, requester, desk_default_team):
    titles = {f"Ticket number {i:02d}" for i in range(25)}
    for title in sorted(titles):
        make_ticket(requester, title=title)
    client.force_login(requester)
    seen: list[str] = []
    response = client.get(reverse("portal:home"))
    pages = 0
    while True:
        pages += 1
        page = response.context["page"]
        seen.extend(t.title for t in page.items)
        if not page.next_cursor:
            break
        assert "Show older tickets" in response.content.decode()
        response = client.get(reverse("portal:home"), {"cursor": page.next_cursor})
    assert pages == 2
    assert len(seen) == 25 and set(seen) == titles


def test_garbage_cursor_is_harmless(client, requester, desk_default_team):
    make_ticket(requester, title="Only ticket")
    client.force_login(requester)
    response = client.get(reverse("portal:home"), {"cursor": "not-a-cursor'--"})
    assert response.status_code == 200
    assert "Only ticket" in response.content.decode()


def _count_queries(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_tickets(
    client, requester, agent, desk_default_team, django_assert_max_num_queries
):
    client.force_login(requester)
    make_ticket(requester, title="First")
    few = _count_queries(client, django_assert_max_num_queries, reverse("portal:home"), 15)
    for i in range(15):
        ticket = make_ticket(requester, title=f"More {i}")
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
        )
    many = _count_queries(client, django_assert_max_num_queries, reverse("portal:home"), 15)
    assert many == few


def test_agents_are_sent_to_the_desk(client, agent):
    client.force_login(agent)
    for name in ("portal:home", "portal:new"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/desk/")


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
