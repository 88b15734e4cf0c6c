"""Typed links between tickets: agents link tickets they can both see, each side reads the
link its own way, every link and unlink is in both timelines, and requesters see no links."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.tickets import actions, selectors
from atiende.tickets.models import EventType, LinkType, TicketEvent, TicketLink

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket


@pytest.fixture
def pair(requester, desk_default_team):
    return make_ticket(requester, title="Printer down"), make_ticket(requester, title="Change")


def test_a_link_reads_forward_and_backward(agent, pair):
    incident, change = pair
    actions.ticket_link_add(
        actor=agent, ticket_id=incident.pk, other=change.number, link_type=LinkType.CAUSED_BY
    )
    [forward] = selectors.links_of(agent, incident)
    [backward] = selectors.links_of(agent, change)
    assert (forward.ticket, forward.label) == (change, "Caused by")
    assert (backward.ticket, backward.label) == (incident, "Caused")


def test_linking_is_in_both_timelines_as_internal_events(agent, pair):
    incident, change = pair
    link = actions.ticket_link_add(actor=agent, ticket_id=incident.pk, other=change.pk)
    actions.ticket_link_remove(actor=agent, ticket_id=change.pk, link_id=link.pk)
    rows = TicketEvent.objects.filter(type=EventType.LINK).order_by("id")
    assert [(e.ticket_id, e.field, e.old_value, e.new_value, e.public) for e in rows] == [
        (incident.pk, "link", "", f"related {change.number}", False),
        (change.pk, "link_inverse", "", f"related {incident.number}", False),
        (incident.pk, "link", f"related {change.number}", "", False),
        (change.pk, "link_inverse", f"related {incident.number}", "", False),
    ]
    assert not TicketLink.objects.exists()


@pytest.mark.parametrize(
    ("other", "link_type", "field"),
    [
        ("self", "related", "other"),
        ("INC-999999", "related", "other"),
        ("change", "married_to", "link_type"),
    ],
)
def test_bad_links_are_refused_with_a_field_error(agent, pair, other, link_type, field):
    incident, change = pair
    target = {"self": incident.number, "change": change.number}.get(other, other)
    with pytest.raises(ValidationFailed) as caught:
        actions.ticket_link_add(
            actor=agent, ticket_id=incident.pk, other=target, link_type=link_type
        )
    assert field in caught.value.errors
    assert not TicketLink.objects.exists()


def test_the_same_pair_is_linked_once_in_either_direction(agent, pair):
    incident, change = pair
    actions.ticket_link_add(actor=agent, ticket_id=incident.pk, other=change.pk)
    with pytest.raises(ValidationFailed):
        actions.ticket_link_add(actor=agent, ticket_id=change.pk, other=incident.pk)
    assert TicketLink.objects.count() == 1


def test_requesters_cannot_link_and_see_no_links(agent, requester, pair):
    incident, change = pair
    with pytest.raises(Forbidden):
        actions.ticket_link_add(actor=requester, ticket_id=incident.pk, other=change.pk)
    actions.ticket_link_add(actor=agent, ticket_id=incident.pk, other=change.pk)
    assert selectors.links_of(requester, incident) == []


def test_a_ticket_the_agent_cannot_see_cannot_be_linked_nor_seen(
    agent, other_agent, requester, pair, other_team
):
    incident, _change = pair
    hidden = make_ticket(requester, actor=other_agent, team_id=other_team.pk)
    with pytest.raises(ValidationFailed):
        actions.ticket_link_add(actor=agent, ticket_id=incident.pk, other=hidden.number)
    with pytest.raises(NotFound):
        actions.ticket_link_add(actor=other_agent, ticket_id=incident.pk, other=hidden.pk)
    # A link made by someone who sees both is invisible to an agent who sees only one side.
    TicketLink.objects.create(
        from_ticket=incident, to_ticket=hidden, link_type="related", created_by=other_agent,
        created_at=incident.created_at,
    )  # fmt: skip
    assert selectors.links_of(agent, incident) == []


def test_links_over_the_api(agent, requester, pair):
    incident, change = pair
    api = ApiClient(agent)
    response = api.post(
        f"/tickets/{incident.number}/links", {"other": change.number, "link_type": "duplicate_of"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "Duplicate of"
    listed = ApiClient(agent).get(f"/tickets/{change.pk}/links").json()
    assert [(x["ticket"]["number"], x["direction"], x["label"]) for x in listed] == [
        (incident.number, "incoming", "Duplicated by")
    ]
    assert ApiClient(requester).get(f"/tickets/{incident.pk}/links").json() == []
    assert_error(api.post(f"/tickets/{incident.pk}/links", {"other": "nope"}), 422, "other")
    assert_error(ApiClient(requester).post(f"/tickets/{incident.pk}/links", {"other": "1"}), 403)
    link_id = listed[0]["id"]
    assert api.delete(f"/tickets/{change.pk}/links/{link_id}").status_code == 204
    assert api.delete(f"/tickets/{change.pk}/links/{link_id}").status_code == 404


def test_links_on_the_desk_ticket_page(agent, pair):
    incident, change = pair
    client = Client()
    client.force_login(agent)
    url = reverse("desk:ticket_link_add", args=[incident.number])
    bad = client.post(url, {"other": "INC-999999", "link_type": "related"})
    assert bad.status_code == 422
    assert "No such ticket." in bad.content.decode()
    response = client.post(url, {"other": change.number, "link_type": "caused_by"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Caused by" in page and change.number in page
    assert "linked this ticket" in page
    link = TicketLink.objects.get()
    remove = reverse("desk:ticket_link_remove", args=[incident.number, link.pk])
    assert client.post(remove).status_code == 302
    assert not TicketLink.objects.exists()


def test_each_way_in_records_its_channel(agent, requester, desk_default_team):
    """The channel a ticket came through is stored: portal, API, or the desk by default."""
    client = Client()
    client.force_login(requester)
    client.post(
        reverse("portal:new"),
        {"kind": "question", "title": "How do I print?", "description": "", "urgency": "2"},
    )
    ApiClient(requester).post("/tickets", {"title": "Through the API"})
    make_ticket(requester, actor=agent, title="At the desk")
    from atiende.tickets.models import Ticket

    assert dict(Ticket.objects.values_list("title", "channel")) == {
        "How do I print?": "portal",
        "Through the API": "api",
        "At the desk": "web",
    }
