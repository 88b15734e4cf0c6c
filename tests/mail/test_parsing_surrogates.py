"""Mail cannot bring a lone surrogate to the database: 8-bit header bytes (kept as surrogates
by surrogateescape) and charsets that decode to them (utf-7, raw_unicode_escape) are read as
U+FFFD, with or without a declared charset, and the message becomes a ticket."""

from __future__ import annotations

import dataclasses

import pytest

from atiende.core.text import lone_surrogate_path
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.inbound.parsing import parse_message
from atiende.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ENCODED_SURROGATE = b"\xed\xa0\x80"  # U+D800 written as UTF-8, which UTF-8 forbids

MESSAGES = {
    "no charset": (
        b"From: Ana <ana@example.org>\r\nTo: soporte@example.com\r\n"
        b"Subject: Caf\xe9 " + ENCODED_SURROGATE + b"\r\n"
        b"Message-ID: <a" + ENCODED_SURROGATE + b"@example.org>\r\n\r\n"
        b"Body " + ENCODED_SURROGATE + b" \xff\r\n"
    ),
    "utf-8 declared": (
        b"From: ana@example.org\r\nTo: soporte@example.com\r\n"
        b"Subject: Printer " + ENCODED_SURROGATE + b"\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nBody " + ENCODED_SURROGATE + b"\r\n"
    ),
    "raw_unicode_escape declared": (
        b"From: ana@example.org\r\nTo: soporte@example.com\r\nSubject: Printer \\ud800\r\n"
        b"Content-Type: text/plain; charset=raw_unicode_escape\r\n\r\nBody \\ud800\r\n"
    ),
    "utf-7 declared": (
        b"From: ana@example.org\r\nTo: soporte@example.com\r\nSubject: =?utf-7?q?+2AA-?=\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\nBody +2AA-\r\n"
    ),
    "attachment headers": (
        b"From: ana@example.org\r\nTo: soporte@example.com\r\nSubject: Printer\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        b"Body\r\n--B\r\nContent-Type: application/x" + ENCODED_SURROGATE + b"\r\n"
        b'Content-Disposition: attachment; filename="f' + ENCODED_SURROGATE + b'.txt"\r\n'
        b"Content-ID: <c" + ENCODED_SURROGATE + b">\r\n\r\ndata\r\n--B--\r\n"
    ),
}


@pytest.mark.parametrize("name", MESSAGES)
def test_parsed_text_has_no_lone_surrogate(name):
    parsed = parse_message(MESSAGES[name])
    assert lone_surrogate_path(dataclasses.asdict(parsed)) is None
    assert parsed.full_text.startswith("Body")


@pytest.mark.parametrize("name", MESSAGES)
def test_the_message_becomes_a_ticket(name, mailbox):
    result = receive(MESSAGES[name], mailbox=mailbox)
    assert result.outcome == Outcome.CREATED
    assert Ticket.objects.get(pk=result.ticket_id).description.startswith("Body")
