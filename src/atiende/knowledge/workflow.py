"""The article lifecycle, as a table: no database here."""

from __future__ import annotations

from .models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.REVIEW, Status.PUBLISHED, Status.ARCHIVED}),
    Status.REVIEW: frozenset({Status.DRAFT, Status.PUBLISHED, Status.ARCHIVED}),
    Status.PUBLISHED: frozenset({Status.DRAFT, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset({Status.DRAFT}),
}

# Publishing (and taking back a published article) is a reviewer's decision: a manager's.
REVIEWER_ONLY = frozenset({Status.PUBLISHED})


def allowed(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())
