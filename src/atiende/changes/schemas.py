"""Input and output schemas of the changes API."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from atiende.core.api import Id, InputSchema, Moment, MomentEnd, PersonRef, TeamRef

# --- output -----------------------------------------------------------------------------------


class TemplateRef(Schema):
    id: int
    name: str


class TemplateOut(Schema):
    id: int
    name: str
    description: str
    implementation_plan: str
    backout_plan: str
    test_plan: str
    risk_level: str = Field(description="The risk a change from this template carries.")


class RiskReasonOut(Schema):
    question: str
    answer: str
    weight: int = Field(description="What this answer added to the score.")


class RiskOut(Schema):
    level: str = Field(description="low | medium | high; empty until assessed.")
    score: int | None = Field(description="The sum of the answers' weights.")
    assessed_at: datetime | None
    reasons: list[RiskReasonOut] = Field(
        default=[], description="The answers that raised the risk, heaviest first."
    )


class RequirementOut(Schema):
    policy: str
    board: str
    required: int
    approved: int
    pending: int
    rejected: int
    satisfied: bool


class ReviewOut(Schema):
    outcome: str = Field(description="success | partial | failure; empty until reviewed.")
    notes: str
    reviewed_at: datetime | None


class ChangeSummaryOut(Schema):
    """A change as listed: no plans, no risk reasons."""

    id: int
    number: str
    title: str
    status: str = Field(
        description="new, assessment, authorisation, scheduled, implementing, review, "
        "closed, rejected, cancelled or failed."
    )
    change_type: str = Field(description="standard | normal | emergency")
    risk_level: str
    planned_start: datetime | None
    planned_end: datetime | None
    requester: PersonRef
    assignee: PersonRef | None
    implementer: PersonRef | None
    team: TeamRef | None
    updated_at: datetime
    version: int
    url: str


class ChangeOut(ChangeSummaryOut):
    description: str
    template: TemplateRef | None
    reason: str
    implementation_plan: str
    backout_plan: str
    test_plan: str
    actual_start: datetime | None
    actual_end: datetime | None
    impact: int
    urgency: int
    priority: int
    risk: RiskOut
    approvals: list[RequirementOut] = Field(
        description="The current round of approvals, one entry per policy."
    )
    approvals_satisfied: bool
    review: ReviewOut
    transitions: list[str] = Field(
        description="The statuses this change may move to now (the lifecycle; guards such "
        "as plans, risk, window and approvals are checked when moving)."
    )
    created_at: datetime
    closed_at: datetime | None


class ChangePageOut(Schema):
    items: list[ChangeSummaryOut]
    count: int
    count_exact: bool
    next: str | None


class ChangeRef(Schema):
    id: int
    number: str
    title: str
    status: str
    change_type: str
    risk_level: str


class ApprovedTicketRef(Schema):
    id: int
    number: str
    title: str
    kind: str = Field(description="change | request")
    status: str


class ApprovalOut(Schema):
    id: int
    status: str = Field(description="pending | approved | rejected | withdrawn")
    board: str = Field(description="The board asked (empty for a request's manager or owner).")
    policy: str = Field(description="The change's approval policy (empty for a request).")
    step: str = Field(description="A catalogue request's approval step (empty for a change).")
    approver: PersonRef
    comment: str
    created_at: datetime
    decided_at: datetime | None
    ticket: ApprovedTicketRef
    change: ChangeRef | None = Field(description="The change, for a change's approval.")


class ApprovalPageOut(Schema):
    items: list[ApprovalOut]
    count: int
    count_exact: bool
    next: str | None


class RiskChoiceOut(Schema):
    id: int
    text: str
    weight: int


class RiskQuestionOut(Schema):
    id: int
    text: str
    choices: list[RiskChoiceOut]


class MetricsOut(Schema):
    start: datetime
    end: datetime
    reviewed: int
    successful: int
    partial: int
    failed: int
    success_rate: float | None = Field(description="Successful / reviewed in the period.")
    planned: int = Field(description="Changes planned to start in the period.")
    emergency: int
    emergency_ratio: float | None = Field(description="Emergency / planned in the period.")


# --- input ------------------------------------------------------------------------------------


class ChangeCreateIn(InputSchema):
    title: str
    change_type: str = Field(default="normal", description="standard | normal | emergency")
    template: Id | None = Field(default=None, description="Required for standard changes.")
    description: str = ""
    reason: str = ""
    implementation_plan: str = ""
    backout_plan: str = ""
    test_plan: str = ""
    planned_start: Moment | None = None
    planned_end: MomentEnd | None = None
    implementer: Id | None = None
    impact: int = 3
    urgency: int = 3
    team: Id | None = None
    assignee: Id | None = None


class ChangePatchIn(InputSchema):
    """Only the fields present are changed; null clears the window, implementer, team or
    owner. Type, description and plans change only in new or assessment."""

    version: int = Field(description="The version you read; a stale one answers 409.")
    title: str | None = None
    description: str | None = None
    change_type: str | None = None
    reason: str | None = None
    implementation_plan: str | None = None
    backout_plan: str | None = None
    test_plan: str | None = None
    planned_start: Moment | None = None
    planned_end: MomentEnd | None = None
    implementer: Id | None = None
    team: Id | None = None
    assignee: Id | None = None


class ChangeTransitionIn(InputSchema):
    to: str
    version: int | None = None
    comment: str = Field(default="", description="Required when moving to failed.")
    override_reason: str = Field(
        default="", description="Why a non-emergency change may be scheduled in a blackout."
    )


class RiskIn(InputSchema):
    answers: dict[str, Id] = Field(description="Question id -> chosen answer id, every question.")
    version: int | None = None


class DecisionIn(InputSchema):
    decision: str = Field(description="approve | reject")
    comment: str = Field(default="", description="Required to reject.")


class DelegateIn(InputSchema):
    to: int = Field(description="The id of the person who decides in your place.")
    comment: str = Field(default="", description="Why (optional; in the timeline, internal).")


class ReviewIn(InputSchema):
    outcome: str = Field(description="success | partial | failure")
    notes: str = Field(default="", description="Required unless the outcome is success.")
    caused_incidents: list[str] = Field(
        default=[], description="Incidents the change caused (ids or numbers), linked to it."
    )
    version: int | None = None
