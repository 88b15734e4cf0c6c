"""Merging tickets: nothing is lost (timeline entries, attachments, links all move to the
target), the merged ticket closes with a pointer its requester is told of, mail replying to
its thread lands in the target, and resolving as a duplicate asks which ticket."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.core.errors import Conflict, Forbidden, ValidationFailed
from atiende.mail.inbound import threading as mail_threading
from atiende.tickets import actions, selectors
from atiende.tickets.models import (
    Attachment,
    EventType,
    LinkType,
    Status,
    TicketEvent,
    TicketFollower,
    TicketLink,
)

from ..factories import make_ticket
from .conftest import resolve


def _upload(name: str = "log.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"some log lines", content_type="text/plain")


@pytest.fixture
def busy_pair(agent, requester, other_requester, desk_default_team):
    """A source with replies, a note, files and links to third tickets; and a target."""
    source = make_ticket(requester, title="Printer jams", attachments=[_upload("a.txt")])
    target = make_ticket(other_requester, title="Printers on floor 2 jam")
    actions.comment_add(actor=agent, ticket_id=source.pk, body="Which tray?")
    actions.comment_add(
        actor=requester, ticket_id=source.pk, body="Tray 2", attachments=[_upload()]
    )
    actions.comment_add(actor=agent, ticket_id=source.pk, body="Internal: toner", public=False)
    third = make_ticket(requester, title="Third")
    fourth = make_ticket(requester, title="Fourth")
    actions.ticket_link_add(actor=agent, ticket_id=source.pk, other=third.pk)
    actions.ticket_link_add(
        actor=agent, ticket_id=fourth.pk, other=source.pk, link_type=LinkType.CAUSED_BY
    )
    return source, target, third, fourth


def test_merging_moves_every_event_attachment_and_link(agent, busy_pair):
    source, target, third, fourth = busy_pair
    source_events = set(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    target_events = set(TicketEvent.objects.filter(ticket=target).values_list("pk", flat=True))
    files = set(Attachment.objects.filter(ticket=source).values_list("pk", flat=True))
    assert len(source_events) >= 6 and len(files) == 2

    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.number)

    now_on_target = set(TicketEvent.objects.filter(ticket=target).values_list("pk", flat=True))
    assert source_events | target_events <= now_on_target
    assert set(Attachment.objects.filter(ticket=target).values_list("pk", flat=True)) == files
    assert not Attachment.objects.filter(ticket=source).exists()
    # Links to third tickets now belong to the target, each read the same way.
    assert {(link.ticket.pk, link.label) for link in selectors.links_of(agent, target)} == {
        (third.pk, "Related to"),
        (fourth.pk, "Caused"),
        (source.pk, "Merged from"),
    }
    # The source's opening entry keeps what it opened (its number and description).
    opened = TicketEvent.objects.get(ticket=target, type=EventType.CREATED, field="merged_from")
    assert (opened.new_value, opened.body) == (source.number, source.description)


def test_the_merged_ticket_closes_with_a_pointer_and_its_requester_is_told(agent, busy_pair):
    from atiende.mail.models import OutboundKind, OutboundMessage

    source, target, *_ = busy_pair
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.pk)
    source.refresh_from_db()
    assert (source.status, source.resolution_code) == (Status.CLOSED, "duplicate")
    assert TicketLink.objects.filter(
        from_ticket=source, to_ticket=target, link_type=LinkType.MERGED_INTO
    ).exists()
    told = TicketEvent.objects.get(ticket=source, type=EventType.COMMENT)
    assert told.public and target.number in told.body
    assert OutboundMessage.objects.filter(
        ticket=source, kind=OutboundKind.REPLY, recipient=source.requester, event=told
    ).exists()
    assert selectors.merged_into(source) == target


def test_mail_threading_continues_in_the_target(agent, busy_pair):
    from atiende.core import clock
    from atiende.mail.models import Direction, MessageReference

    source, target, *_ = busy_pair
    MessageReference.objects.create(
        message_id="<old@example.org>", ticket=source, direction=Direction.OUTBOUND,
        created_at=clock.now(),
    )  # fmt: skip
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.pk)
    found = mail_threading.ticket_by_references(("<old@example.org>",))
    assert selectors.merged_into(found) == target


def test_merging_twice_follows_to_the_last_target(agent, requester, busy_pair):
    source, target, *_ = busy_pair
    last = make_ticket(requester, title="Last")
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.pk)
    actions.ticket_merge(actor=agent, ticket_id=target.pk, into=last.pk)
    assert selectors.merged_into(source) == last


@pytest.mark.parametrize("case", ["self", "unknown", "finished", "already"])
def test_bad_merges_are_refused_and_change_nothing(agent, requester, busy_pair, case):
    source, target, *_ = busy_pair
    into = {"self": source.number, "unknown": "INC-999999"}.get(case, target.number)
    if case == "finished":
        resolve(agent, target)
        actions.ticket_transition(actor=agent, ticket_id=target.pk, to=Status.CLOSED)
    if case == "already":
        actions.ticket_merge(actor=agent, ticket_id=source.pk, into=make_ticket(requester).pk)
    before = list(TicketEvent.objects.order_by("pk").values_list("pk", "ticket_id"))
    with pytest.raises(ValidationFailed) as caught:
        actions.ticket_merge(actor=agent, ticket_id=source.pk, into=into)
    assert "into" in caught.value.errors
    assert list(TicketEvent.objects.order_by("pk").values_list("pk", "ticket_id")) == before


def test_requesters_cannot_merge_and_stale_versions_are_refused(agent, requester, busy_pair):
    source, target, *_ = busy_pair
    with pytest.raises(Forbidden):
        actions.ticket_merge(actor=requester, ticket_id=source.pk, into=target.pk)
    with pytest.raises(Conflict):
        actions.ticket_merge(
            actor=agent, ticket_id=source.pk, into=target.pk, version=source.version - 1
        )


def test_resolving_as_duplicate_asks_which_ticket(agent, requester, busy_pair):
    source, target, *_ = busy_pair
    with pytest.raises(ValidationFailed) as caught:
        resolve(agent, source, resolution_code="duplicate")
    assert "duplicate_of" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        resolve(agent, source, resolution_code="duplicate", duplicate_of=source.number)
    assert "duplicate_of" in caught.value.errors
    resolve(agent, source, resolution_code="duplicate", duplicate_of=target.number)
    assert TicketLink.objects.filter(
        from_ticket=source, to_ticket=target, link_type=LinkType.DUPLICATE_OF
    ).exists()


def test_merge_links_cannot_be_made_by_hand(agent, busy_pair):
    source, target, *_ = busy_pair
    with pytest.raises(ValidationFailed):
        actions.ticket_link_add(
            actor=agent, ticket_id=source.pk, other=target.pk, link_type=LinkType.MERGED_INTO
        )


def test_merge_over_the_api(agent, requester, busy_pair):
    from ..api.conftest import ApiClient, assert_error

    source, target, *_ = busy_pair
    api = ApiClient(agent)
    assert_error(api.post(f"/tickets/{source.pk}/merge", {"into": "INC-999999"}), 422, "into")
    assert_error(ApiClient(requester).post(f"/tickets/{source.pk}/merge", {"into": "1"}), 403)
    assert_error(
        api.post(f"/tickets/{source.pk}/merge", {"into": target.number, "version": 0}), 409
    )
    response = api.post(f"/tickets/{source.number}/merge", {"into": target.number})
    assert response.status_code == 200, response.content
    assert response.json()["number"] == target.number
    answer = api.post(
        f"/tickets/{target.pk}/transition",
        {"to": "resolved", "resolution_code": "duplicate", "resolution_notes": "Same"},
    )
    assert_error(answer, 422, "duplicate_of")


def test_merge_and_duplicate_on_the_desk_ticket_page(agent, requester, busy_pair):
    from django.test import Client
    from django.urls import reverse

    source, target, *_ = busy_pair
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[source.number])).content.decode()
    assert reverse("desk:ticket_merge", args=[source.number]) in page
    assert 'name="duplicate_of"' in page
    url = reverse("desk:ticket_merge", args=[source.number])
    bad = client.post(url, {"into": source.number, "version": source.version})
    assert bad.status_code == 422 and "cannot be merged into itself" in bad.content.decode()
    response = client.post(url, {"into": target.number, "version": source.version}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:ticket", args=[target.number])
    page = response.content.decode()
    assert "was merged into this ticket" in page
    assert f"opened {source.number}, merged into this ticket" in page
    copy = make_ticket(requester, title="Printer jams again")
    resolve_url = reverse("desk:ticket_transition", args=[copy.number])
    data = {"to": "resolved", "version": copy.version, "resolution_code": "duplicate"}
    data["resolution_notes"] = "Same as the other"
    missing = client.post(resolve_url, data)
    assert missing.status_code == 422
    assert "Say which ticket this one duplicates." in missing.content.decode()
    done = client.post(resolve_url, {**data, "duplicate_of": target.number})
    assert done.status_code == 302
    assert TicketLink.objects.filter(
        from_ticket=copy, to_ticket=target, link_type=LinkType.DUPLICATE_OF
    ).exists()


def test_followers_of_the_merged_ticket_follow_the_target(agent, admin_user, busy_pair):
    source, target, _third, _fourth = busy_pair
    actions.ticket_follow(actor=admin_user, ticket_id=source.pk)
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.number)
    followers = set(TicketFollower.objects.filter(ticket=target).values_list("user_id", flat=True))
    assert admin_user.pk in followers
