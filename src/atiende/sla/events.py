"""The SLA domain's events (core.events): published by the sweep when a clock reaches its
warning threshold or its deadline, once per clock (the sweep's claims are exactly-once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SlaWarned:
    """A clock of ticket `ticket_id` is about to miss its target (`clock`: first_response,
    resolution or next_response; `deadline` the target's moment)."""

    ticket_id: int
    clock: str
    deadline: datetime | None


@dataclass(frozen=True)
class SlaBreached:
    """A clock of ticket `ticket_id` missed its target."""

    ticket_id: int
    clock: str
    deadline: datetime | None


@dataclass(frozen=True)
class ClocksMoved:
    """Clocks of these tickets changed state or target after their ticket's own change (the
    clocks follow status moves, replies and policy re-matches once the ticket's change has
    committed): published inside the transaction that moved them."""

    ticket_ids: tuple[int, ...]
