"""The IMAP collector: fetch new messages of a mailbox's folder by UID, run each through
intake, and only then (after its transaction committed) flag it \\Seen or move it away.

A crash half-way leaves the message unseen on the server: the next poll fetches it again and
intake's unique Message-ID makes the second copy a no-op. Two collectors polling the same
folder at once do the same work twice but write it once. A mailbox that cannot be reached
records the error on the mailbox (shown on the health page) and logs it."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from atiende.core import clock

from ..models import AfterProcessing, ImapSecurity, InboundSource, Mailbox
from .intake import HEADER_BYTES_MAX, TEMPORARY_ERRORS, Outcome, receive, receive_too_large

logger = logging.getLogger(__name__)

BATCH = 50
TIMEOUT_SECONDS = 30.0
CONNECTION_ERRORS = (IMAPClientError, OSError, socket.timeout, ssl.SSLError)


@dataclass
class CollectResult:
    mailbox: str
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against the system's CAs (hostname included)."""
    return ssl.create_default_context()


def connect(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> IMAPClient:
    context = tls_context()
    use_ssl = mailbox.imap_security == ImapSecurity.SSL
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=use_ssl,
        ssl_context=context if use_ssl else None,
        timeout=timeout,
    )
    try:
        if mailbox.imap_security == ImapSecurity.STARTTLS:
            client.starttls(context)
        client.login(mailbox.imap_username, mailbox.imap_password)
    except BaseException:
        _quietly(client.shutdown)
        raise
    return client


def _quietly(call: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection: nothing more to do
        call()


def collect(mailbox: Mailbox, *, batch: int = BATCH) -> CollectResult:
    """Poll one mailbox once. Never raises for a server problem: the result (and the mailbox's
    health fields) carry the error."""
    result = CollectResult(mailbox=mailbox.name)
    started = clock.now()
    try:
        client = connect(mailbox)
    except CONNECTION_ERRORS as exc:
        return _failed(mailbox, result, started, f"connect: {_text(exc)}")
    try:
        _collect(client, mailbox, result, batch)
    except CONNECTION_ERRORS as exc:
        return _failed(mailbox, result, started, f"imap: {_text(exc)}")
    except TEMPORARY_ERRORS as exc:
        return _failed(mailbox, result, started, f"database: {_text(exc)}")
    finally:
        _quietly(client.logout)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=started, last_success_at=started, last_error=""
    )
    return result


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _failed(mailbox: Mailbox, result: CollectResult, at, error: str) -> CollectResult:
    logger.warning("mailbox %s: %s", mailbox.name, error)
    result.error = error
    with contextlib.suppress(DatabaseError):  # if the database is what failed, the log has it
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=at, last_error=error, last_error_at=at
        )
    return result


def _collect(client: IMAPClient, mailbox: Mailbox, result: CollectResult, batch: int) -> None:
    client.select_folder(mailbox.imap_folder)
    move = mailbox.after_processing == AfterProcessing.MOVE and bool(mailbox.processed_folder)
    if move and not client.folder_exists(mailbox.processed_folder):
        client.create_folder(mailbox.processed_folder)
    uids = sorted(client.search(["NOT", "DELETED"] if move else ["UNSEEN"]))
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        done: list[int] = []
        try:
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            for uid in chunk:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                outcome = _one(client, mailbox, uid, size)
                if outcome is not None:
                    result.fetched += 1
                    result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                done.append(uid)
        finally:
            # Only messages whose intake committed are marked; the rest stay for the next poll.
            if done:
                _mark(client, done, mailbox, move)


def _one(client: IMAPClient, mailbox: Mailbox, uid: int, size: int) -> str | None:
    if size > mailbox.max_message_bytes:
        head = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]")
        if head is None:
            return None  # expunged meanwhile (another collector moved it)
        return receive_too_large(
            bytes(head)[:HEADER_BYTES_MAX], size, mailbox=mailbox, source=InboundSource.IMAP
        ).outcome
    raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
    if raw is None:
        return None
    outcome = receive(bytes(raw), mailbox=mailbox, source=InboundSource.IMAP).outcome
    return Outcome(outcome).value


def _mark(client: IMAPClient, uids: list[int], mailbox: Mailbox, move: bool) -> None:
    if not move:
        client.add_flags(uids, [b"\\Seen"], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, mailbox.processed_folder)
    else:
        client.copy(uids, mailbox.processed_folder)
        client.delete_messages(uids, silent=True)
        client.expunge(uids if client.has_capability("UIDPLUS") else None)


def collect_all() -> list[CollectResult]:
    """Poll every active IMAP mailbox once (the periodic job)."""
    mailboxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("name")
    return [collect(mailbox) for mailbox in mailboxes]
