"""The desk ticket page: timeline, side panel, transitions, replies, conflicts, safety, speed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Attachment, EventType, Status, Ticket, TicketEvent

from ...factories import CategoryFactory, make_ticket


class ActiveContent(HTMLParser):
    """Collects what a browser would run: scripts, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("<script> inline")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def url(ticket, name="desk:ticket") -> str:
    return reverse(name, args=[ticket.number])


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, title="Printer jam", description="Paper stuck in **tray 2**.")


def test_requester_gets_404_on_desk_ticket_pages(client, requester, ticket):
    client.force_login(requester)
    assert client.get(url(ticket)).status_code == 404
    response = client.post(url(ticket, "desk:ticket_reply"), {"visibility": "public", "body": "hi"})
    assert response.status_code == 404


def test_other_teams_ticket_is_404(client, other_agent, ticket):
    client.force_login(other_agent)
    assert client.get(url(ticket)).status_code == 404
    assert client.get("/desk/tickets/INC-999999/").status_code == 404


def test_page_shows_header_description_and_requester(desk, ticket, requester, agent):
    other = make_ticket(requester, title="Earlier problem with VPN")
    body = desk.get(url(ticket)).content.decode()
    assert ticket.number in body and "Printer jam" in body
    assert '<span class="badge status-new">New</span>' in body
    assert "<strong>tray 2</strong>" in body  # description rendered as Markdown
    assert requester.email in body and requester.organization.name in body
    assert other.number in body  # their other recent tickets
    assert "Assign to me" in body


def test_transition_buttons_are_the_allowed_ones(desk, ticket, agent):
    body = desk.get(url(ticket)).content.decode()
    offered = set(re.findall(r'name="to" value="(\w+)"', body))
    # "assigned" needs an assignee, so it is offered only once there is one
    assert offered == {"in_progress", "pending", "resolved", "cancelled"}
    desk.post(url(ticket, "desk:ticket_assign_me"), {"version": 1})
    body = desk.get(url(ticket)).content.decode()
    assert set(re.findall(r'name="to" value="(\w+)"', body)) == {
        "new",
        "in_progress",
        "pending",
        "resolved",
        "cancelled",
    }
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.CANCELLED)
    body = desk.get(url(ticket)).content.decode()
    assert re.findall(r'name="to" value="(\w+)"', body) == []
    assert "Assign to me" not in body


def test_timeline_marks_internal_notes_and_shows_field_changes(desk, ticket, agent, other_team):
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Public answer", public=True)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Secret vendor case", public=False)
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None, changes={"impact": 1})
    body = desk.get(url(ticket)).content.decode()
    note = re.search(r'<article class="entry note">(.*?)</article>', body, re.S).group(1)
    assert "Internal note" in note and "Secret vendor case" in note
    public = re.findall(r'<article class="entry">(.*?)</article>', body, re.S)
    assert any("Public answer" in entry for entry in public)
    assert "changed Impact" in body and "<del>Low</del> → <ins>High</ins>" in body
    assert "changed Priority" in body
    assert agent.display_name in body


def test_reply_is_public_and_note_is_internal(desk, ticket, agent):
    response = desk.post(
        url(ticket, "desk:ticket_reply"), {"visibility": "public", "body": "On my way"}
    )
    assert response.status_code == 302
    reply = TicketEvent.objects.get(ticket=ticket, body="On my way")
    assert reply.type == EventType.COMMENT and reply.public
    assert response["Location"].endswith(f"#event-{reply.pk}")
    desk.post(url(ticket, "desk:ticket_reply"), {"visibility": "internal", "body": "Between us"})
    note = TicketEvent.objects.get(ticket=ticket, body="Between us")
    assert note.type == EventType.NOTE and not note.public


def test_reply_with_several_attachments(desk, ticket):
    files = [
        SimpleUploadedFile("log.txt", b"error 809", content_type="text/plain"),
        SimpleUploadedFile("../../screen.png", b"\x89PNG fake", content_type="image/png"),
    ]
    response = desk.post(
        url(ticket, "desk:ticket_reply"),
        {"visibility": "internal", "body": "", "attachments": files},
    )
    assert response.status_code == 302
    stored = list(Attachment.objects.filter(ticket=ticket).order_by("id"))
    assert [a.filename for a in stored] == ["log.txt", "screen.png"]
    assert all(not a.public for a in stored)  # attachments of a note are internal
    body = desk.get(url(ticket)).content.decode()
    assert "log.txt" in body and reverse("attachment", args=[stored[0].pk]) in body


def test_empty_reply_is_422_and_keeps_the_choice(desk, ticket):
    response = desk.post(url(ticket, "desk:ticket_reply"), {"visibility": "internal", "body": "  "})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Write something first." in body
    assert re.search(r'value="internal"[^>]*checked', body)
    response = desk.post(url(ticket, "desk:ticket_reply"), {"visibility": "everyone", "body": "x"})
    assert response.status_code == 422


def test_too_large_attachment_is_413(desk, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.bin", b"x" * 20)
    response = desk.post(
        url(ticket, "desk:ticket_reply"),
        {"visibility": "public", "body": "see file", "attachments": [big]},
    )
    assert response.status_code == 413
    assert "The file is too large." in response.content.decode()
    assert not TicketEvent.objects.filter(body="see file").exists()


def test_side_panel_changes_fields_and_recomputes_priority(desk, ticket, agent, other_team):
    category = CategoryFactory(name="Printers")
    response = desk.post(
        url(ticket, "desk:ticket_update"),
        {
            "version": ticket.version, "kind": "incident", "category": category.pk,
            "impact": 1, "urgency": 1, "team": ticket.team_id, "assignee": agent.pk,
        },
    )  # fmt: skip
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.category, ticket.impact, ticket.urgency, ticket.priority) == (category, 1, 1, 1)
    assert ticket.assignee == agent and ticket.status == Status.ASSIGNED
    changed = set(ticket.events.filter(type=EventType.FIELD).values_list("field", flat=True))
    assert changed == {"category", "impact", "urgency", "priority", "assignee"}  # not team or kind


def test_side_panel_invalid_choice_is_422(desk, ticket):
    response = desk.post(
        url(ticket, "desk:ticket_update"),
        {"version": ticket.version, "kind": "gossip", "impact": 7, "urgency": 3},
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.version == 1


def test_stale_version_is_409_with_current_values(desk, ticket, agent, other_agent, other_team):
    form_version = ticket.version
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None, changes={"urgency": 1})
    response = desk.post(
        url(ticket, "desk:ticket_update"),
        {
            "version": form_version, "kind": "incident", "impact": 3, "urgency": 3,
            "team": other_team.pk, "assignee": "",
        },
    )  # fmt: skip
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this ticket" in body
    assert "Networks" in re.search(r'id="conflict"(.*?)</div>', body, re.S).group(
        1
    )  # what was kept
    assert f'name="version" value="{form_version + 1}"' in body  # reloaded values
    assert re.search(r'<option value="1" selected>High</option>', body)  # current urgency
    ticket.refresh_from_db()
    assert ticket.team_id != other_team.pk and ticket.urgency == 1


def test_stale_transition_is_409(desk, ticket, agent):
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="x")  # no version change
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None, changes={"impact": 2})
    response = desk.post(url(ticket, "desk:ticket_transition"), {"to": "in_progress", "version": 1})
    assert response.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_assign_to_me(desk, ticket, agent):
    response = desk.post(url(ticket, "desk:ticket_assign_me"), {"version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.status == Status.ASSIGNED


def test_resolve_requires_code_and_note(desk, ticket):
    response = desk.post(url(ticket, "desk:ticket_transition"), {"to": "resolved", "version": 1})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose a resolution code." in body and "Describe the resolution." in body
    assert re.search(r'<details class="transition-detail" open>\s*<summary>Resolve', body)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    response = desk.post(
        url(ticket, "desk:ticket_transition"),
        {
            "to": "resolved",
            "version": 1,
            "resolution_code": "workaround",
            "resolution_notes": "Used tray 1.",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolution_code == "workaround"
    body = desk.get(url(ticket)).content.decode()
    assert "Used tray 1." in body
    assert set(re.findall(r'name="to" value="(\w+)"', body)) == {"closed", "in_progress"}


def test_pending_requires_a_reason(desk, ticket):
    response = desk.post(url(ticket, "desk:ticket_transition"), {"to": "pending", "version": 1})
    assert response.status_code == 422
    assert "Choose why it is pending." in response.content.decode()
    response = desk.post(
        url(ticket, "desk:ticket_transition"),
        {"to": "pending", "version": 1, "pending_reason": "requester", "comment": "Which floor?"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.pending_reason == "requester"
    assert ticket.events.filter(type=EventType.COMMENT, body="Which floor?", public=True).exists()


def test_disallowed_transition_is_422_with_message(desk, ticket):
    response = desk.post(url(ticket, "desk:ticket_transition"), {"to": "closed", "version": 1})
    assert response.status_code == 422
    assert "cannot go from" in response.content.decode()
    response = desk.post(url(ticket, "desk:ticket_transition"), {"to": "assigned", "version": 1})
    assert response.status_code == 422
    assert "Choose an assignee first." in response.content.decode()


def test_hostile_content_is_rendered_harmless(desk, requester, agent, desk_default_team):
    evil = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '[click me](javascript:alert(1)) <a href="javascript:alert(2)">raw</a>'
    )
    ticket = make_ticket(requester, title="<b onmouseover=alert(3)>hi</b>", description=evil)
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body=evil)
    body = desk.get(url(ticket)).content.decode()
    assert body.count("click me") == 2  # description and reply both rendered...
    assert active_content(body) == []  # ...with nothing a browser would run
    assert "<script>alert(1)" not in body
    assert "&lt;b onmouseover=alert(3)&gt;hi&lt;/b&gt;" in body  # the title is plain text
    queue = desk.get(reverse("desk:queue"), {"view": "open"}).content.decode()
    assert ticket.number in queue
    assert active_content(queue) == []


def test_ticket_page_query_count_is_constant(
    desk, ticket, agent, requester, django_assert_max_num_queries
):
    # Opening the page marks its notifications read (one). The optional cards (links,
    # followers, people in copy, tags, known error, CMDB, catalogue, SLA, survey) cost one
    # probe query together, and one more each only when the ticket has rows for them: the
    # bare ticket 16 (with this process's first-request reads), with its links 15.
    with django_assert_max_num_queries(16) as few:
        desk.get(url(ticket))
    for i in range(15):
        actions.comment_add(
            actor=agent, ticket_id=ticket.pk, body=f"note {i}", public=bool(i % 2),
            attachments=[SimpleUploadedFile(f"f{i}.txt", b"data")],
        )  # fmt: skip
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"impact": 1 + i % 3}
        )
        other = make_ticket(requester, title=f"other {i}")
        actions.ticket_link_add(actor=agent, ticket_id=ticket.pk, other=other.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(url(ticket))
    assert response.content.decode().count("note 1") >= 6
    assert response.content.decode().count("Related to") >= 15


def test_attachments_are_read_only_when_the_ticket_has_some(desk, agent, ticket):
    """The panels' probe says whether there are attachments: none, no attachment query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = 'SELECT "tickets_attachment"."id"'  # the rows themselves, not the probe
    with CaptureQueriesContext(connection) as captured:
        assert desk.get(url(ticket)).status_code == 200
    assert not any(rows in q["sql"] for q in captured)
    actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("trace-5c1.txt", b"x")
    )
    with CaptureQueriesContext(connection) as captured:
        body = desk.get(url(ticket)).content.decode()
    assert any(rows in q["sql"] for q in captured)
    (stored,) = Attachment.objects.filter(ticket=ticket)
    assert "trace-5c1.txt" in body and reverse("attachment", args=[stored.pk]) in body
