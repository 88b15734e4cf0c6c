"""What the author of an internal note is told about its @mentions that reached nobody (the
desk's message and the API's `warnings`): the same words whether the name is unknown or the
person may not see the ticket, so a note never reveals who exists beyond the ticket."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Ticket
from .selectors import mentions_in


def unreachable_warnings(ticket: Ticket, body: str) -> list[str]:
    return [
        _("@%(name)s was not told: no agent by that name may see this ticket.") % {"name": name}
        for name in mentions_in(ticket, body).unreachable
    ]
