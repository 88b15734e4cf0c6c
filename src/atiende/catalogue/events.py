"""The catalogue's domain events (architecture.md, "Domain events")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestSubmitted:
    """A service request was opened from a catalogue item (after commit)."""

    ticket_id: int
    item_id: int
    actor_id: int


@dataclass(frozen=True)
class RequestApprovalsAsked:
    """A step (or a group of parallel steps) of a request's approvals started."""

    ticket_id: int
    approval_ids: tuple[int, ...]


@dataclass(frozen=True)
class FulfilmentTaskDone:
    ticket_id: int
    task_id: int
    actor_id: int
