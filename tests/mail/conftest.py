"""Fixtures of the inbound mail tests: a mailbox, and messages built from a few fields."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from atiende.mail.models import Mailbox

from .imap_server import dovecot, dovecot_tls  # noqa: F401  (session fixtures: private Dovecots)


@pytest.fixture
def mailbox(db, team):
    return Mailbox.objects.create(
        name="soporte", address="soporte@example.com", is_default=True, default_team=team
    )


def make_mail(
    *,
    sender: str = "ana@example.org",
    name: str = "Ana Pérez",
    subject: str = "La impresora no imprime",
    body: str = "Desde esta mañana no sale nada.",
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = "soporte@example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    if message_id == "auto":
        message_id = make_msgid(domain="client.example.org")
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for filename, ctype, payload in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


@pytest.fixture
def mail():
    return make_mail
