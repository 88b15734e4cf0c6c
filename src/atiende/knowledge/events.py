"""The knowledge base's domain events (docs/architecture.md, "Domain events")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleSaved:
    article_id: int
    actor_id: int
    version: int


@dataclass(frozen=True)
class ArticleTransitioned:
    article_id: int
    actor_id: int
    old: str
    new: str


@dataclass(frozen=True)
class TicketDeflected:
    article_id: int
    user_id: int | None


@dataclass(frozen=True)
class KnownErrorLinked:
    ticket_id: int  # the problem
    article_id: int
    actor_id: int


@dataclass(frozen=True)
class KnownErrorUnlinked:
    ticket_id: int
    article_id: int
    actor_id: int
