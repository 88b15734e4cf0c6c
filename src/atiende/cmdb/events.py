"""The CMDB's events (core.events)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemCreated:
    item_id: int


@dataclass(frozen=True)
class ItemUpdated:
    item_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ItemDeleted:
    item_id: int


@dataclass(frozen=True)
class RelationAdded:
    relation_id: int


@dataclass(frozen=True)
class RelationRemoved:
    relation_id: int


@dataclass(frozen=True)
class Imported:
    """A CSV import: `kind` is "items" or "relations"."""

    kind: str
    created: int
    updated: int


@dataclass(frozen=True)
class TicketItemsChanged:
    """Services or CIs were linked to (`added`) or unlinked from (`removed`) a ticket."""

    ticket_id: int
    added: tuple[int, ...]
    removed: tuple[int, ...]
