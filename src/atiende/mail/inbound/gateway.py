"""The mail gateway for MTAs: `atiende mail receive [--mailbox NAME] < message.eml`.

Exit codes follow sysexits(3), which Postfix, Exim and Sendmail understand:

- 0   accepted: a ticket or reply, a duplicate, automatic mail ignored, an unknown sender
      refused with a polite reply, an oversized message answered with a notice, or a message
      that could not become a ticket and waits in the failed-mail list for an admin.
- 65  EX_DATAERR (permanent): the input is not an e-mail message (empty, binary, or without
      any e-mail header: mail.inbound.parsing). It is still kept, once, in the failed-mail
      list; the MTA bounces it to the sender. The same bytes again answer 65 again.
- 67  EX_NOUSER (permanent): no such mailbox, or the mailbox is inactive.
- 75  EX_TEMPFAIL (temporary): the database is unavailable or anything unexpected happened
      before the message was safely stored; nothing was written and the MTA retries later.
- 78  EX_CONFIG: no --mailbox and no default mailbox configured (Postfix retries it).
"""

from __future__ import annotations

import logging
from typing import BinaryIO

from django.db import DatabaseError

from ..models import InboundSource, Mailbox
from .intake import HEADER_BYTES_MAX, Outcome, receive, receive_too_large

logger = logging.getLogger(__name__)

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75
EX_CONFIG = 78
CHUNK = 1024 * 1024


def read_limited(stream: BinaryIO, limit: int) -> tuple[bytes, int]:
    """The bytes of `stream` if there are at most `limit`; otherwise its first bytes (enough
    for the headers) and its full size, without keeping the rest in memory."""
    kept = bytearray()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size <= limit:
            kept += chunk
        elif len(kept) < HEADER_BYTES_MAX:
            kept += chunk[: HEADER_BYTES_MAX - len(kept)]
    if size > limit:
        del kept[HEADER_BYTES_MAX:]
    return bytes(kept), size


def find_mailbox(name: str | None) -> Mailbox | None:
    mailboxes = Mailbox.objects.filter(is_active=True)
    return (mailboxes.filter(name=name) if name else mailboxes.filter(is_default=True)).first()


def receive_from(stream: BinaryIO, *, mailbox_name: str | None, out=None) -> int:
    """Read one message from `stream` into `mailbox_name` (or the default mailbox); answer a
    sysexits code. Messages for the MTA's log go to `out` (stderr)."""

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out)

    try:
        mailbox = find_mailbox(mailbox_name)
        if mailbox is None:
            if mailbox_name:
                say(f"atiende: no active mailbox named {mailbox_name!r}")
                return EX_NOUSER
            say("atiende: no default mailbox is configured; use --mailbox NAME")
            return EX_CONFIG
        raw, size = read_limited(stream, mailbox.max_message_bytes)
        if size > mailbox.max_message_bytes:
            result = receive_too_large(raw, size, mailbox=mailbox, source=InboundSource.GATEWAY)
        else:
            result = receive(raw, mailbox=mailbox, source=InboundSource.GATEWAY)
    except DatabaseError as exc:
        logger.warning("mail gateway: database unavailable: %s", exc)
        say(f"atiende: temporary failure, try again later ({type(exc).__name__})")
        return EX_TEMPFAIL
    except Exception:
        logger.exception("mail gateway: unexpected error; the MTA will retry")
        say("atiende: temporary failure, try again later")
        return EX_TEMPFAIL
    if result.outcome == Outcome.UNPARSEABLE:
        say(f"atiende: not an e-mail message ({result.error})")
        return EX_DATAERR
    say(f"atiende: {result.outcome}")
    return EX_OK
