"""Storing uploaded files safely: size limit, type policy, file names that never become paths,
and no file left behind when the surrounding transaction fails.

`check_upload` is the one check of every upload, whatever the channel: the portal and desk
forms and the API reach it through tickets.actions (ticket_create, comment_add,
attachment_add), mail intake through `refusal` before it hands the files over (a refused mail
attachment is dropped and named in the message's text; the raw message keeps it)."""

from __future__ import annotations

import mimetypes
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from atiende.core.errors import PayloadTooLarge, ValidationFailed

UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """The last path component of `name`, without control characters; never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = UNSAFE.sub("_", name).strip(" .")
    return name[:200] or "attachment"


# Leading bytes of programs, refused whatever the file is called: Windows PE (MZ), ELF,
# Mach-O (32/64-bit, both byte orders, and universal binaries) and scripts (#!).
EXECUTABLE_MAGIC = (
    (b"MZ", "Windows program"),
    (b"\x7fELF", "ELF program"),
    (b"\xfe\xed\xfa\xce", "Mach-O program"),
    (b"\xfe\xed\xfa\xcf", "Mach-O program"),
    (b"\xce\xfa\xed\xfe", "Mach-O program"),
    (b"\xcf\xfa\xed\xfe", "Mach-O program"),
    (b"\xca\xfe\xba\xbe", "Mach-O program"),  # also Java class files: refused alike
    (b"#!", "script"),
)
SNIFF_BYTES = 8


def extension(filename: str) -> str:
    """The last extension, lower case, without the dot ("" without one). "a.PDF.exe" -> "exe"."""
    name = safe_filename(filename).rstrip(". ")
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def refusal(filename: str, head: bytes) -> str | None:
    """Why a file of this name starting with `head` may not be attached (None: it may).
    The same answer for every channel; the message names the file."""
    name = safe_filename(filename)
    if extension(name) in settings.ATTACHMENT_BLOCKED_EXTENSIONS:
        return _("“%(name)s” cannot be attached: files of type .%(ext)s are not accepted.") % {
            "name": name,
            "ext": extension(name),
        }
    if any(head.startswith(magic) for magic, _kind in EXECUTABLE_MAGIC):
        return _("“%(name)s” cannot be attached: it is a program or a script.") % {"name": name}
    return None


def _head(upload: UploadedFile) -> bytes:
    """The first bytes of an upload, leaving it where it was read from."""
    try:
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
    except (OSError, ValueError):
        return b""
    return head if isinstance(head, bytes) else head.encode()


def check_upload(upload: UploadedFile) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(
            _("“%(name)s” is larger than the %(limit)d MB limit.")
            % {"name": safe_filename(upload.name or ""), "limit": limit // (1024 * 1024)},
            errors={"file": [_("The file is too large.")]},
        )
    if upload.size == 0:
        raise ValidationFailed.field("file", _("The file is empty."))
    if (why := refusal(upload.name or "", _head(upload))) is not None:
        raise ValidationFailed(why, errors={"file": [why]})


def guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def new_storage_key(filename: str) -> str:
    suffix = ""
    if "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext.isascii() and ext.isalnum() and len(ext) <= 8:
            suffix = "." + ext
    return secrets.token_hex(16) + suffix


class WrittenFiles(list):
    pass


@contextmanager
def cleanup_on_error() -> Iterator[WrittenFiles]:
    """Files saved inside the block are deleted again if the block raises."""
    written = WrittenFiles()
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


# --- inline previews ----------------------------------------------------------------------------
# Only raster images the browser decodes itself: never SVG (it can carry script), never a type
# chosen by the uploader alone. The declared type must be one of these AND the first bytes must
# be that format; the preview is served with that type, nosniff and a sandbox CSP.
PREVIEW_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
}


def previewable_type(content_type: str) -> bool:
    """May a file declared as `content_type` be shown inline (before looking at its bytes)?"""
    return (content_type or "").split(";")[0].strip().lower() in PREVIEW_SIGNATURES


def preview_type(content_type: str, head: bytes) -> str | None:
    """The image type to serve inline, or None: the declared type is a safe raster type and
    the file's first bytes (`head`, at least 12) are that format."""
    declared = (content_type or "").split(";")[0].strip().lower()
    signatures = PREVIEW_SIGNATURES.get(declared)
    if not signatures or not head.startswith(signatures):
        return None
    if declared == "image/webp" and head[8:12] != b"WEBP":
        return None
    return declared
