"""HTML forms and lone surrogates. UTF-8 form bytes cannot carry one: the encoded surrogate
ED A0 80 (raw or percent-encoded) is decoded with replacement, as U+FFFD. A multipart body may
declare a charset that decodes to one (raw_unicode_escape); the middleware answers 422 before
any view writes it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _multipart(title: bytes) -> bytes:
    fields = {b"kind": b"incident", b"title": title, b"description": b"", b"urgency": b"2"}
    parts = [
        b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name, value)
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--B--\r\n"


def test_a_charset_that_decodes_to_a_surrogate_is_refused(client, requester, desk_default_team):
    client.force_login(requester)
    response = client.post(
        reverse("portal:new"),
        _multipart(b"Printer \\ud800"),
        content_type="multipart/form-data; boundary=B; charset=raw_unicode_escape",
    )
    assert response.status_code == 422
    assert "invalid character" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_same_charset_without_a_surrogate_is_accepted(client, requester, desk_default_team):
    client.force_login(requester)
    response = client.post(
        reverse("portal:new"),
        _multipart(b"Printer \\u00e9"),
        content_type="multipart/form-data; boundary=B; charset=raw_unicode_escape",
    )
    assert response.status_code == 302
    assert Ticket.objects.get().title == "Printer é"


@pytest.mark.parametrize("encoded", [b"%ED%A0%80", b"\xed\xa0\x80"])
def test_utf8_bytes_of_a_surrogate_are_replaced_not_stored(
    client, requester, desk_default_team, encoded
):
    client.force_login(requester)
    body = b"kind=incident&urgency=2&description=&title=Printer+" + encoded
    response = client.post(
        reverse("portal:new") + "?kind=%ED%A0%80",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert "\ud800" not in Ticket.objects.get().title
