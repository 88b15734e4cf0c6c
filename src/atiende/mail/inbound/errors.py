"""Why a received message could not become a ticket: a stable code stored on the row (with
the technical detail apart), and the human sentence rendered at display time in the reader's
language. Rows stored before the codes existed have an empty code: their stored text is shown
as it is."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ErrorCode:
    UNPARSEABLE = "unparseable"  # not an e-mail message at all
    TOO_LARGE = "too_large"  # over the mailbox's limit
    NO_SENDER = "no_sender"  # no From address
    UNKNOWN_SENDER = "unknown_sender"  # refused by the mailbox's policy
    SENDER_INACTIVE = "sender_inactive"  # the sender's account is deactivated
    REFUSED = "refused"  # the desk's rules refused what the message asked (a DomainError)
    INTERNAL = "internal"  # an unexpected error (a bug, a broken subscriber...)


MESSAGES = {
    ErrorCode.UNPARSEABLE: gettext_lazy("The data received is not an e-mail message."),
    ErrorCode.NO_SENDER: gettext_lazy("The message has no sender address."),
    ErrorCode.UNKNOWN_SENDER: gettext_lazy("Unknown sender refused by the mailbox's policy."),
    ErrorCode.SENDER_INACTIVE: gettext_lazy("The sender's account is deactivated."),
    ErrorCode.REFUSED: gettext_lazy("The desk could not accept what the message asks for."),
    ErrorCode.INTERNAL: gettext_lazy("An unexpected error stopped the processing of the message."),
}
CODES = frozenset({*MESSAGES, ErrorCode.TOO_LARGE})


def error_message(code: str, params: dict[str, Any] | None = None, detail: str = "") -> str:
    """The sentence for `code` in the active language. An unknown or empty code (rows from
    before the codes) answers the stored text."""
    params = params or {}
    if code == ErrorCode.TOO_LARGE:
        text = _("The message is %(size)s; this mailbox accepts at most %(limit)s.") % {
            "size": filesizeformat(params.get("size") or 0),
            "limit": filesizeformat(params.get("limit") or 0),
        }
    elif code in MESSAGES:
        text = str(MESSAGES[code])
    else:
        text = detail
    if params.get("discarded_by"):
        note = _("Discarded by %(name)s.") % {"name": params["discarded_by"]}
        text = f"{text} {note}".strip()
    return text
