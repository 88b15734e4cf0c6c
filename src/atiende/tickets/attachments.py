"""Storing uploaded files safely: size limit, file names that never become paths, and no
file left behind when the surrounding transaction fails."""

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
