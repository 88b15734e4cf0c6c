"""parse_message never raises anything but its two documented errors, whatever the bytes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.mail.inbound.parsing import (
    MessageTooLarge,
    ParsedMessage,
    UnparseableMessage,
    parse_message,
)

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.eml"))
CORPUS = [p.read_bytes() for p in FIXTURES if p.stat().st_size < 50_000]
MAX = 200_000


def _check(raw: bytes) -> None:
    try:
        result = parse_message(raw, max_bytes=MAX, own_domain="atiende.example")
    except (UnparseableMessage, MessageTooLarge):
        return
    assert isinstance(result, ParsedMessage)
    assert isinstance(result.text, str) and isinstance(result.subject, str)
    assert "\n" not in result.subject and len(result.subject) <= 998
    for att in result.attachments:
        assert "/" not in att.filename and att.filename


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes(raw):
    _check(raw)


@st.composite
def mutated_fixture(draw):
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        if not raw:
            break
        pos = draw(st.integers(0, len(raw) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup"]))
        if action == "flip":
            raw[pos] = draw(st.integers(0, 255))
        elif action == "delete":
            del raw[pos : pos + draw(st.integers(1, 200))]
        elif action == "insert":
            raw[pos:pos] = draw(
                st.sampled_from(
                    [b"\r\n", b"--", b"=?", b"?=", b"\x00", b"\xff\xfe", b"boundary=", b"; charset=",
                     b"Content-Type: multipart/mixed; boundary=\"Q\"\r\n", b"=?utf-8?b?", b"*0*=''",
                     b"\r\n--Q\r\n", b"<", b">", b"\r\n\r\n"]
                )
            )  # fmt: skip
        elif action == "truncate":
            del raw[pos:]
        else:
            raw[pos:pos] = raw[pos : pos + draw(st.integers(1, 500))]
    return bytes(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_mutated_fixtures(raw):
    _check(raw)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.sampled_from(["utf-8", "koi8-r", "x", ""]))
def test_random_headers_and_charsets(subject, name, charset):
    raw = (
        f"From: {name} <a@example.com>\r\nSubject: {subject}\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n\r\n{subject}"
    ).encode("utf-8", "surrogatepass")
    _check(raw)


def test_size_guard_applies_to_random_input():
    try:
        parse_message(b"x" * (MAX + 1), max_bytes=MAX)
    except MessageTooLarge as exc:
        assert exc.size == MAX + 1
    else:
        raise AssertionError("expected MessageTooLarge")
