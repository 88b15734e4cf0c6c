"""Creating, reading, changing and moving tickets through the API."""

from __future__ import annotations

from atiende.tickets.models import Status, Ticket

from ...api.conftest import assert_error
from ...factories import CategoryFactory


def test_requester_creates_ticket_and_gets_it_back(api_as, requester, agent, desk_default_team):
    category = CategoryFactory(name="Printers")
    response = api_as(requester).post(
        "/tickets",
        {
            "kind": "incident",
            "title": "The printer jams",
            "description": "Every page.",
            "category": category.pk,
            "impact": 2,
            "urgency": 1,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["id"] == ticket.pk
    assert body["number"] == ticket.number == "INC-000001"
    assert body["status"] == "new"
    # Priority and routing are internal: a requester gets null (docs/api.md).
    assert (ticket.impact, ticket.urgency) == (2, 1)
    assert (body["impact"], body["urgency"], body["priority"]) == (None, None, None)
    assert body["requester"] == {"id": requester.pk, "display_name": requester.display_name}
    assert body["team"] is None and ticket.team == desk_default_team
    assert body["handled_by"] == "Service desk"
    assert body["category"] == {"id": category.pk, "name": "Printers"}
    assert body["organization"] == {
        "id": requester.organization.pk,
        "name": requester.organization.name,
    }
    assert body["assignee"] is None
    assert body["version"] == 1
    assert body["url"].endswith(f"/api/v1/tickets/{ticket.pk}")
    for key in ("created_at", "updated_at", "resolved_at", "closed_at", "resolution_code"):
        assert key in body

    by_number = api_as(requester).get("/tickets/inc-000001")
    assert by_number.status_code == 200
    assert by_number.json()["id"] == ticket.pk
    assert api_as(requester).get(f"/tickets/{ticket.pk}").json() == by_number.json()


def test_agent_creates_on_behalf_of_requester_assigned(api_as, agent, requester, other_team):
    response = api_as(agent).post(
        "/tickets",
        {
            "kind": "change",
            "title": "Upgrade the core switch",
            "requester": requester.pk,
            "team": other_team.pk,
            "assignee": agent.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CHG-")
    assert body["requester"]["id"] == requester.pk
    assert body["team"]["id"] == other_team.pk
    assert body["assignee"] == {"id": agent.pk, "display_name": agent.display_name}
    assert body["status"] == "assigned"


def test_requester_cannot_choose_agent_only_fields_on_create(api_as, requester, agent, team):
    response = api_as(requester).post(
        "/tickets", {"title": "Route me", "team": team.pk, "assignee": agent.pk}
    )
    assert_error(response, 403)
    assert not Ticket.objects.exists()


def test_agent_patches_fields_and_version_increases(api_as, agent, ticket, other_team):
    response = api_as(agent).patch(
        f"/tickets/{ticket.number}",
        {"version": 1, "title": "Printer on floor 2 jams", "impact": 1, "urgency": 1,
         "assignee": agent.pk},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Printer on floor 2 jams"
    assert (body["impact"], body["urgency"], body["priority"]) == (1, 1, 1)
    assert body["assignee"]["id"] == agent.pk
    assert body["status"] == "assigned"
    assert body["version"] == 2
    ticket.refresh_from_db()
    assert ticket.title == "Printer on floor 2 jams" and ticket.version == 2

    # null clears the assignee; an absent field is left alone.
    cleared = api_as(agent).patch(f"/tickets/{ticket.pk}", {"version": 2, "assignee": None})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["assignee"] is None
    assert cleared.json()["title"] == "Printer on floor 2 jams"


def test_stale_version_is_409_with_current_version(api_as, agent, ticket):
    client = api_as(agent)
    assert client.patch(f"/tickets/{ticket.pk}", {"version": 1, "urgency": 2}).status_code == 200
    stale = client.patch(f"/tickets/{ticket.pk}", {"version": 1, "title": "Lost update"})
    body = assert_error(stale, 409)
    assert body["current_version"] == 2
    ticket.refresh_from_db()
    assert ticket.title != "Lost update"
    assert ticket.version == 2

    stale_transition = client.post(
        f"/tickets/{ticket.pk}/transition", {"to": "in_progress", "version": 1}
    )
    assert assert_error(stale_transition, 409)["current_version"] == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_requester_cannot_patch_own_ticket(api_as, requester, ticket, team):
    response = api_as(requester).patch(
        f"/tickets/{ticket.pk}", {"version": 1, "title": "Mine now", "urgency": 1}
    )
    assert_error(response, 403)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.urgency, ticket.version) == (
        "The printer on floor 2 does not print", 3, 1,
    )  # fmt: skip


def test_requester_extra_or_agent_fields_leave_ticket_unchanged(api_as, requester, agent, ticket):
    client = api_as(requester)
    extra = client.patch(f"/tickets/{ticket.pk}", {"version": 1, "status": "closed"})
    assert_error(extra, 422, "status")
    assignee = client.patch(f"/tickets/{ticket.pk}", {"version": 1, "assignee": agent.pk})
    assert_error(assignee, 403)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None and ticket.status == Status.NEW and ticket.version == 1


def test_agent_resolves_then_requester_confirms(api_as, agent, requester, ticket):
    resolved = api_as(agent).post(
        f"/tickets/{ticket.pk}/transition",
        {"to": "resolved", "resolution_code": "solved", "resolution_notes": "New toner.",
         "comment": "Please try again.", "version": 1},
    )  # fmt: skip
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["resolution_code"] == "solved"
    assert body["resolution_notes"] == "New toner."
    assert body["resolved_at"] is not None

    closed = api_as(requester).post(f"/tickets/{ticket.number}/transition", {"to": "closed"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None


def test_requester_reopens_resolved_ticket(api_as, agent, requester, ticket):
    api_as(agent).post(
        f"/tickets/{ticket.pk}/transition",
        {"to": "resolved", "resolution_code": "solved", "resolution_notes": "Done."},
    )
    reopened = api_as(requester).post(f"/tickets/{ticket.pk}/transition", {"to": "in_progress"})
    assert reopened.status_code == 200, reopened.content
    # Unassigned ticket: the action maps the reopen to "new" for the team's queue.
    assert reopened.json()["status"] == "new"
    assert reopened.json()["resolution_code"] == ""


def test_resolving_without_code_is_422_and_changes_nothing(api_as, agent, ticket):
    response = api_as(agent).post(f"/tickets/{ticket.pk}/transition", {"to": "resolved"})
    body = assert_error(response, 422)
    assert {"resolution_code", "resolution_notes"} <= set(body["errors"])
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.version == 1


def test_requester_may_not_resolve_own_ticket(api_as, requester, ticket):
    response = api_as(requester).post(
        f"/tickets/{ticket.pk}/transition",
        {"to": "resolved", "resolution_code": "solved", "resolution_notes": "Fixed it myself"},
    )
    assert_error(response, 422, "to")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_reference_endpoints(api_as, agent, requester, team):
    parent = CategoryFactory(name="Hardware")
    child = CategoryFactory(name="Printers", parent=parent)
    categories = api_as(requester).get("/categories").json()
    assert {"id": child.pk, "name": "Hardware › Printers", "parent_id": parent.pk} in categories
    codes = [c["code"] for c in api_as(requester).get("/resolution-codes").json()]
    assert {"solved", "workaround", "duplicate"} <= set(codes)
    assert api_as(agent).get("/teams").json() == [{"id": team.pk, "name": "Service Desk"}]
    assert api_as(requester).get("/teams").json() == []
