"""The ticket lifecycle as pure transition tables: no database, no side effects.

Agents move tickets along AGENT_TRANSITIONS. Requesters may only confirm a resolution
(resolved -> closed) or reopen a resolved/closed ticket within the reopen period.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import Status

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


def status_after_assignment(current: str, assignee_id: int | None) -> str:
    """Assigning a new ticket makes it 'assigned'; unassigning an assigned one makes it 'new'."""
    if assignee_id is not None and current == S.NEW:
        return S.ASSIGNED
    if assignee_id is None and current == S.ASSIGNED:
        return S.NEW
    return current


def reopen_status(assignee_id: int | None) -> str:
    return S.IN_PROGRESS if assignee_id is not None else S.NEW
