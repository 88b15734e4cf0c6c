"""Is a message automatic (never answer it automatically) and is it a bounce?

Only loop prevention is decided here; nothing security-related trusts these headers, since any
sender can forge them. Our own loopback copies are recognised by their Message-ID domain, never by
an X- header."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum


class NoiseReason(StrEnum):
    OWN_MESSAGE = "own_message"
    BOUNCE = "bounce"
    AUTO_SUBMITTED = "auto_submitted"
    AUTO_RESPONSE_SUPPRESS = "auto_response_suppress"
    PRECEDENCE = "precedence"
    MAILING_LIST = "mailing_list"
    NULL_RETURN_PATH = "null_return_path"
    MAILER_DAEMON = "mailer_daemon"
    AUTO_REPLY_SUBJECT = "auto_reply_subject"


_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_AUTO_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?reply|autoreply|out of (the )?office|respuesta autom[áa]tica"
    r"|fuera de la oficina|auto:)",
    re.I,
)


def _local_part(address: str | None) -> str:
    return (address or "").rsplit("@", 1)[0].lower()


def classify(
    header: Callable[[str], str | None],
    *,
    content_type: str,
    report_type: str,
    from_address: str | None,
    message_id: str | None,
    subject: str,
    own_domain: str | None,
) -> tuple[NoiseReason | None, bool]:
    """(reason it is automatic or None, is_bounce). `header(name)` gives a raw header or None."""
    is_dsn = content_type == "multipart/report" and report_type == "delivery-status"
    is_daemon = _local_part(from_address) in _DAEMON_LOCALPARTS
    is_bounce = is_dsn or _local_part(from_address) in {"mailer-daemon", "mail-daemon"}

    id_domain = message_id.rsplit("@", 1)[1].lower() if message_id and "@" in message_id else ""
    if own_domain and id_domain == own_domain.lower().strip():
        return NoiseReason.OWN_MESSAGE, is_bounce
    if is_dsn:
        return NoiseReason.BOUNCE, True
    auto_submitted = (header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return NoiseReason.AUTO_SUBMITTED, is_bounce
    if header("X-Auto-Response-Suppress") is not None:
        return NoiseReason.AUTO_RESPONSE_SUPPRESS, is_bounce
    if (header("Precedence") or "").strip().lower() in {"bulk", "junk", "list"}:
        return NoiseReason.PRECEDENCE, is_bounce
    if header("List-Id") is not None:
        return NoiseReason.MAILING_LIST, is_bounce
    return_path = header("Return-Path")
    if return_path is not None and return_path.strip() in {"<>", ""}:
        return NoiseReason.NULL_RETURN_PATH, is_bounce
    if is_daemon:
        return NoiseReason.MAILER_DAEMON, is_bounce
    if _AUTO_SUBJECT.match(subject):
        return NoiseReason.AUTO_REPLY_SUBJECT, is_bounce
    return None, is_bounce
