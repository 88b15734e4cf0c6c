"""May a message whose From is an agent's address act as that agent?

Anyone can write any From header, so by default (AgentTrust.NEVER) mail from an agent's address
is handled like anybody's: no agent powers, the text shown as coming from an unverified
sender. AUTHENTICATED trusts the verdict of the organisation's own receiving server: the
topmost Authentication-Results header (the one the last hop wrote; RFC 8601 asks receiving
servers to remove forged copies carrying their own authserv-id) must carry the configured
authserv-id and `dmarc=pass` for the From domain. ALWAYS is for closed internal mail systems.
No X-Atiende-* or other private header is ever read from incoming mail."""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from ..models import AgentTrust, Mailbox

_DMARC = re.compile(r"(?:^|[\s;])dmarc\s*=\s*([a-z]+)(.*?)(?=;|$)", re.I | re.S)
_HEADER_FROM = re.compile(r"header\.from\s*=\s*([^\s;()]+)", re.I)
_COMMENT = re.compile(r"\([^()]*\)")


def first_authentication_results(raw: bytes) -> str | None:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[: 256 * 1024])
    values = headers.get_all("Authentication-Results") or []
    return str(values[0]) if values else None


def dmarc_passed(value: str, *, authserv_id: str, from_address: str) -> bool:
    """Does one Authentication-Results value, written by `authserv_id`, say dmarc=pass for the
    domain of `from_address`?"""
    value = _COMMENT.sub(" ", re.sub(r"\r?\n[ \t]+", " ", value))
    head, _sep, results = value.partition(";")
    server = head.strip().split()[0].lower() if head.strip() else ""
    if not authserv_id or server != authserv_id.strip().lower():
        return False
    domain = from_address.rsplit("@", 1)[-1].lower()
    for match in _DMARC.finditer(";" + results):
        if match.group(1).lower() != "pass":
            continue
        header_from = _HEADER_FROM.search(match.group(2))
        if header_from is None or header_from.group(1).strip().lower() == domain:
            return True
    return False


def agent_mail_trusted(mailbox: Mailbox, raw: bytes, from_address: str) -> bool:
    if mailbox.agent_trust == AgentTrust.ALWAYS:
        return True
    if mailbox.agent_trust != AgentTrust.AUTHENTICATED:
        return False
    value = first_authentication_results(raw)
    return value is not None and dmarc_passed(
        value, authserv_id=mailbox.trusted_authserv_id, from_address=from_address
    )
