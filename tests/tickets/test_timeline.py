"""The timeline is the audit trail: every change writes an event (actor, old, new), and no
action ever modifies or deletes an existing event."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.tickets import actions
from atiende.tickets.models import EventType, Status, TicketEvent

from ..factories import CategoryFactory, TeamFactory, add_to_team
from .conftest import resolve


def _events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values())


@pytest.mark.parametrize(
    ("field", "value", "old_shown", "new_shown", "public"),
    [
        (
            "title",
            "Printer jammed",
            "The printer on floor 2 does not print",
            "Printer jammed",
            True,
        ),
        ("kind", "request", "incident", "request", True),
        ("impact", 1, "3", "1", False),
        ("urgency", 2, "3", "2", False),
    ],
)
def test_each_field_change_writes_an_event(
    ticket, agent, field, value, old_shown, new_shown, public
):
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={field: value})
    event = TicketEvent.objects.get(ticket=ticket, type=EventType.FIELD, field=field)
    assert (event.actor, event.old_value, event.new_value, event.public) == (
        agent, old_shown, new_shown, public
    )  # fmt: skip
    assert event.created_at is not None


def test_team_assignee_and_category_changes_show_names(ticket, agent):
    networks = TeamFactory(name="Networks")
    add_to_team(agent, networks)  # (the assignee follows the team: tickets.actions)
    category = CategoryFactory(name="Printers")
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=1,
        changes={"team": networks.pk, "assignee": agent.pk, "category": category.pk},
    )  # fmt: skip
    shown = {
        e.field: (e.old_value, e.new_value)
        for e in TicketEvent.objects.filter(ticket=ticket).exclude(field="")
    }
    assert shown["team"] == ("Service Desk", "Networks")
    assert shown["assignee"] == ("", agent.display_name)
    assert shown["category"] == ("", "Printers")
    assert shown["status"] == (Status.NEW, Status.ASSIGNED)


def test_transition_writes_a_status_event_with_the_notes(ticket, agent):
    resolve(agent, ticket, resolution_notes="Replaced the toner.")
    event = TicketEvent.objects.get(ticket=ticket, type=EventType.STATUS)
    assert (event.actor, event.old_value, event.new_value, event.body, event.public) == (
        agent, Status.NEW, Status.RESOLVED, "Replaced the toner.", True
    )  # fmt: skip


def test_transition_comment_is_a_reply_event(ticket, agent):
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS, comment="On my way"
    )
    reply = TicketEvent.objects.get(ticket=ticket, type=EventType.COMMENT)
    assert (reply.body, reply.public, reply.actor) == ("On my way", True, agent)


def test_no_action_modifies_or_deletes_existing_events(ticket, agent, requester):
    """Run every kind of action; after each, all earlier events are exactly as they were."""
    steps = [
        lambda: actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"impact": 1, "title": "New"}
        ),
        lambda: actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
        ),
        lambda: actions.comment_add(actor=agent, ticket_id=ticket.pk, body="reply"),
        lambda: actions.comment_add(actor=agent, ticket_id=ticket.pk, body="note", public=False),
        lambda: actions.comment_add(actor=requester, ticket_id=ticket.pk, body="thanks"),
        lambda: actions.attachment_add(
            actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("a.txt", b"hello")
        ),
        lambda: actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.PENDING, pending_reason="requester"
        ),
        lambda: resolve(agent, ticket),
        lambda: actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED),
        lambda: actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS),
        lambda: actions.bulk_update(actor=agent, ticket_ids=[ticket.pk], changes={"urgency": 1}),
        lambda: actions.bulk_transition(actor=agent, ticket_ids=[ticket.pk], to=Status.CANCELLED),
    ]
    history = _events(ticket)
    for step in steps:
        step()
        now = _events(ticket)
        assert now[: len(history)] == history
        assert len(now) > len(history)
        history = now


def test_every_event_has_an_actor(ticket, agent, requester):
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    resolve(agent, ticket)
    # Only the service-level entries are the system's own.
    without_actor = TicketEvent.objects.filter(ticket=ticket, actor__isnull=True)
    assert set(without_actor.values_list("type", flat=True)) == {EventType.SLA}
    assert TicketEvent.objects.get(ticket=ticket, type=EventType.CREATED).actor == requester


def test_reclassifying_keeps_the_number(ticket, agent):
    changed = actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=1, changes={"kind": "request"}
    )
    assert (changed.kind, changed.number) == ("request", ticket.number)


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_timeline_list_reads_what_timeline_for_reads(ticket, agent, requester, who):
    """The ticket pages' hand-written read: the same events in the same order (requesters:
    public ones only), their authors, their ticket and their files, without more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atiende.tickets import selectors

    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Between us", public=False,
                        attachments=[SimpleUploadedFile("dump.txt", b"secret")])  # fmt: skip
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On it", public=True,
                        attachments=[SimpleUploadedFile("shot.png", b"x")])  # fmt: skip
    reader = agent if who == "agent" else requester
    expected = list(selectors.timeline_for(reader, ticket))
    for exists in (True, False):
        with CaptureQueriesContext(connection) as captured:
            found = selectors.timeline_list(reader, ticket, attachments_exist=exists)
            drawn = [
                (e.pk, e.type, e.public, e.actor and e.actor.username, e.ticket.number,
                 [a.filename for a in e.attachments.all()])
                for e in found
            ]  # fmt: skip
        assert len(captured) == (2 if exists else 1)
        want = [
            (e.pk, e.type, e.public, e.actor and e.actor.username, e.ticket.number,
             [a.filename for a in e.attachments.all()] if exists else [])
            for e in expected
        ]  # fmt: skip
        assert drawn == want
    assert ("On it" in [e.body for e in found]) and (
        ("Between us" in [e.body for e in found]) == (who == "agent")
    )
