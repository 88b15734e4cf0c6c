"""Raw e-mail bytes to a `ParsedMessage`: no database, no network.

Robust to real-world mail: any charset (declared, missing or wrong), RFC 2047 headers, RFC 2231
file names, malformed MIME, huge headers. Bad input never raises anything but
`UnparseableMessage` (nothing usable at all) or `MessageTooLarge` (checked before parsing)."""

from __future__ import annotations

import base64
import binascii
import codecs
import dataclasses
import email
import email.policy
import hashlib
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html import escape

from atiende.core.sanitize import clean_html
from atiende.core.text import without_surrogates
from atiende.mail.inbound.html_text import html_to_text_and_depth
from atiende.mail.inbound.noise import NoiseReason, classify
from atiende.mail.inbound.replies import strip_reply
from atiende.tickets.attachments import safe_filename

DEFAULT_MAX_BYTES = 40 * 1024 * 1024
MAX_HEADER_CHARS = 16 * 1024  # longer header values are cut before decoding (a 100 kB Subject)
MAX_SUBJECT_CHARS = 998  # RFC 5322's line limit; no ticket title needs more
MAX_HTML_DEPTH = 400  # deeper HTML is kept as text only: the sanitiser is quadratic in depth
HEADER_SCAN_BYTES = 64 * 1024  # where NUL bytes are looked for when no blank line ends the headers
MAX_PARTS = 500  # a bomb of nested multiparts is cut here, not walked forever
SYNTHETIC_ID_DOMAIN = "synthetic.atiende.invalid"
TICKET_NUMBER = re.compile(r"\[\s*(INC|REQ|QRY|PRB|CHG)-(\d{1,12})\s*\]", re.I)
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?\s]{0,2000})\?=")
_MSGID = re.compile(r"<([^<>\s]{1,990})>")
_UNNAMED = {
    "message/rfc822": "message.eml",
    "message/delivery-status": "delivery-status.txt",
    "text/rfc822-headers": "original-headers.txt",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A message has at least one of these (RFC 5322, 2045 and the MTA's trace fields); input
# without any of them (random bytes, a binary file, a JSON document, a stray text) is no
# e-mail, whatever the lenient parser made of it.
MESSAGE_HEADERS = frozenset({
    "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
    "in-reply-to", "references", "received", "return-path", "delivered-to", "mime-version",
    "content-type", "content-transfer-encoding", "x-original-to", "envelope-to",
})  # fmt: skip
# "iso-8859-1" labels are windows-1252 in practice (as browsers assume).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252"}


class MailParseError(Exception):
    """Base of the errors parse_message raises."""


class UnparseableMessage(MailParseError):
    """Nothing usable could be read from the bytes (not an e-mail message)."""


class MessageTooLarge(MailParseError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes exceeds the {limit} byte limit")
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes = field(repr=False)
    is_inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None
    dedup_key: str  # the Message-ID, or a stable id from a hash of the raw bytes when missing
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    ticket_number: str | None
    from_address: str | None
    from_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    text: str  # new content only (quotes and signatures stripped)
    full_text: str
    html: str  # sanitised; "" when the message has no HTML part
    attachments: tuple[ParsedAttachment, ...]
    is_automatic: bool
    reason: NoiseReason | None
    is_bounce: bool
    size: int

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Every Message-ID this message refers to, nearest first (for threading)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [r for r in reversed(self.references) if r != self.in_reply_to]
        return tuple(ids)


# --- decoding -------------------------------------------------------------------------------


def _charset_ok(name: str | None) -> str | None:
    if not name:
        return None
    name = _CHARSET_ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # Refuse bytes-to-bytes codecs (base64, zlib ...) that a hostile label could name.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in the declared charset, falling back when it is missing, unknown or
    wrong: utf-8, then windows-1252, then latin-1 (which cannot fail)."""
    for candidate in (_charset_ok(charset), "utf-8", "cp1252"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError, ValueError):
                continue
    return data.decode("latin-1")


def _unescape_raw(value: str) -> str:
    """Header values read from bytes keep 8-bit octets as surrogates; decode them as text."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    return value


def decode_header_value(value: str | None) -> str:
    """A header value as text: RFC 2047 encoded words in any charset, raw 8-bit, folded lines."""
    if not value:
        return ""
    value = _unescape_raw(str(value)[:MAX_HEADER_CHARS])
    value = re.sub(r"\r?\n(?=[ \t])", "", value)  # unfold, keeping the whitespace
    try:
        chunks = decode_header(value) if "=?" in value else [(value, None)]
    except Exception:  # one broken encoded word: decode the others one by one
        return _normalise(_ENCODED_WORD.sub(_decode_word, value))
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:  # plain text between encoded words, as decode_header encoded it
            out.append(_unencoded(chunk))
        else:
            out.append(decode_bytes(chunk, charset))
    return _normalise("".join(out))


def _normalise(text: str) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if encoding == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return match.group(0)  # left as it came
    return decode_bytes(data, charset.split("*")[0])


def _unencoded(chunk: bytes) -> str:
    try:
        return chunk.decode("raw-unicode-escape")
    except UnicodeDecodeError:
        return chunk.decode("latin-1")


def _msgid(value: object) -> str | None:
    if not value:
        return None
    value = str(value)  # compat32 gives a Header object for a value with 8-bit bytes
    match = _MSGID.search(value)
    found = match.group(1) if match else value.strip().split()[0] if value.strip() else ""
    found = found.strip("<> \t")
    return found[:990] or None


def _msgids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    found = _MSGID.findall(value) or [v.strip("<>") for v in value.split() if "@" in v]
    seen: dict[str, None] = dict.fromkeys(f for f in found if f)
    return tuple(seen)[:200]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(decoded name, lower-cased address) pairs; addresses without "@" are dropped."""
    raw = [_unescape_raw(v[:MAX_HEADER_CHARS]) for v in values]
    try:
        pairs = getaddresses(raw)
    except Exception:
        pairs = []
    result = []
    for name, addr in pairs:
        addr = addr.strip().lower()
        if "@" in addr and len(addr) <= 320 and not any(c.isspace() for c in addr):
            result.append((decode_header_value(name), addr))
    return result


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- body and attachments ---------------------------------------------------------------------


def _safe(call, default):  # type: ignore[no-untyped-def]
    try:
        return call()
    except Exception:  # malformed MIME: use the default, keep going
        return default


def _payload(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), b"")
    return data if isinstance(data, bytes) else b""


def _part_filename(part: Message) -> str:
    name = _safe(part.get_filename, None)
    if name is None:
        name = _safe(lambda: part.get_param("name"), None)
    if isinstance(name, tuple):  # an RFC 2231 value the policy left undecoded
        name = _safe(lambda: email.utils.collapse_rfc2231_value(name), "")
    return decode_header_value(name) if name else ""


@dataclass
class _Collector:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    parts_seen: int = 0


def _add_attachment(out: _Collector, part: Message, ctype: str, filename: str) -> None:
    disposition = _safe(part.get_content_disposition, None)
    content_id = _msgid(_safe(lambda: part.get("Content-ID"), None))
    if not filename:
        ext = mimetypes.guess_extension(ctype) or ".bin"
        filename = _UNNAMED.get(ctype, f"attachment{ext}")
    if ctype == "message/rfc822":
        inner = _safe(lambda: part.get_payload(0), None)
        data = _safe(lambda: inner.as_bytes(), b"") if isinstance(inner, Message) else b""
    else:
        data = _payload(part)
    out.attachments.append(
        ParsedAttachment(
            filename=safe_filename(filename),
            content_type=ctype,
            payload=data,
            is_inline=disposition == "inline" or (disposition is None and content_id is not None),
            content_id=content_id,
        )
    )


def _collect(part: Message, out: _Collector, depth: int = 0) -> None:
    out.parts_seen += 1
    if out.parts_seen > MAX_PARTS or depth > 50:
        return
    ctype = (_safe(part.get_content_type, "text/plain") or "text/plain").lower()
    if part.is_multipart() and ctype.startswith("multipart/"):
        children = _safe(part.get_payload, [])
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Message):
                _collect(child, out, depth + 1)
        return
    if ctype.startswith("multipart/"):
        # A multipart whose boundary is missing or never found: keep its body as text.
        ctype = "text/plain"
    filename = _part_filename(part)
    disposition = _safe(part.get_content_disposition, None)
    is_body_text = ctype in {"text/plain", "text/html"} and not filename
    if is_body_text and disposition != "attachment":
        text = decode_bytes(_payload(part), _safe(part.get_content_charset, None))
        (out.plain if ctype == "text/plain" else out.html).append(text)
        return
    _add_attachment(out, part, ctype, filename)


# --- the message ------------------------------------------------------------------------------


def _sanitised_html(source: str, text: str, depth: int) -> str:
    if not source.strip():
        return ""
    if depth > MAX_HTML_DEPTH:  # hostile or broken markup: its text, escaped, as paragraphs
        return "".join(f"<p>{escape(line)}</p>" for line in text.split("\n") if line.strip())
    return clean_html(source)


def _dedup_key(raw: bytes) -> str:
    return f"{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_ID_DOMAIN}"


def parse_message(
    raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, own_domain: str | None = None
) -> ParsedMessage:
    size = len(raw)
    if size > max_bytes:
        raise MessageTooLarge(size, max_bytes)
    if not raw.strip():
        raise UnparseableMessage("empty message")
    try:
        # compat32: headers stay raw strings and are decoded here, on demand. The default
        # policy parses every structured header it is asked about (Content-Type of each
        # part...) into objects: 6x slower per message and no more lenient.
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:
        raise UnparseableMessage(f"not a message: {exc}") from exc
    assert isinstance(msg, Message)
    try:
        return _storable(_build(msg, raw, own_domain))
    except (RecursionError, MemoryError) as exc:
        raise UnparseableMessage(f"message too complex: {type(exc).__name__}") from exc


def _storable(value):  # type: ignore[no-untyped-def]
    """Every text of the parsed message without lone surrogates (each becomes U+FFFD), which no
    database can store: 8-bit header bytes come as surrogates (surrogateescape), and a declared
    charset such as utf-7 or raw_unicode_escape can decode to them."""
    if type(value) is str:  # not the str enums (NoiseReason), which stay what they are
        return without_surrogates(value)
    if isinstance(value, tuple):
        return tuple(_storable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _storable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **fields)
    return value


def _header_block(raw: bytes) -> bytes:
    """The bytes before the first blank line (or the first HEADER_SCAN_BYTES)."""
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
    return raw[: min([*ends, HEADER_SCAN_BYTES])]


def _build(msg: Message, raw: bytes, own_domain: str | None) -> ParsedMessage:
    # Raw header values (no policy parsing: lenient, and fast for huge headers).
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(str(value))
    if not headers and not msg.get_payload():
        raise UnparseableMessage("no headers and no body")
    if not MESSAGE_HEADERS.intersection(headers):
        raise UnparseableMessage("no e-mail headers (not an e-mail message)")
    if b"\x00" in _header_block(raw):
        raise UnparseableMessage("binary data in the headers (not an e-mail message)")

    def header(name: str) -> str | None:
        values = headers.get(name.lower())
        return values[0] if values else None

    message_id = _msgid(header("Message-ID"))
    subject = decode_header_value(header("Subject"))[:MAX_SUBJECT_CHARS]
    ticket = TICKET_NUMBER.search(subject)
    senders = _addresses(headers.get("from", []))
    from_name, from_address = senders[0] if senders else ("", None)
    reply_to = _addresses(headers.get("reply-to", []))

    out = _Collector()
    _collect(msg, out)
    html_source = "\n".join(out.html)
    html_text, html_depth = html_to_text_and_depth(html_source) if html_source else ("", 0)
    full_text = "\n\n".join(t.strip() for t in out.plain if t.strip()) or html_text
    full_text = _CONTROL.sub("", full_text.replace("\r\n", "\n"))
    # The reply stripper reads the HTML-derived text when there is no plain part, so quoted
    # blocks marked "> " there are removed as well.
    text = strip_reply(full_text)

    ctype = (_safe(msg.get_content_type, "") or "").lower()
    report_type = str(_safe(lambda: msg.get_param("report-type", ""), "") or "").lower()
    reason, is_bounce = classify(
        header,
        content_type=ctype,
        report_type=report_type,
        from_address=from_address,
        message_id=message_id,
        subject=subject,
        own_domain=own_domain,
    )
    return ParsedMessage(
        message_id=message_id,
        dedup_key=message_id or _dedup_key(raw),
        in_reply_to=_msgid(header("In-Reply-To")),
        references=_msgids(" ".join(headers.get("references", []))[: MAX_HEADER_CHARS * 4]),
        subject=subject,
        ticket_number=f"{ticket.group(1).upper()}-{ticket.group(2)}" if ticket else None,
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else None,
        to=tuple(a for _, a in _addresses(headers.get("to", []))),
        cc=tuple(a for _, a in _addresses(headers.get("cc", []))),
        date=_date(header("Date")),
        text=text,
        full_text=full_text.strip(),
        html=_sanitised_html(html_source, html_text, html_depth),
        attachments=tuple(out.attachments),
        is_automatic=reason is not None,
        reason=reason,
        is_bounce=is_bounce,
        size=len(raw),
    )
