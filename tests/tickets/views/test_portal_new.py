"""Opening a ticket from the portal: kinds, validation, attachments, agent-only fields."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets.models import Attachment, Impact, Kind, Status, Ticket

from ...factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _post(client, **data):
    payload = {"kind": "incident", "title": "Printer jammed", "description": "", "urgency": "2"}
    payload.update(data)
    return client.post(reverse("portal:new"), payload)


def test_form_shows_kinds_questions_and_size_limit(client, requester, settings):
    settings.ATTACHMENT_MAX_BYTES = 7 * 1024 * 1024
    parent = CategoryFactory(name="Hardware")
    CategoryFactory(name="Printers", parent=parent)
    CategoryFactory(name="Retired", is_active=False)
    client.force_login(requester)
    response = client.get(reverse("portal:new") + "?kind=request")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Report a problem", "Request something", "Ask a question",
                 "How many people are affected?", "How urgent is it?", "up to 7 MB per file"):  # fmt: skip
        assert text in html
    assert 'value="request" checked' in html
    assert "Printers" in html and "Retired" not in html
    assert 'type="file" name="attachments"' in html and "multiple" in html


def test_incident_is_created_and_requester_lands_on_it(client, requester, desk_default_team):
    category = CategoryFactory(name="Printers")
    client.force_login(requester)
    response = _post(
        client, title="Printer jammed", description="Paper stuck", category=str(category.pk),
        impact="2", urgency="1",
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket", args=[ticket.number])
    assert (ticket.kind, ticket.requester, ticket.category) == ("incident", requester, category)
    assert (ticket.impact, ticket.urgency, ticket.team) == (2, 1, desk_default_team)
    page = client.get(response["Location"])
    assert ticket.number in page.content.decode()
    assert "We received your ticket" in page.content.decode()


def test_question_ignores_impact(client, requester, desk_default_team):
    client.force_login(requester)
    _post(client, kind="question", title="How do I print?", impact="1", urgency="3")
    ticket = Ticket.objects.get()
    assert ticket.kind == Kind.QUESTION
    assert ticket.number.startswith("QRY-")
    assert ticket.impact == Impact.LOW


def test_agent_only_fields_are_ignored(client, requester, agent, team, other_team):
    client.force_login(requester)
    response = _post(
        client, title="Trying to cheat", assignee=str(agent.pk), team=str(other_team.pk),
        priority="1", status="resolved", requester=str(agent.pk), kind="incident",
        impact="3", urgency="3",
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.assignee is None
    assert ticket.team != other_team
    assert ticket.priority == 5  # from the matrix (low x low), not the posted 1
    assert ticket.status == Status.NEW
    assert ticket.requester == requester


def test_requester_cannot_open_a_change(client, requester):
    client.force_login(requester)
    response = _post(client, kind="change", title="Sneaky change")
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_empty_title_is_a_field_error_and_nothing_is_created(client, requester):
    client.force_login(requester)
    response = _post(client, title="   ", description="kept text")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Please write a short summary." in html or "A title is required." in html
    assert "kept text" in html  # what was typed is not lost
    assert not Ticket.objects.exists()


def test_unknown_category_is_a_field_error(client, requester):
    client.force_login(requester)
    response = _post(client, category="999999")
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_too_big_attachment_is_refused_and_nothing_is_created(client, requester, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(requester)
    big = SimpleUploadedFile("huge.log", b"x" * 2048, content_type="text/plain")
    response = _post(client, title="With a big file", attachments=[big])
    assert response.status_code == 413
    html = response.content.decode()
    assert "huge.log" in html and "larger than" in html
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_several_attachments_are_stored(client, requester, desk_default_team):
    client.force_login(requester)
    files = [
        SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png"),
        SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain"),
    ]
    response = _post(client, title="With files", attachments=files)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert sorted(a.filename for a in ticket.attachments.all()) == ["log.txt", "screen.png"]
    html = client.get(response["Location"]).content.decode()
    assert "screen.png" in html and "log.txt" in html


def test_script_in_description_is_rendered_harmless(client, requester, desk_default_team):
    client.force_login(requester)
    evil = '<script>alert("xss")</script><img src=x onerror="alert(1)"> [link](javascript:alert(2))'
    response = _post(client, title='<b onmouseover="x()">Title</b>', description=evil)
    html = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:alert" not in html
    assert '<b onmouseover="x()">' not in html
    assert "&lt;b onmouseover=" in html  # the title is shown as text
