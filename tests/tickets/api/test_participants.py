"""GET/POST/DELETE /tickets/{ref}/participants: the people in copy through the API."""

from __future__ import annotations

import pytest

from atiende.tickets.models import TicketParticipant

from ...api.conftest import assert_error
from ...factories import RequesterFactory

pytestmark = pytest.mark.django_db


def test_a_requester_adds_lists_and_removes_a_colleague(api_as, requester, ticket):
    RequesterFactory(organization=requester.organization, email="luis@example.org")
    api = api_as(requester)
    added = api.post(f"/tickets/{ticket.number}/participants", {"email": "luis@example.org"})
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["email"] == "luis@example.org" and body["user"]["display_name"]
    assert body["added_by"]["id"] == requester.pk
    listed = api.get(f"/tickets/{ticket.pk}/participants").json()
    assert [p["email"] for p in listed] == ["luis@example.org"]
    gone = api.delete(f"/tickets/{ticket.pk}/participants/{body['id']}")
    assert gone.status_code == 204
    assert_error(api.delete(f"/tickets/{ticket.pk}/participants/{body['id']}"), 404)


def test_a_requester_cannot_add_another_organisation_or_an_unknown_address(
    api_as, requester, ticket
):
    RequesterFactory(email="stranger@else.org")
    api = api_as(requester)
    for email in ("stranger@else.org", "nobody@example.org", "not an address"):
        answer = api.post(f"/tickets/{ticket.pk}/participants", {"email": email})
        assert_error(answer, 422, "email")
    assert not TicketParticipant.objects.exists()


def test_agents_add_any_address_and_outsiders_get_404(api_as, agent, other_requester, ticket):
    added = api_as(agent).post(
        f"/tickets/{ticket.pk}/participants", {"email": "Vendor@Partner.com"}
    )
    assert added.status_code == 201 and added.json()["user"] is None
    outsider = api_as(other_requester)
    assert_error(outsider.get(f"/tickets/{ticket.pk}/participants"), 404)
    assert_error(
        outsider.post(f"/tickets/{ticket.pk}/participants", {"email": "x@example.org"}), 404
    )
    assert_error(outsider.delete(f"/tickets/{ticket.pk}/participants/{added.json()['id']}"), 404)


def test_bad_input_is_4xx(api_as, agent, ticket):
    api = api_as(agent)
    assert_error(api.post(f"/tickets/{ticket.pk}/participants", {}), 422)
    assert_error(api.post(f"/tickets/{ticket.pk}/participants", {"email": "a" * 400}), 422)
    assert api.post(f"/tickets/{ticket.pk}/participants", "{").status_code == 400
    assert_error(api.delete(f"/tickets/{ticket.pk}/participants/0"), 422)
