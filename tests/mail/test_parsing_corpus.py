"""Every .eml fixture in tests/mail/fixtures parsed, checked against its expectation in
expected.json (written by hand next to the fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atiende.mail.inbound.parsing import SYNTHETIC_ID_DOMAIN, MailParseError, parse_message

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, dict] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def test_corpus_has_every_fixture_and_enough_of_them():
    on_disk = {p.stem for p in FIXTURES.glob("*.eml")}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 60


def _parse(name: str, expect: dict):
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    return parse_message(raw, own_domain=expect.get("own_domain"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    expect = EXPECTED[name]
    if "raises" in expect:
        with pytest.raises(MailParseError) as info:
            _parse(name, expect)
        assert type(info.value).__name__ == expect["raises"]
        return
    msg = _parse(name, expect)

    scalar = {
        "subject_eq": msg.subject,
        "ticket_number": msg.ticket_number,
        "from_address": msg.from_address,
        "from_name": msg.from_name,
        "in_reply_to": msg.in_reply_to,
        "message_id": msg.message_id,
        "reply_to": msg.reply_to,
        "is_automatic": msg.is_automatic,
        "reason": None if msg.reason is None else str(msg.reason),
        "is_bounce": msg.is_bounce,
        "text_eq": msg.text,
    }
    for key, actual in scalar.items():
        if key in expect:
            assert actual == expect[key], f"{key}: {actual!r} != {expect[key]!r}"
    # A message with no noise expectation must not be classified as noise by accident.
    if "is_automatic" not in expect and "reason" not in expect:
        assert msg.is_automatic is False, msg.reason
    for key, actual in {
        "references": msg.references,
        "to": msg.to,
        "cc": msg.cc,
    }.items():
        if key in expect:
            assert list(actual) == expect[key]
    for needle in expect.get("text_contains", []):
        assert needle in msg.text, f"{needle!r} not in {msg.text!r}"
    for needle in expect.get("text_not_contains", []):
        assert needle not in msg.text, f"{needle!r} in {msg.text!r}"
    for needle in expect.get("full_text_contains", []):
        assert needle in msg.full_text
    for needle in expect.get("subject_contains", []):
        assert needle in msg.subject
    for needle in expect.get("html_contains", []):
        assert needle in msg.html
    for needle in expect.get("html_not_contains", []):
        assert needle not in msg.html
    if "attachments" in expect:
        assert [a.filename for a in msg.attachments] == expect["attachments"]
    for filename, content_id in expect.get("inline", {}).items():
        (att,) = [a for a in msg.attachments if a.filename == filename]
        assert att.is_inline and att.content_id == content_id
    for filename, payload in expect.get("attachment_payloads", {}).items():
        (att,) = [a for a in msg.attachments if a.filename == filename]
        assert att.payload == payload.encode("latin-1")
    if expect.get("date_none"):
        assert msg.date is None
    if "subject_max_len" in expect:
        assert len(msg.subject) <= expect["subject_max_len"]
    if expect.get("dedup_synthetic"):
        assert msg.dedup_key.endswith("@" + SYNTHETIC_ID_DOMAIN)
    else:
        assert msg.dedup_key == msg.message_id or msg.message_id is None
