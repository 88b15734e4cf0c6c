"""Keeping only the new part of a reply: quoted history and signatures removed.

Line based and linear in the size of the text (no backtracking regexes over the whole body), so a
hostile message cannot make it slow. Knows the headers Gmail, Outlook, Apple Mail, Thunderbird
and phone clients put above quoted history, in English and Spanish."""

from __future__ import annotations

import re

# A line that starts the quoted history; everything from it on is dropped.
_ATTRIBUTION = [
    re.compile(r"^on\b.{0,300}\bwrote:$", re.I),  # Gmail, Apple Mail, Thunderbird (en)
    re.compile(r"^el\b.{0,300}\bescribi[óo]:$", re.I),  # Gmail, Apple Mail, Thunderbird (es)
    re.compile(r"^-{2,}\s*original message\s*-{2,}$", re.I),
    re.compile(r"^-{2,}\s*mensaje original\s*-{2,}$", re.I),
    re.compile(r"^-{2,}\s*forwarded message\s*-{2,}$", re.I),
    re.compile(r"^-{2,}\s*mensaje reenviado\s*-{2,}$", re.I),
    re.compile(r"^_{10,}$"),  # Outlook's rule above "From: ... Sent: ..."
]
# Outlook puts a header block above the quote: "From:" then "Sent:"/"Date:" within a few lines.
_OUTLOOK_FROM = re.compile(r"^\*?(from|de)\s*:\*?\s", re.I)
_OUTLOOK_NEXT = re.compile(r"^\*?(sent|date|enviado(\s+el)?|fecha|to|para)\s*:", re.I)
# Gmail wraps long attributions: "On Mon, 3 Jun 2024 at 10:00, Ana <ana@x>" + "wrote:".
_WRAPPED_START = re.compile(r"^(on|el)\s.{0,300}$", re.I)
_WRAPPED_END = re.compile(r"^.{0,120}\b(wrote|escribi[óo])\s*:$", re.I)

_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w+|enviado desde mi \w+|sent from (outlook|mail) for \w+"
    r"|enviado desde (outlook|correo) para \w+|get outlook for \w+|obtener outlook para \w+"
    r"|sent from my (iphone|ipad|android|samsung|galaxy).*|enviado desde mi (iphone|ipad|android|samsung|galaxy).*)\.?$",
    re.I,
)


def _is_quote_start(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if any(p.match(line) for p in _ATTRIBUTION):
        return True
    if _OUTLOOK_FROM.match(line):
        following = [ln.strip() for ln in lines[i + 1 : i + 4]]
        return any(_OUTLOOK_NEXT.match(ln) for ln in following)
    if _WRAPPED_START.match(line) and i + 1 < len(lines):
        nxt = lines[i + 1].strip()
        return bool(_WRAPPED_END.match(nxt)) and ("@" in line or "@" in nxt or "," in line)
    return False


def strip_reply(text: str) -> str:
    """The new content of a message body: no quoted history, no signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        bare = line.strip()
        if _is_quote_start(lines, i):
            break
        if _SIGNATURE_DELIMITER.match(line.rstrip("\n")) or _MOBILE_SIGNATURE.match(bare):
            break
        kept.append(line)
    # Lines quoted with ">" (inline or trailing) are history too.
    kept = [ln for ln in kept if not ln.lstrip().startswith(">")]
    result = "\n".join(ln.rstrip() for ln in kept).strip()
    # Never return nothing for a message that had text but only quotes (e.g. a forward).
    return result if result else text.strip()
