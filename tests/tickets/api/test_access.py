"""Who sees what through the API: the same rules as everywhere (selectors.tickets_visible_to).
Denied looks exactly like missing: 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.tickets import actions
from atiende.tickets.models import Status

from ...api.conftest import assert_error
from ...factories import AgentFactory, RequesterFactory, add_to_team, make_ticket


@pytest.fixture
def attachment(requester, ticket):
    upload = SimpleUploadedFile("photo.txt", b"jammed paper")
    return actions.attachment_add(actor=requester, ticket_id=ticket.pk, file=upload)


def test_requester_never_reaches_another_requesters_ticket(
    api_as, other_requester, ticket, attachment
):
    client = api_as(other_requester)
    events_before = ticket.events.count()
    for path in (
        f"/tickets/{ticket.pk}",
        f"/tickets/{ticket.number}",
        f"/tickets/{ticket.pk}/comments",
        f"/tickets/{ticket.pk}/events",
        f"/attachments/{attachment.pk}",
    ):
        body = assert_error(client.get(path), 404)
        assert body["detail"] == "Not found."
    assert_error(client.post(f"/tickets/{ticket.pk}/comments", {"body": "Me too"}), 404)
    assert_error(client.post(f"/tickets/{ticket.pk}/transition", {"to": "closed"}), 404)
    assert_error(client.patch(f"/tickets/{ticket.pk}", {"version": 1, "title": "x"}), 404)
    upload = client.upload(
        f"/tickets/{ticket.pk}/attachments", {"file": SimpleUploadedFile("a.txt", b"x")}
    )
    assert_error(upload, 404)
    assert client.get("/tickets").json()["items"] == []
    # A missing ticket answers exactly like a denied one.
    assert client.get("/tickets/999999").json() == client.get(f"/tickets/{ticket.pk}").json()
    assert ticket.events.count() == events_before  # nothing was added


def test_organization_manager_sees_the_organizations_tickets(api_as, requester, ticket):
    boss = RequesterFactory(organization=requester.organization, is_organization_manager=True)
    colleague = RequesterFactory(organization=requester.organization)
    listed = api_as(boss).get("/tickets").json()
    assert [item["id"] for item in listed["items"]] == [ticket.pk]
    assert api_as(boss).get(f"/tickets/{ticket.pk}").status_code == 200
    assert api_as(colleague).get("/tickets").json()["items"] == []
    assert_error(api_as(colleague).get(f"/tickets/{ticket.pk}"), 404)


def test_agent_sees_own_teams_tickets_only(api_as, requester, agent, other_agent, ticket):
    assert api_as(agent).get(f"/tickets/{ticket.pk}").status_code == 200
    assert_error(api_as(other_agent).get(f"/tickets/{ticket.pk}"), 404)
    assert api_as(other_agent).get("/tickets").json()["items"] == []

    everywhere = AgentFactory(sees_all_tickets=True)
    assert api_as(everywhere).get(f"/tickets/{ticket.pk}").status_code == 200
    assert [i["id"] for i in api_as(everywhere).get("/tickets").json()["items"]] == [ticket.pk]


def test_agent_sees_ticket_of_a_team_they_join(api_as, requester, other_agent, team, ticket):
    assert_error(api_as(other_agent).get(f"/tickets/{ticket.pk}"), 404)
    add_to_team(other_agent, team)
    assert api_as(other_agent).get(f"/tickets/{ticket.pk}").status_code == 200


def test_internal_notes_never_reach_the_requester(api_as, requester, agent, ticket):
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Public answer", public=True)
    actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body="secreto interno: la impresora", public=False
    )
    actions.attachment_add(
        actor=agent,
        ticket_id=ticket.pk,
        file=SimpleUploadedFile("internal.txt", b"internal only"),
        public=False,
    )
    requester_client, agent_client = api_as(requester), api_as(agent)

    for path in (f"/tickets/{ticket.pk}/events", f"/tickets/{ticket.pk}/comments"):
        seen = requester_client.get(path).json()
        assert all(event["public"] for event in seen)
        assert "secreto" not in str(seen) and "internal.txt" not in str(seen)
        assert "secreto" in str(agent_client.get(path).json())
    requester_bodies = [
        e["body"] for e in requester_client.get(f"/tickets/{ticket.pk}/comments").json()
    ]
    assert requester_bodies == ["Public answer"]

    assert requester_client.get("/tickets", {"q": "secreto"}).json()["items"] == []
    found = agent_client.get("/tickets", {"q": "secreto"}).json()["items"]
    assert [item["id"] for item in found] == [ticket.pk]


def test_internal_attachment_is_404_for_requester(api_as, requester, agent, ticket):
    internal = actions.attachment_add(
        actor=agent,
        ticket_id=ticket.pk,
        file=SimpleUploadedFile("internal.txt", b"internal only"),
        public=False,
    )
    assert_error(api_as(requester).get(f"/attachments/{internal.pk}"), 404)
    assert api_as(agent).get(f"/attachments/{internal.pk}").status_code == 200


def test_requester_cannot_write_internal_notes(api_as, requester, ticket):
    response = api_as(requester).post(
        f"/tickets/{ticket.pk}/comments", {"body": "hidden?", "public": False}
    )
    assert_error(response, 403)
    assert not ticket.events.filter(body="hidden?").exists()


def test_requester_cannot_close_someone_elses_org_ticket_without_being_manager(
    api_as, requester, agent, ticket
):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Done",
    )  # fmt: skip
    colleague = RequesterFactory(organization=requester.organization)
    assert_error(api_as(colleague).post(f"/tickets/{ticket.pk}/transition", {"to": "closed"}), 404)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_requester_lists_only_own_tickets(api_as, requester, other_requester, desk_default_team):
    mine = make_ticket(requester, title="Mine")
    make_ticket(other_requester, title="Theirs")
    items = api_as(requester).get("/tickets").json()["items"]
    assert [item["id"] for item in items] == [mine.pk]
