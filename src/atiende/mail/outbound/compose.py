"""Building an outgoing message: subject, plain text and HTML from templates, and headers.

Pure (no database): the delivery worker loads what a message needs and calls `render` and
`build`. Header safety lives here: every value that reaches a header (subjects, display names,
addresses, Message-IDs) is cleaned of CR, LF and other control characters first, so a ticket
title or a user's name can never add a header; an address that is not a plain address is
refused (`UnsafeAddress`) rather than repaired.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

AUTO_GENERATED = "auto-generated"
AUTO_REPLIED = "auto-replied"
MAX_SUBJECT = 250
MAX_REFERENCES = 20

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+$")
_MSGID = re.compile(r"^[!-;=?-~]+@[!-;=?-~]+$")  # printable ASCII without < > and spaces


class UnsafeAddress(ValueError):
    """An address that is not a plain `local@domain` (CR/LF, spaces, several addresses)."""


def header_text(value: Any, limit: int = MAX_SUBJECT) -> str:
    """One line of header text: control characters (CR, LF, TAB, NEL...) become spaces."""
    text = _CONTROL.sub(" ", str(value or ""))
    return re.sub(r" {2,}", " ", text).strip()[:limit]


def address(value: str) -> str:
    value = (value or "").strip()
    if not _ADDRESS.match(value) or len(value) > 254:
        raise UnsafeAddress(value[:80])
    return value


def named_address(name: str, addr: str) -> str:
    """`"Name" <addr>` with the name cleaned (RFC 2047-encoded later when not ASCII)."""
    return formataddr((header_text(name, 120), address(addr)))


def message_id(domain: str) -> str:
    """A new Message-ID, without angle brackets (stored that way, like MessageReference)."""
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain or "") or "atiende.invalid"
    return f"{uuid.uuid4().hex}@{domain}"


def _msgid_header(value: str) -> str:
    value = value.strip().strip("<>")
    if not _MSGID.match(value):
        raise ValueError(f"not a Message-ID: {value[:80]!r}")
    return f"<{value}>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(
    template: str, context: dict[str, Any], *, language: str, time_zone: str, subject: object
) -> Rendered:
    """Render `mail/outbound/<template>.txt` and `.html` in `language` and `time_zone`.
    `subject` is anything whose str() gives the subject in the active language (a lazy
    translation, or an object computing it)."""
    with translation.override(language), timezone.override(time_zone):
        subject_text = header_text(str(subject))
        context = {**context, "language": language, "subject": subject_text}
        raw_text = str(render_to_string(f"mail/outbound/{template}.txt", context))
        html = str(render_to_string(f"mail/outbound/{template}.html", context))
    text = re.sub(r"\n{3,}", "\n\n", raw_text.strip()) + "\n"
    return Rendered(subject=subject_text, text=text, html=html)


def ticket_subject(number: str, title: str, label: str = "") -> str:
    """`[INC-000123] Title`, or `[INC-000123] Resolved: Title` with a label."""
    title = header_text(title, 200)
    prefix = f"[{header_text(number, 30)}] "
    return header_text(f"{prefix}{label}: {title}" if label else f"{prefix}{title}")


def build(
    *,
    rendered: Rendered,
    from_name: str,
    from_address: str,
    to: str,
    reply_to: str | None,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str | None = AUTO_GENERATED,
) -> EmailMultiAlternatives:
    """The MIME message: multipart/alternative (text, then HTML), with threading headers,
    X-Auto-Response-Suppress, and Auto-Submitted on automatic mail."""
    headers = {"Message-ID": _msgid_header(message_id)}
    refs = [r for r in dict.fromkeys(references) if r and r != message_id]
    if len(refs) > MAX_REFERENCES:  # the first message and the most recent ones
        refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
    safe_refs = []
    for ref in refs:
        try:
            safe_refs.append(_msgid_header(ref))
        except ValueError:
            continue  # a malformed id from someone else's mail is left out, never copied raw
    if in_reply_to:
        with contextlib.suppress(ValueError):
            headers["In-Reply-To"] = _msgid_header(in_reply_to)
    if safe_refs:
        headers["References"] = " ".join(safe_refs)
    # No out-of-office or read receipts back from Exchange/Outlook for any of our mail.
    headers["X-Auto-Response-Suppress"] = "All"
    if auto_submitted:  # automatic mail (RFC 3834); an agent's relayed reply is not
        headers["Auto-Submitted"] = auto_submitted
        headers["Precedence"] = "bulk"  # vacation responders skip bulk mail
    message = EmailMultiAlternatives(
        subject=header_text(rendered.subject),
        body=rendered.text,
        from_email=named_address(from_name, from_address),
        to=[address(to)],
        reply_to=[address(reply_to)] if reply_to else None,
        headers=headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
