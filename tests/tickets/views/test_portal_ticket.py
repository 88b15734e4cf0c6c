"""One ticket in the portal: visibility, internal notes, replies, confirm and reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.core import clock
from atiende.tickets import actions
from atiende.tickets.models import Attachment, DeskSettings, EventType, Status, Ticket

from ...factories import OrganizationFactory, RequesterFactory, make_ticket

pytestmark = pytest.mark.django_db


def _url(name, ticket):
    return reverse(f"portal:{name}", args=[ticket.number])


def _resolve(ticket, agent, notes="Replaced the toner cartridge"):
    return actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes=notes,
    )  # fmt: skip


@pytest.fixture
def ticket(requester, agent, desk_default_team):
    ticket = make_ticket(requester, title="Printer broken")
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_requester_sees_ticket_and_public_timeline(client, requester, agent, ticket):
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="We are on it, hang tight")
    client.force_login(requester)
    response = client.get(_url("ticket", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Printer broken" in html and ticket.number in html
    assert "We are on it, hang tight" in html
    assert "A technician has it" in html
    # Agents by first name only (tickets.selectors.public_name).
    assert agent.first_name in html and agent.display_name not in html


def test_internal_notes_and_their_attachments_never_reach_the_portal(
    client, requester, agent, ticket
):
    marker = "INTERNAL-MARKER-7f3a9"
    actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body=f"{marker} suspect the vendor", public=False,
        attachments=[SimpleUploadedFile("internal-dump-7f3a9.txt", b"secret")],
    )  # fmt: skip
    actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("hidden-7f3a9.cfg", b"x"),
        public=False,
    )  # fmt: skip
    client.force_login(requester)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert marker not in html
    assert "internal-dump-7f3a9" not in html
    assert "hidden-7f3a9" not in html
    assert "Internal note" not in html
    for attachment in Attachment.objects.filter(public=False):
        assert reverse("attachment", args=[attachment.pk]) not in html


def test_other_requesters_ticket_is_404_everywhere(client, other_requester, ticket):
    client.force_login(other_requester)
    assert client.get(_url("ticket", ticket)).status_code == 404
    assert client.post(_url("reply", ticket), {"body": "hi"}).status_code == 404
    assert client.post(_url("confirm", ticket)).status_code == 404
    assert client.post(_url("reopen", ticket), {"comment": "x"}).status_code == 404
    assert client.get(reverse("portal:ticket", args=["INC-999999"])).status_code == 404
    assert not ticket.events.filter(type=EventType.COMMENT).exists()


def test_organisation_manager_sees_colleague_ticket(client, desk_default_team):
    org = OrganizationFactory(name="Acme")
    boss = RequesterFactory(organization=org, is_organization_manager=True)
    colleague = RequesterFactory(organization=org)
    ticket = make_ticket(colleague, title="Colleague ticket")
    client.force_login(boss)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert "Colleague ticket" in html and "Requested by" in html


def test_reply_with_attachment(client, requester, ticket):
    client.force_login(requester)
    upload = SimpleUploadedFile("error.png", b"\x89PNG data", content_type="image/png")
    response = client.post(
        _url("reply", ticket), {"body": "Here is the error", "attachments": [upload]}
    )
    assert response.status_code == 302
    event = ticket.events.get(type=EventType.COMMENT)
    assert response["Location"] == _url("ticket", ticket) + f"#event-{event.pk}"
    assert event.public and event.actor == requester and event.body == "Here is the error"
    attachment = event.attachments.get()
    assert attachment.filename == "error.png" and attachment.public
    html = client.get(_url("ticket", ticket)).content.decode()
    assert "Here is the error" in html and "error.png" in html
    assert "Your reply was sent." in html


def test_empty_reply_is_refused(client, requester, ticket):
    client.force_login(requester)
    response = client.post(_url("reply", ticket), {"body": "   "})
    assert response.status_code == 422
    assert "Write a message or attach a file." in response.content.decode()
    assert not ticket.events.filter(type=EventType.COMMENT).exists()


def test_too_big_reply_attachment_is_refused(client, requester, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(requester)
    big = SimpleUploadedFile("big.zip", b"z" * 4096)
    response = client.post(_url("reply", ticket), {"body": "see file", "attachments": [big]})
    assert response.status_code == 413
    assert "big.zip" in response.content.decode()
    assert not ticket.events.filter(type=EventType.COMMENT).exists()
    assert not Attachment.objects.exists()


def test_script_in_reply_is_rendered_harmless(client, requester, ticket):
    client.force_login(requester)
    client.post(
        _url("reply", ticket), {"body": '<script>steal()</script><a href="javascript:x()">y</a>'}
    )
    html = client.get(_url("ticket", ticket)).content.decode()
    assert "<script>steal" not in html
    assert "javascript:x()" not in html


def test_agent_only_fields_in_a_reply_are_ignored(client, requester, other_agent, ticket):
    before = Ticket.objects.get(pk=ticket.pk)
    client.force_login(requester)
    client.post(
        _url("reply", ticket),
        {"body": "thanks", "status": "closed", "assignee": other_agent.pk, "priority": "1",
         "team": "1", "public": "false"},
    )  # fmt: skip
    after = Ticket.objects.get(pk=ticket.pk)
    for field in ("status", "assignee_id", "priority", "team_id", "version"):
        assert getattr(after, field) == getattr(before, field)
    assert ticket.events.get(type=EventType.COMMENT).public is True


def test_confirm_closes_a_resolved_ticket(client, requester, agent, ticket):
    _resolve(ticket, agent)
    client.force_login(requester)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert "Yes, it&#x27;s fixed (close)" in html or "Yes, it's fixed (close)" in html
    assert "Replaced the toner cartridge" in html  # resolution note
    assert "Solved" in html  # resolution code label
    response = client.post(
        _url("confirm", ticket), {"version": Ticket.objects.get(pk=ticket.pk).version}
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_no_confirm_button_before_resolution(client, requester, ticket):
    client.force_login(requester)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert _url("confirm", ticket) not in html
    client.post(_url("confirm", ticket))
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status


def test_reopen_within_period_goes_back_to_work(client, requester, agent, ticket):
    _resolve(ticket, agent)
    client.force_login(requester)
    response = client.post(_url("reopen", ticket), {"comment": "It jams again"})
    assert response.status_code == 302
    reopened = Ticket.objects.get(pk=ticket.pk)
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.resolved_at is None and reopened.resolution_notes == ""
    assert ticket.events.filter(type=EventType.COMMENT, body="It jams again").exists()


def test_reopen_after_closing_within_period(client, requester, agent, ticket):
    _resolve(ticket, agent)
    actions.ticket_transition(actor=requester, ticket_id=ticket.pk, to=Status.CLOSED)
    client.force_login(requester)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert _url("reopen", ticket) in html
    client.post(_url("reopen", ticket), {"comment": "Broken again"})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


def test_reopen_after_the_period_is_refused_with_a_clear_message(client, requester, agent, ticket):
    desk = DeskSettings.load()
    desk.reopen_days = 3
    desk.save()
    _resolve(ticket, agent)
    client.force_login(requester)
    with time_machine.travel(clock.now() + timedelta(days=4), tick=False):
        page = client.get(_url("ticket", ticket)).content.decode()
        assert _url("reopen", ticket) not in page
        assert "The time to reopen this ticket ended" in page
        assert _url("confirm", ticket) in page  # closing is still possible
        response = client.post(_url("reopen", ticket), {"comment": "still broken"})
    assert response.status_code == 422
    assert "reopen period is over" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    assert not ticket.events.filter(type=EventType.COMMENT).exists()


def test_stale_confirm_is_reported_not_applied(client, requester, agent, ticket):
    _resolve(ticket, agent)
    stale_version = Ticket.objects.get(pk=ticket.pk).version - 1
    client.force_login(requester)
    response = client.post(_url("confirm", ticket), {"version": stale_version}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_agent_opening_portal_ticket_goes_to_desk(client, agent, ticket):
    client.force_login(agent)
    response = client.get(_url("ticket", ticket))
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/")


def test_internal_file_on_a_public_event_is_still_hidden(client, requester, agent, ticket):
    """Defence in depth: even if an internal attachment hangs off a public event (e.g. data
    imported by hand), the portal timeline leaves it out."""
    event = actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body="public reply",
        attachments=[SimpleUploadedFile("leaked-7f3a9.txt", b"x")],
    )  # fmt: skip
    Attachment.objects.filter(event=event).update(public=False)
    client.force_login(requester)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert "public reply" in html
    assert "leaked-7f3a9" not in html


@pytest.mark.parametrize("key", ["1", "²", "٣", "INC-٣", "../etc", "INC-1%00"])
def test_odd_ticket_keys_are_404_never_a_crash(client, requester, ticket, key):
    client.force_login(requester)
    response = client.get(f"/portal/tickets/{key}/")
    assert response.status_code == 404


def test_lowercase_number_finds_the_ticket(client, requester, ticket):
    client.force_login(requester)
    response = client.get(f"/portal/tickets/{ticket.number.lower()}/")
    assert response.status_code == 200


def test_organisation_manager_cannot_confirm_a_colleagues_ticket(client, agent, desk_default_team):
    org = OrganizationFactory(name="Acme")
    boss = RequesterFactory(organization=org, is_organization_manager=True)
    colleague = RequesterFactory(organization=org)
    ticket = make_ticket(colleague, title="Colleague ticket")
    _resolve(ticket, agent)
    client.force_login(boss)
    html = client.get(_url("ticket", ticket)).content.decode()
    assert _url("confirm", ticket) not in html and _url("reopen", ticket) not in html
    assert "can confirm or reopen" in html
    client.post(_url("confirm", ticket))
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
