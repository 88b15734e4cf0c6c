"""Reads of the changes domain, always scoped to the actor.

Who sees a change: agents who see the ticket (`tickets.selectors.tickets_visible_to`), plus
anyone asked to approve it (an approver must be able to read what they approve). Requesters
never see the change pages or API, whatever ticket they requested (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from atiende.accounts.models import User
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.pagination import Page, paginate
from atiende.tickets.models import Kind, Ticket
from atiende.tickets.selectors import visibility

from . import approvals as approval_rules
from . import risk as risk_rules
from . import workflow
from .models import (
    Approval,
    ApprovalStatus,
    ChangeDetails,
    ChangeTemplate,
    ChangeType,
    ReviewOutcome,
    RiskAnswer,
    RiskChoice,
    RiskQuestion,
)

LIST_RELATED = (
    "requester",
    "assignee",
    "team",
    "change",
    "change__implementer",
    "change__template",
)


def changes_visible_to(actor: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(change_visibility(actor))


def change_visibility(actor: User, via: str = "") -> Q:
    """The changes an agent may see: the tickets' access rule, plus the changes they were
    asked to approve. A condition over the change ticket's columns reached through `via`
    (as `tickets.selectors.visibility`), so rows of a change test their own change."""
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        return Q(**{f"{via}pk__in": []})
    rule = visibility(actor, via)
    if not (actor.is_admin or actor.sees_all_tickets):
        asked = Approval.objects.filter(approver=actor).values("ticket_id")
        rule = rule | Q(**{f"{via}pk__in": asked})
    return rule & Q(**{f"{via}kind": Kind.CHANGE})


def details_of(ticket: Ticket) -> ChangeDetails:
    """The change details of a change ticket; an unsaved blank row for a change opened through
    the generic ticket form before it was given any (actions create it on first write)."""
    try:
        return ticket.change
    except ChangeDetails.DoesNotExist:
        return ChangeDetails(ticket=ticket)


def change_get(actor: User, change_id: int | str) -> Ticket:
    """One visible change by id or number (CHG-000123); NotFound for missing and denied."""
    changes = changes_visible_to(actor).select_related(*LIST_RELATED)
    key = str(change_id).strip()
    if isinstance(change_id, int) or key.isdigit():
        pk = parse_id(change_id if isinstance(change_id, int) else key)
        ticket = changes.filter(pk=pk).first() if pk is not None else None
    else:
        ticket = changes.filter(number=key.upper()[:20]).first() if key else None
    if ticket is None:
        raise NotFound()
    return ticket


@dataclass
class ChangeFilters:
    change_type: str | None = None
    status: list[str] = field(default_factory=list)
    risk: str | None = None
    open_only: bool = False
    mine: bool = False  # assigned to me or implemented by me
    q: str = ""


def changes_filtered(actor: User, filters: ChangeFilters) -> QuerySet[Ticket]:
    changes = changes_visible_to(actor)
    if filters.change_type:
        changes = changes.filter(change__change_type=filters.change_type)
    if filters.status:
        changes = changes.filter(status__in=filters.status)
    elif filters.open_only:
        changes = changes.filter(status__in=workflow.OPEN)
    if filters.risk:
        changes = changes.filter(change__risk_level=filters.risk)
    if filters.mine:
        changes = changes.filter(Q(assignee=actor) | Q(change__implementer=actor))
    q = filters.q.strip()
    if q:
        changes = changes.filter(Q(number__iexact=q) | Q(title__icontains=q[:200]))
    return changes


def change_page(
    actor: User, filters: ChangeFilters, *, cursor: str | None, limit: int = 25
) -> Page:
    changes = changes_filtered(actor, filters).select_related(*LIST_RELATED)
    return paginate(changes, order=["-updated_at", "-id"], cursor=cursor, limit=limit)


# --- risk -------------------------------------------------------------------------------------


def risk_questionnaire() -> list[RiskQuestion]:
    """The active questions with their answers, in order: two queries."""
    choices = RiskChoice.objects.order_by("position", "id")
    return list(
        RiskQuestion.objects.filter(is_active=True)
        .order_by("position", "id")
        .prefetch_related(Prefetch("choices", queryset=choices))
    )


def risk_answers_of(details: ChangeDetails) -> list[RiskAnswer]:
    if details._state.adding:  # a blank row for a change opened as a plain ticket
        return []
    return list(
        RiskAnswer.objects.filter(change=details)
        .select_related("question", "choice")
        .order_by("question__position", "question_id")
    )


def risk_reasons_of(details: ChangeDetails) -> list[risk_rules.Reason]:
    """The answers that raised the change's risk, heaviest first, in the reader's language."""
    return risk_rules.reasons(
        (a.question.text(), a.choice.text(), a.weight) for a in risk_answers_of(details)
    )


# --- approvals --------------------------------------------------------------------------------


def approvals_of(details: ChangeDetails) -> list[Approval]:
    """Every approval of the change, newest round first."""
    if details._state.adding:  # a blank row for a change opened as a plain ticket
        return []
    return list(
        Approval.objects.filter(change=details)
        .select_related("approver", "board", "policy")
        .order_by("-created_at", "policy__name", "id")
    )


def current_round(approvals: list[Approval]) -> list[Approval]:
    """The approvals of the latest request (one round shares its created_at)."""
    if not approvals:
        return []
    latest = max(a.created_at for a in approvals)
    return [a for a in approvals if a.created_at == latest]


def requirements_of(approvals: list[Approval]) -> list[approval_rules.Requirement]:
    return approval_rules.requirements(
        approval_rules.Vote(
            policy_id=a.policy_id,
            policy_name=a.policy.label(),
            board=a.board.label(),
            policy_required=a.policy.required,
            status=a.status,
        )
        for a in current_round(approvals)
        # A change's rows always name their policy and board (a request's never do).
        if a.status != ApprovalStatus.WITHDRAWN
        and a.policy_id is not None
        and a.policy is not None
        and a.board is not None
    )


def approvals_for(actor: User, *, pending_only: bool = True) -> QuerySet[Approval]:
    """The approvals asked of `actor` ("My approvals"), newest first: one query. Changes'
    and catalogue requests' alike (the one approval row); people who are not agents are only
    ever asked about requests (a requester's manager), so they see those only."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Approval.objects.none()
    approvals = Approval.objects.filter(approver=actor)
    if not actor.is_agent:
        approvals = approvals.exclude(ticket__kind=Kind.CHANGE)
    if pending_only:
        approvals = approvals.filter(status=ApprovalStatus.PENDING)
    return approvals.select_related(
        "board",
        "policy",
        "step",
        "step__board",
        "change",
        "ticket",
        "ticket__requester",
        # A catalogue request's answers, for the approver to read (one join, no query).
        "ticket__catalogue_answers",
    ).order_by("-created_at", "-id")


def approval_page(actor: User, *, pending_only: bool, cursor: str | None, limit: int = 25) -> Page:
    return paginate(
        approvals_for(actor, pending_only=pending_only),
        order=["-created_at", "-id"],
        cursor=cursor,
        limit=limit,
    )


def approval_get(actor: User, approval_id: int | str) -> Approval:
    """An approval the actor may see: theirs, or one of a ticket they can see (a change's
    rule for changes; the tickets' rule for requests)."""
    pk = parse_id(approval_id)
    if pk is None or actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotFound()
    seen = Q(approver=actor)
    if actor.is_agent:
        seen |= change_visibility(actor, "ticket__") | (
            visibility(actor, "ticket__") & ~Q(ticket__kind=Kind.CHANGE)
        )
    approval = (
        Approval.objects.filter(pk=pk)
        .filter(seen)
        .select_related("ticket", "change", "board", "policy", "step", "step__board", "approver")
        .first()
    )
    if approval is None:
        raise NotFound()
    return approval


def templates_active() -> QuerySet[ChangeTemplate]:
    return ChangeTemplate.objects.filter(is_active=True).order_by("name")


# --- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeMetrics:
    start: datetime
    end: datetime
    reviewed: int
    successful: int
    partial: int
    failed: int
    planned: int
    emergency: int

    @property
    def success_rate(self) -> float | None:
        """Share of the changes reviewed in the period that succeeded (None: none reviewed)."""
        return self.successful / self.reviewed if self.reviewed else None

    @property
    def emergency_ratio(self) -> float | None:
        """Share of the changes planned to start in the period that were emergency changes."""
        return self.emergency / self.planned if self.planned else None


def _details_visible_to(actor: User) -> QuerySet[ChangeDetails]:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        return ChangeDetails.objects.none()
    if actor.is_admin or actor.sees_all_tickets:
        return ChangeDetails.objects.all()  # no join: the ranges below are index scans
    return ChangeDetails.objects.filter(change_visibility(actor, "ticket__"))


def change_metrics(actor: User, period: tuple[datetime, datetime]) -> ChangeMetrics:
    """Change success rate (reviews recorded in the period) and emergency-change ratio
    (changes planned to start in the period), over the changes the actor can see: two
    aggregate queries, each a range over an index of the details table."""
    start, end = period
    details = _details_visible_to(actor)
    reviewed = details.filter(reviewed_at__gte=start, reviewed_at__lt=end).aggregate(
        total=Count("pk"),
        success=Count("pk", filter=Q(review_outcome=ReviewOutcome.SUCCESS)),
        partial=Count("pk", filter=Q(review_outcome=ReviewOutcome.PARTIAL)),
        failure=Count("pk", filter=Q(review_outcome=ReviewOutcome.FAILURE)),
    )
    planned = details.filter(planned_start__gte=start, planned_start__lt=end).aggregate(
        total=Count("pk"),
        emergency=Count("pk", filter=Q(change_type=ChangeType.EMERGENCY)),
    )
    return ChangeMetrics(
        start=start,
        end=end,
        reviewed=reviewed["total"],
        successful=reviewed["success"],
        partial=reviewed["partial"],
        failed=reviewed["failure"],
        planned=planned["total"],
        emergency=planned["emergency"],
    )


# --- the change as a whole --------------------------------------------------------------------

# Generic ticket statuses a change may have when it was opened through the ticket form: for
# the change lifecycle they are all "new".
LEGACY_STATUSES = ("new", "assigned", "in_progress", "pending")


def lifecycle_status(status: str) -> str:
    return workflow.NEW if status in LEGACY_STATUSES else status


def facts_of(
    ticket: Ticket, details: ChangeDetails, approvals: list[Approval] | None = None
) -> workflow.Facts:
    status = lifecycle_status(ticket.status)
    if status == workflow.AUTHORISATION:
        if approvals is None:
            approvals = approvals_of(details)
        satisfied = approval_rules.satisfied(requirements_of(approvals))
    else:
        satisfied = status not in (workflow.NEW, workflow.ASSESSMENT)
    return workflow.Facts(
        change_type=details.change_type,
        has_plans=bool(details.implementation_plan.strip() and details.backout_plan.strip()),
        risk_assessed=bool(details.risk_level),
        has_window=details.planned_start is not None and details.planned_end is not None,
        approvals_satisfied=satisfied,
        reviewed=bool(details.review_outcome),
    )


@dataclass
class ChangeView:
    """Everything a change page or API answer shows about one change (a handful of queries)."""

    ticket: Ticket
    details: ChangeDetails
    risk_reasons: list[risk_rules.Reason]
    approvals: list[Approval]
    requirements: list[approval_rules.Requirement]
    approvals_satisfied: bool
    transitions: list[str]
    missing: dict[str, list[str]]  # target status -> guard names still missing


def change_view(actor: User, ticket: Ticket) -> ChangeView:
    details = details_of(ticket)
    approvals = approvals_of(details)
    facts = facts_of(ticket, details, approvals)
    targets = [
        t
        for t in workflow.STATUSES
        if workflow.can_transition(details.change_type, lifecycle_status(ticket.status), t)
    ]
    return ChangeView(
        ticket=ticket,
        details=details,
        risk_reasons=risk_reasons_of(details),
        approvals=approvals,
        requirements=requirements_of(approvals),
        approvals_satisfied=facts.approvals_satisfied,
        transitions=targets,
        missing={t: workflow.missing_for(facts, t) for t in targets},
    )
