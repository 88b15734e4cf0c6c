"""The change lifecycle as pure transition tables: no database, no side effects.

    new -> assessment -> authorisation -> scheduled -> implementing -> review -> closed
                          |-> rejected                   |-> failed (backout) -> review
    new, assessment, authorisation, scheduled -> cancelled

Standard changes are pre-approved (from a template): they skip authorisation and may be
scheduled straight from new or assessment. Emergency changes go through authorisation like
normal ones, but their approval policy names the emergency board. The guards that need data
(plans written, risk assessed, approvals satisfied, a planned window) live in actions.py; the
messages for them are `missing_for` below so the UI can explain a disabled button.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "new"
ASSESSMENT = "assessment"
AUTHORISATION = "authorisation"
SCHEDULED = "scheduled"
IMPLEMENTING = "implementing"
REVIEW = "review"
CLOSED = "closed"
REJECTED = "rejected"
CANCELLED = "cancelled"
FAILED = "failed"

STATUSES = (
    NEW,
    ASSESSMENT,
    AUTHORISATION,
    SCHEDULED,
    IMPLEMENTING,
    REVIEW,
    CLOSED,
    REJECTED,
    CANCELLED,
    FAILED,
)
OPEN = frozenset({NEW, ASSESSMENT, AUTHORISATION, SCHEDULED, IMPLEMENTING, REVIEW, FAILED})
FINAL = frozenset({CLOSED, REJECTED, CANCELLED})

STANDARD = "standard"
NORMAL = "normal"
EMERGENCY = "emergency"

_COMMON: dict[str, frozenset[str]] = {
    NEW: frozenset({ASSESSMENT, CANCELLED}),
    ASSESSMENT: frozenset({AUTHORISATION, CANCELLED}),
    # A rejection is recorded by an approver's decision (approvals.py), never chosen here.
    AUTHORISATION: frozenset({SCHEDULED, ASSESSMENT, CANCELLED}),
    SCHEDULED: frozenset({IMPLEMENTING, ASSESSMENT, CANCELLED}),
    IMPLEMENTING: frozenset({REVIEW, FAILED}),
    FAILED: frozenset({REVIEW}),
    REVIEW: frozenset({CLOSED}),
    CLOSED: frozenset(),
    REJECTED: frozenset(),
    CANCELLED: frozenset(),
}

_STANDARD: dict[str, frozenset[str]] = {
    **_COMMON,
    NEW: frozenset({ASSESSMENT, SCHEDULED, CANCELLED}),
    ASSESSMENT: frozenset({SCHEDULED, CANCELLED}),
    AUTHORISATION: frozenset(),
}

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    STANDARD: _STANDARD,
    NORMAL: _COMMON,
    EMERGENCY: _COMMON,
}


def allowed_targets(change_type: str, current: str) -> frozenset[str]:
    return TRANSITIONS.get(change_type, _COMMON).get(current, frozenset())


def can_transition(change_type: str, current: str, target: str) -> bool:
    return target in allowed_targets(change_type, current)


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a change, read by actions.py."""

    change_type: str
    has_plans: bool  # implementation and backout plans written
    risk_assessed: bool
    has_window: bool  # planned start and end
    approvals_satisfied: bool
    reviewed: bool


def missing_for(facts: Facts, target: str) -> list[str]:
    """The guard names that stop a move to `target` (empty: allowed by the data)."""
    missing: list[str] = []
    if target == AUTHORISATION:
        if not facts.has_plans:
            missing.append("plans")
        if facts.change_type == NORMAL and not facts.risk_assessed:
            missing.append("risk")
    if target == SCHEDULED:
        if not facts.has_window:
            missing.append("window")
        if facts.change_type != STANDARD and not facts.approvals_satisfied:
            missing.append("approvals")
        if facts.change_type == STANDARD and not facts.has_plans:
            missing.append("plans")
    if target == CLOSED and not facts.reviewed:
        missing.append("review")
    return missing
