"""A real SMTP server on loopback (aiosmtpd) for the outbound mail tests.

`SmtpServer` can be stopped and started again on the same port (an outage), can answer a
temporary failure (451) to every message, and keeps what it received: envelope and the parsed
message."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp, session, envelope: Envelope) -> str:
        if self.server.reply_code:
            return self.server.reply_code
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode()
        with self.server.lock:
            self.server.received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(data))
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.reply_code = ""  # e.g. "451 4.3.0 try again later" to refuse every message
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, decode_data=False
            )
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A running SMTP server; Django's SMTP settings point at it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.OUTBOX_DELIVERY = True
    try:
        yield server
    finally:
        server.stop()
