"""The changes domain's events (core.events). A change is also a ticket: its status moves
publish tickets.events.TicketStatusChanged too, and edits of its title, team or owner
TicketUpdated (through the ticket's own path)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeCreated:
    ticket_id: int
    actor_id: int


@dataclass(frozen=True)
class ChangeUpdated:
    """Every field the change page changed, the ticket's own included."""

    ticket_id: int
    actor_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ChangeRiskAssessed:
    ticket_id: int
    actor_id: int


@dataclass(frozen=True)
class ChangeTransitioned:
    ticket_id: int
    actor_id: int
    old: str
    new: str


@dataclass(frozen=True)
class ChangeApprovalsRequested:
    """A round of approvals was asked (after commit: the rows exist)."""

    ticket_id: int
    approval_ids: tuple[int, ...]
    approver_ids: tuple[int, ...]


@dataclass(frozen=True)
class ChangeApprovalDecided:
    ticket_id: int
    approval_id: int
    actor_id: int
    decision: str


@dataclass(frozen=True)
class ChangeReviewed:
    ticket_id: int
    actor_id: int
