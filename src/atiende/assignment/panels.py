"""How assignment shows elsewhere: its timeline entry on the ticket page (tickets.panels) and
the availability card on /account/ (accounts.profile_cards). Called from AppConfig.ready."""

from __future__ import annotations

from typing import Any

from atiende.accounts import profile_cards
from atiende.accounts.models import User
from atiende.tickets.panels import register_timeline_entry

from .actions import EVENT_TYPE


def availability_card(user: User) -> dict[str, Any]:
    """Agents only: their availability form, filled from their settings (one query)."""
    if not user.is_agent:
        return {}
    from .forms import AvailabilityForm
    from .selectors import settings_of

    current = settings_of(user)
    form = AvailabilityForm(
        initial={
            "available": current.available,
            "away_from": current.away_from,
            "away_until": current.away_until,
        }
    )
    return {"form": form}


def register_panels() -> None:
    register_timeline_entry(EVENT_TYPE, "assignment/_event.html")
    profile_cards.register(
        profile_cards.Card(
            name="assignment-availability",
            template="assignment/_availability_card.html",
            order=50,
            load=availability_card,
        )
    )
