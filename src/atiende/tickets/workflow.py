"""The ticket lifecycle as pure transition tables: no database, no side effects.

Agents move tickets along AGENT_TRANSITIONS. Requesters may only confirm a resolution
(resolved -> closed) or reopen a resolved/closed ticket within the reopen period.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from .models import OPEN_STATUSES, Status

S = Status

AGENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.PENDING, S.RESOLVED, S.CANCELLED}),
    S.PENDING: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
    S.CANCELLED: frozenset(),
}

REQUESTER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
}

REOPEN_FROM = frozenset({S.RESOLVED, S.CLOSED})

# Kinds with a lifecycle of their own: changes move only through changes/workflow.py and
# changes.actions.change_transition, never through the tables above.
OWN_LIFECYCLE_KINDS = frozenset({"change"})


def has_own_lifecycle(kind: str) -> bool:
    return kind in OWN_LIFECYCLE_KINDS


def is_reopen(current: str, target: str) -> bool:
    return current in REOPEN_FROM and target not in (S.CLOSED, S.RESOLVED, S.CANCELLED)


def allowed_targets(current: str, *, is_agent: bool) -> frozenset[str]:
    table = AGENT_TRANSITIONS if is_agent else REQUESTER_TRANSITIONS
    return table.get(current, frozenset())


def can_transition(current: str, target: str, *, is_agent: bool) -> bool:
    return target in allowed_targets(current, is_agent=is_agent)


def within_reopen_period(resolved_at: datetime | None, now: datetime, reopen_days: int) -> bool:
    return resolved_at is not None and now - resolved_at <= timedelta(days=reopen_days)


# A finished ticket is in no queue: a message added to it as it is would be read by nobody.
FINISHED = frozenset({S.CLOSED, S.CANCELLED})


class ReplyRoute(StrEnum):
    JOIN = "join"  # the message joins the ticket as it is
    REOPEN = "reopen"  # the ticket must be reopened first (the requester may, in the period)
    NEW_TICKET = "new_ticket"  # the ticket is over for good: the message opens a new one


def requester_reply(
    status: str, *, resolved_at: datetime | None, now: datetime, reopen_days: int
) -> ReplyRoute:
    """Where a requester's message on a ticket belongs: the one rule of every channel
    (portal, API and mail; docs/notifications.md "Replies to finished tickets").

    - open: the message joins the ticket;
    - resolved, within the reopen period: the ticket is reopened and the message joins it
      (the resolution did not hold, or the requester still has a question);
    - resolved after the period, closed or cancelled: the message opens a follow-up ticket
      linked to the old one (the old one is over for good).
    """
    if status in OPEN_STATUSES:
        return ReplyRoute.JOIN
    if status == S.RESOLVED and within_reopen_period(resolved_at, now, reopen_days):
        return ReplyRoute.REOPEN
    return ReplyRoute.NEW_TICKET


def accepts_requester_message(status: str) -> bool:
    """Does the portal offer the reply form on a ticket in `status`? Not on a finished one:
    it offers a new ticket that follows it up instead (a forced reply opens one)."""
    return status not in FINISHED


def status_after_assignment(current: str, assignee_id: int | None) -> str:
    """Assigning a new ticket makes it 'assigned'; unassigning an assigned one makes it 'new'."""
    if assignee_id is not None and current == S.NEW:
        return S.ASSIGNED
    if assignee_id is None and current == S.ASSIGNED:
        return S.NEW
    return current


def reopen_status(assignee_id: int | None) -> str:
    return S.IN_PROGRESS if assignee_id is not None else S.NEW
