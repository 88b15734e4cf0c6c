"""Image attachments previewed inline: only PNG, JPEG, GIF and WebP whose bytes match, served
after the ticket's access rule; never SVG; everything else stays a download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets.attachments import preview_type
from atiende.tickets.models import Attachment

from ...factories import make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _ticket(requester, *files):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return make_ticket(requester, attachments=uploads)


def _file(ticket, name) -> Attachment:
    return Attachment.objects.get(ticket=ticket, filename=name)


def test_a_png_is_shown_inline_to_who_may_see_the_ticket(
    client, requester, other_requester, desk_default_team
):
    ticket = _ticket(requester, ("screen.png", PNG))
    image = _file(ticket, "screen.png")
    preview_url = reverse("attachment_preview", args=[image.pk])
    client.force_login(requester)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert f'<img src="{preview_url}"' in page
    response = client.get(preview_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG
    client.force_login(other_requester)
    assert client.get(preview_url).status_code == 404  # the access rule first


def test_svg_is_never_inline(client, requester, desk_default_team):
    ticket = _ticket(requester, ("logo.svg", SVG))
    svg = _file(ticket, "logo.svg")
    client.force_login(requester)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert reverse("attachment_preview", args=[svg.pk]) not in page
    assert client.get(reverse("attachment_preview", args=[svg.pk])).status_code == 404


def test_a_file_named_png_that_is_not_one_is_not_inline(client, requester, desk_default_team):
    ticket = _ticket(requester, ("trick.png", b"<html><script>alert(1)</script></html>"))
    trick = _file(ticket, "trick.png")
    client.force_login(requester)
    assert client.get(reverse("attachment_preview", args=[trick.pk])).status_code == 404


def test_an_internal_image_is_not_previewed_for_the_requester(client, requester, agent):
    from atiende.tickets import actions

    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    image = actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("int.png", PNG), public=False
    )
    client.force_login(requester)
    assert client.get(reverse("attachment_preview", args=[image.pk])).status_code == 404
    client.force_login(agent)
    assert client.get(reverse("attachment_preview", args=[image.pk])).status_code == 200


@pytest.mark.parametrize(
    ("declared", "head", "expected"),
    [
        ("image/png", PNG[:16], "image/png"),
        ("image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 12, "image/jpeg"),
        ("image/gif", b"GIF89a" + b"\x00" * 10, "image/gif"),
        ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        ("image/svg+xml", SVG[:16], None),
        ("image/png", b"GIF89a" + b"\x00" * 10, None),
        ("text/html", PNG[:16], None),
    ],
)
def test_preview_type_needs_the_declared_type_and_matching_bytes(declared, head, expected):
    assert preview_type(declared, head) == expected
