"""Optimistic concurrency: every write carries the version its writer read."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import Conflict, ValidationFailed
from .ids import parse_id


def check_version(current: int, sent: Any, *, stale: str | Promise | None = None) -> None:
    """Refuse a write made from a stale read. `sent` None means the writer did not say (no
    check); anything that is not a whole number is a field error on "version"; another
    number is a Conflict (409, with the current version). `stale` is the message, with
    %(current)d and %(yours)d, naming the record (e.g. "This ticket was changed ...")."""
    if sent is None:
        return
    yours = sent if isinstance(sent, int) and not isinstance(sent, bool) else parse_id(sent)
    if yours is None:
        raise ValidationFailed.field("version", _("Send the version number you read."))
    if yours != current:
        message = (
            str(stale)
            if stale
            else _(
                "This record was changed by someone else (version %(current)d, you had %(yours)d)."
            )
        )
        raise Conflict(message % {"current": current, "yours": yours}, current_version=current)
