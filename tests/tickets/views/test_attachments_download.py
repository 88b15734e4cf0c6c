"""Attachment download: same access rule as the ticket, safe headers, safe file names."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.models import Attachment

from ...factories import make_ticket

pytestmark = pytest.mark.django_db


def _download(client, attachment):
    return client.get(reverse("attachment", args=[attachment.pk]))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, attachments=[SimpleUploadedFile("report.pdf", b"%PDF-1.4 hello")])


def test_requester_downloads_own_attachment(client, requester, ticket):
    attachment = ticket.attachments.get()
    client.force_login(requester)
    response = _download(client, attachment)
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.4 hello"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_other_requester_gets_404(client, other_requester, ticket):
    client.force_login(other_requester)
    assert _download(client, ticket.attachments.get()).status_code == 404


def test_missing_attachment_is_404(client, requester):
    client.force_login(requester)
    assert client.get(reverse("attachment", args=[987654])).status_code == 404


def test_anonymous_is_sent_to_login(client, ticket):
    response = _download(client, ticket.attachments.get())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_internal_attachment_is_404_for_requester_but_agent_gets_it(
    client, requester, agent, ticket
):
    actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body="vendor log", public=False,
        attachments=[SimpleUploadedFile("vendor.log", b"internal stuff")],
    )  # fmt: skip
    internal = Attachment.objects.get(filename="vendor.log")
    assert internal.public is False
    client.force_login(requester)
    assert _download(client, internal).status_code == 404
    client.force_login(agent)
    response = _download(client, internal)
    assert response.status_code == 200 and _body(response) == b"internal stuff"


def test_html_upload_is_downloaded_not_rendered(client, requester, desk_default_team):
    ticket = make_ticket(
        requester,
        attachments=[SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")],
    )
    client.force_login(requester)
    response = _download(client, ticket.attachments.get())
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_path_traversal_name_is_stored_safely(client, requester, desk_default_team):
    ticket = make_ticket(
        requester, attachments=[SimpleUploadedFile("../../etc/passwd", b"root:x:0:0")]
    )
    attachment = ticket.attachments.get()
    assert attachment.filename == "passwd"
    assert "/" not in attachment.filename and ".." not in attachment.filename
    stored = Path(attachment.file.path).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    assert stored.is_relative_to(media_root)
    assert "passwd" not in stored.name  # stored under a random key, not the user's name
    assert stored.read_bytes() == b"root:x:0:0"

    client.force_login(requester)
    response = _download(client, attachment)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert 'filename="passwd"' in disposition
    assert ".." not in disposition and "/" not in disposition.split("filename=")[1]


def test_backslash_and_control_characters_in_names(client, requester, desk_default_team):
    ticket = make_ticket(
        requester, attachments=[SimpleUploadedFile("..\\..\\win\\evil\r\nname.txt", b"x")]
    )
    attachment = ticket.attachments.get()
    assert "\\" not in attachment.filename and "\n" not in attachment.filename
    assert ".." not in attachment.filename
    client.force_login(requester)
    response = _download(client, attachment)
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
