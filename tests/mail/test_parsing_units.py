"""Focused checks of the parsing layer: size guard, dedup keys, charsets, reply stripping, noise."""

from __future__ import annotations

import dataclasses

import pytest

from atiende.mail.inbound.html_text import html_to_text
from atiende.mail.inbound.noise import NoiseReason
from atiende.mail.inbound.parsing import (
    MessageTooLarge,
    UnparseableMessage,
    decode_bytes,
    decode_header_value,
    parse_message,
)
from atiende.mail.inbound.replies import strip_reply

BASIC = b"From: Ana <ana@example.com>\r\nSubject: hola\r\n\r\nHola mundo\r\n"


def test_too_large_is_refused_before_parsing_and_carries_the_size():
    with pytest.raises(MessageTooLarge) as info:
        parse_message(BASIC, max_bytes=10)
    assert info.value.size == len(BASIC)
    assert info.value.limit == 10
    assert parse_message(BASIC, max_bytes=len(BASIC)).text == "Hola mundo"


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n"])
def test_empty_input_is_unparseable(raw):
    with pytest.raises(UnparseableMessage):
        parse_message(raw)


def test_parsed_message_is_frozen():
    msg = parse_message(BASIC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.subject = "x"  # type: ignore[misc]


def test_dedup_key_without_message_id_is_stable_and_distinct():
    first = parse_message(BASIC)
    assert first.message_id is None
    assert first.dedup_key == parse_message(BASIC).dedup_key
    assert first.dedup_key != parse_message(BASIC + b"more\r\n").dedup_key


def test_dedup_key_is_the_message_id_when_present():
    msg = parse_message(b"Message-ID:   <Abc.123@Example.com>  \r\n" + BASIC)
    assert msg.message_id == "Abc.123@Example.com"
    assert msg.dedup_key == "Abc.123@Example.com"


def test_thread_ids_nearest_first_without_duplicates():
    raw = b"In-Reply-To: <c@x>\r\nReferences: <a@x> <b@x> <c@x>\r\n" + BASIC
    assert parse_message(raw).thread_ids == ("c@x", "b@x", "a@x")


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("canción".encode(), "utf-8", "canción"),
        ("canción".encode("latin-1"), "iso-8859-1", "canción"),
        ("€ “x”".encode("cp1252"), "iso-8859-1", "€ “x”"),
        ("привет".encode("koi8-r"), "KOI8-R", "привет"),
        ("日本語".encode("shift_jis"), "shift_jis", "日本語"),
        ("canción".encode(), "no-such-charset", "canción"),
        ("canción".encode("latin-1"), "utf-8", "canción"),
        (b"abc", "base64", "abc"),  # a bytes-to-bytes codec is never used as a charset
        (b"\x81\x8d\x8f", None, "\x81\x8d\x8f"),  # undefined in cp1252: latin-1 keeps the bytes
    ],
)
def test_decode_bytes_falls_back_without_crashing(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_decode_header_value_normalises_whitespace_and_controls():
    assert decode_header_value("=?utf-8?q?a=09b?=\r\n   c\x00d") == "a b c d"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Nuevo\n\nEl jue, 6 jun 2024, 12:00, Ana <a@x.es> escribió:\n> viejo", "Nuevo"),
        ("New\n\nOn Thu, Jun 6, 2024 at 12:00 PM Ana <a@x.com> wrote:\n> old", "New"),
        ("New\n-----Original Message-----\nFrom: x", "New"),
        ("Nuevo\n-----Mensaje original-----\nDe: x", "Nuevo"),
        ("Nuevo\n\nDe: Soporte <s@x>\nEnviado: lunes\nPara: yo\n\nviejo", "Nuevo"),
        ("New\n\nFrom: Desk <s@x>\nSent: Monday\nTo: me\n\nold", "New"),
        ("New\n-- \nJohn\nPhone 123", "New"),
        ("Nuevo\n\nEnviado desde mi iPhone", "Nuevo"),
        ("New\n\nSent from my iPhone", "New"),
        ("> q1\na1\n> q2\na2", "a1\na2"),
        ("Only text, no quote.", "Only text, no quote."),
        # "From:" in the middle of a sentence or without a following header is content.
        ("From: the top floor we can see the river.\nNice view.", None),
        ("Once upon a time someone wrote: nothing", None),
    ],
)
def test_strip_reply(body, expected):
    assert strip_reply(body) == (body if expected is None else expected)


def test_strip_reply_of_a_message_that_is_only_quotes_keeps_the_text():
    assert strip_reply("> all quoted\n> here") == "> all quoted\n> here"


def test_strip_reply_is_fast_on_huge_bodies():
    body = ("On and on it goes " * 2000 + "\n") * 200
    assert strip_reply(body)


def test_html_to_text_keeps_breaks_and_marks_quotes():
    text = html_to_text(
        "<p>Uno<br>Dos</p><script>x()</script><blockquote>viejo</blockquote><p>Tres &amp; más</p>"
    )
    assert text == "Uno\nDos\n\n> viejo\n\nTres & más"


def test_html_only_message_gets_text_and_sanitised_html():
    raw = (
        b"From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p onclick='x()'>Hola<br>mundo</p><iframe src='https://evil'></iframe>"
    )
    msg = parse_message(raw)
    assert msg.text == "Hola\nmundo"
    assert "onclick" not in msg.html and "iframe" not in msg.html
    assert "Hola" in msg.html


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-generated", NoiseReason.AUTO_SUBMITTED),
        ("Auto-Submitted: auto-replied; owner-email=x@y", NoiseReason.AUTO_SUBMITTED),
        ("Precedence: LIST", NoiseReason.PRECEDENCE),
        ("X-Auto-Response-Suppress: All", NoiseReason.AUTO_RESPONSE_SUPPRESS),
        ("List-Id: <a.b.c>", NoiseReason.MAILING_LIST),
        ("Return-Path: <>", NoiseReason.NULL_RETURN_PATH),
        ("Auto-Submitted: No", None),
        ("Precedence: first-class", None),
        ("X-Atiende-Origin: loopback", None),  # X- headers are not trusted to mean anything
    ],
)
def test_noise_headers(header, reason):
    msg = parse_message(header.encode() + b"\r\n" + BASIC)
    assert msg.reason == reason
    assert msg.is_automatic is (reason is not None)


def test_own_message_only_by_message_id_domain():
    raw = b"Message-ID: <t-1@desk.example>\r\n" + BASIC
    assert parse_message(raw, own_domain="DESK.example").reason == NoiseReason.OWN_MESSAGE
    assert parse_message(raw, own_domain="other.example").reason is None
    assert parse_message(raw).reason is None


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@example.com", "postmaster@example.com", "Mail <mailer-daemon@x.org>"]
)
def test_mailer_daemon_and_postmaster_are_automatic(sender):
    msg = parse_message(f"From: {sender}\r\nSubject: x\r\n\r\nbody".encode())
    assert msg.reason == NoiseReason.MAILER_DAEMON


def test_subject_that_merely_mentions_holidays_is_not_an_auto_reply():
    msg = parse_message(b"From: a@example.com\r\nSubject: Vacaciones del equipo\r\n\r\nx")
    assert msg.is_automatic is False


def test_deeply_nested_html_is_kept_as_escaped_text_quickly():
    import time

    html = "<div><span>" * 20000 + "<script>x()</script>fin"
    raw = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    started = time.monotonic()
    msg = parse_message(raw)
    assert time.monotonic() - started < 5
    assert msg.text == "fin"
    assert msg.html == "<p>fin</p>"


def test_encoded_display_name_with_a_comma_stays_one_address():
    raw = b"From: =?utf-8?Q?Garc=C3=ADa=2C_Ana?= <Ana@Example.com>\r\n\r\nx"
    msg = parse_message(raw)
    assert (msg.from_name, msg.from_address) == ("García, Ana", "ana@example.com")


def test_raw_utf8_display_name():
    msg = parse_message("From: José Núñez <jn@example.com>\r\n\r\nx".encode())
    assert msg.from_name == "José Núñez"
