"""A safe, bounded text preview of a received message for the failed-mail detail page: the
main headers and the start of the plain text (or of the sanitised HTML turned into text). It
is plain text only; the template escapes it like any other string. Nothing of the message is
ever rendered as HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .html_text import html_to_text
from .parsing import (
    MailParseError,
    decode_bytes,
    parse_message,
)

PREVIEW_CHARS = 4000  # of the body text
PREVIEW_PARSE_BYTES = 5 * 1024 * 1024  # larger messages: headers only
HEADER_CHARS = 300
RAW_CHARS = 2000  # of a message that cannot be parsed at all
# Control characters of binary input are dropped from its preview (line breaks and tabs stay).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Preview:
    from_: str = ""
    to: str = ""
    subject: str = ""
    date: datetime | None = None
    body: str = ""
    truncated: bool = False
    headers_only: bool = False  # too large to read the body here: download the .eml
    unreadable: bool = False  # not a message: `body` is the start of the raw bytes


def _cut(value: str, limit: int) -> tuple[str, bool]:
    value = value.strip()
    if len(value) <= limit:
        return value, False
    return value[:limit].rstrip() + "…", True


def _header_block(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in raw[: 256 * 1024]:
            return raw.split(separator, 1)[0] + b"\r\n\r\n"
    return raw[: 256 * 1024]


def message_preview(raw: bytes) -> Preview:
    headers_only = len(raw) > PREVIEW_PARSE_BYTES
    source = _header_block(raw) if headers_only else raw
    try:
        parsed = parse_message(source, max_bytes=max(len(source), 1))
    except MailParseError:
        text = CONTROL.sub("", decode_bytes(raw[: RAW_CHARS * 4], None))
        text, truncated = _cut(text, RAW_CHARS)
        return Preview(body=text, truncated=truncated, unreadable=True)
    sender = parsed.from_address or ""
    if parsed.from_name and sender:
        sender = f"{parsed.from_name} <{sender}>"
    body = "" if headers_only else (parsed.full_text or html_to_text(parsed.html))
    body, truncated = _cut(body, PREVIEW_CHARS)
    return Preview(
        from_=_cut(sender, HEADER_CHARS)[0],
        to=_cut(", ".join(parsed.to), HEADER_CHARS)[0],
        subject=_cut(parsed.subject, HEADER_CHARS)[0],
        date=parsed.date,
        body=body,
        truncated=truncated,
        headers_only=headers_only,
    )
