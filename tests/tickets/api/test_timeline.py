"""Comments and the audit timeline (/events)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.tickets import actions

from ...factories import AgentFactory, add_to_team


def test_post_and_list_comments(api_as, requester, agent, ticket):
    reply = api_as(requester).post(f"/tickets/{ticket.pk}/comments", {"body": "Still broken"})
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["type"] == "comment" and body["public"] is True
    assert body["body"] == "Still broken"
    assert body["actor"] == {"id": requester.pk, "display_name": requester.display_name}
    note = api_as(agent).post(
        f"/tickets/{ticket.number}/comments", {"body": "Check the fuser", "public": False}
    )
    assert note.status_code == 201 and note.json()["type"] == "note"

    agent_view = api_as(agent).get(f"/tickets/{ticket.pk}/comments").json()
    assert [(c["type"], c["body"]) for c in agent_view] == [
        ("comment", "Still broken"),
        ("note", "Check the fuser"),
    ]
    assert [c["body"] for c in api_as(requester).get(f"/tickets/{ticket.pk}/comments").json()] == [
        "Still broken"
    ]
    # A comment touches the ticket's activity time, without bumping its version.
    ticket.refresh_from_db()
    assert ticket.version == 1


def test_events_are_the_audit_trail(api_as, requester, agent, ticket):
    client = api_as(agent)
    client.patch(f"/tickets/{ticket.pk}", {"version": 1, "title": "Printer jams", "urgency": 1})
    client.post(f"/tickets/{ticket.pk}/transition", {"to": "in_progress"})
    events = client.get(f"/tickets/{ticket.pk}/events").json()
    assert events[0]["type"] == "created"
    assert events[0]["actor"]["id"] == requester.pk
    title = next(e for e in events if e["field"] == "title")
    assert (title["old_value"], title["new_value"]) == (
        "The printer on floor 2 does not print",
        "Printer jams",
    )
    assert title["actor"] == {"id": agent.pk, "display_name": agent.display_name}
    status = next(e for e in events if e["type"] == "status")
    assert (status["old_value"], status["new_value"]) == ("new", "in_progress")
    for event in events:
        assert set(event) == {
            "id", "type", "actor", "created_at", "public", "body", "field", "old_value",
            "new_value", "attachments", "follow_up", "warnings",
        }  # fmt: skip
    # Internal field changes (urgency, priority) are hidden from the requester.
    requester_fields = {
        e["field"] for e in api_as(requester).get(f"/tickets/{ticket.pk}/events").json()
    }
    assert "title" in requester_fields and "urgency" not in requester_fields
    assert "urgency" in {e["field"] for e in events}


def test_events_query_count_does_not_grow(api_as, requester, agent, ticket):
    client = api_as(agent)
    client.get("/me")

    def add_activity(n: int) -> None:
        for i in range(n):
            author = add_to_team(AgentFactory(), ticket.team)
            actions.comment_add(
                actor=author,
                ticket_id=ticket.pk,
                body=f"Reply {i}",
                public=bool(i % 2),
                attachments=[SimpleUploadedFile(f"f{i}.txt", b"data")],
            )

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/tickets/{ticket.pk}/events")
        assert response.status_code == 200
        return len(queries), len(response.json())

    created = ticket.events.count()  # opened, and its service-level clocks started
    add_activity(2)
    few, shown = measure()
    assert shown == created + 2
    add_activity(20)
    many, shown = measure()
    assert shown == created + 22
    assert many == few
