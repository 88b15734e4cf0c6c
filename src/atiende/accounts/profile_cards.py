"""The profile page's card registry: how a domain above accounts (notifications) adds a card
to /account/ without accounts importing it (like tickets.panels). Each card is registered in
its app's AppConfig.ready(); the page asks once, and includes each card's template with
`card` set to its loader's context (the loader may query; the template never does)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class Card:
    name: str  # unique; the card's HTML id
    template: str
    order: int  # lower first
    load: Callable[[User], Mapping[str, Any]]


@dataclass(frozen=True)
class Shown:
    name: str
    template: str
    context: Mapping[str, Any]


_registry: dict[str, Card] = {}


def register(card: Card) -> Card:
    _registry[card.name] = card
    return card


def for_user(user: User) -> list[Shown]:
    cards = sorted(_registry.values(), key=lambda c: (c.order, c.name))
    return [Shown(c.name, c.template, c.load(user)) for c in cards]
