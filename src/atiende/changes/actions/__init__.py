"""The only code that changes changes. Every function: keyword-only, one transaction, access
checked (agents only; the change row locked), input validated with field errors, the ticket
timeline written in the same transaction, side effects published after commit.

By sub-domain: lifecycle (create, edit, transitions and their scheduling checks), risk,
approvals, review. Callers use this package: `from atiende.changes import actions`."""

from ._common import PLAN_MAX, STALE
from .approvals import (
    APPROVAL_VERBS,
    APPROVE,
    REJECT,
    ApprovalKind,
    approval_decide,
    approval_delegate,
    approval_kind,
    approval_reminders_send,
    register_approval_kind,
)
from .lifecycle import (
    EDITABLE_FIELDS,
    PLAN_FIELDS,
    change_create,
    change_transition,
    change_update,
)
from .review import review_record
from .risk import risk_assess

__all__ = [
    "APPROVAL_VERBS",
    "APPROVE",
    "EDITABLE_FIELDS",
    "PLAN_FIELDS",
    "PLAN_MAX",
    "REJECT",
    "STALE",
    "ApprovalKind",
    "approval_decide",
    "approval_delegate",
    "approval_kind",
    "approval_reminders_send",
    "change_create",
    "change_transition",
    "change_update",
    "register_approval_kind",
    "review_record",
    "risk_assess",
]
