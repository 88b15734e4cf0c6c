"""The notification preferences card on /account/ (registered in accounts.profile_cards)."""

from __future__ import annotations

from typing import Any

from atiende.accounts.models import User

from .models import Channel
from .preferences import EVENTS, choices_of


def preferences_card(user: User) -> dict[str, Any]:
    """Rows of (event key, label, [(field name, channel label, on)]): two queries."""
    chosen = choices_of(user.pk)
    rows = [
        (
            event,
            spec.label,
            [(f"{event}:{c.value}", c.label, chosen[(event, c.value)]) for c in Channel],
        )
        for event, spec in EVENTS.items()
    ]
    return {"rows": rows, "channels": [c.label for c in Channel], "email": user.email_notifications}
