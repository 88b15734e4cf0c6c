"""The changes API: requests for change, risk, approvals, review and metrics. Thin handlers:
parse, call a selector or an action, shape the answer. Requesters get 404 everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.api import Id, Moment, MomentEnd, Ref, errors, next_url, person_ref
from atiende.core.dates import check_range
from atiende.core.errors import NotFound, ValidationFailed
from atiende.core.pagination import check_cursor, cursor_problem
from atiende.tickets.models import Ticket

from . import actions, selectors, workflow
from .models import Approval, ChangeType, RiskLevel
from .schemas import (
    ApprovalOut,
    ApprovalPageOut,
    ChangeCreateIn,
    ChangeOut,
    ChangePageOut,
    ChangePatchIn,
    ChangeTransitionIn,
    DecisionIn,
    DelegateIn,
    MetricsOut,
    ReviewIn,
    RiskIn,
    RiskQuestionOut,
    TemplateOut,
)

# The calendar's operations (changes.calendar.api) have their own router, mounted before this
# one so that "/changes/calendar" is never read as a change id.
router = Router(tags=["changes"])

PAGE_ORDER = ["-updated_at", "-id"]


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _visible(request: HttpRequest, change_id: str) -> Ticket:
    return selectors.change_get(_actor(request), change_id)


def summary_data(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    details = selectors.details_of(ticket)
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "status": selectors.lifecycle_status(ticket.status),
        "change_type": details.change_type,
        "risk_level": details.risk_level,
        "planned_start": details.planned_start,
        "planned_end": details.planned_end,
        "requester": person_ref(ticket.requester),
        "assignee": person_ref(ticket.assignee),
        "implementer": person_ref(details.implementer),
        "team": None if ticket.team is None else {"id": ticket.team.pk, "name": ticket.team.name},
        "updated_at": ticket.updated_at,
        "version": ticket.version,
        "url": request.build_absolute_uri(
            reverse("api:change_get", kwargs={"change_id": ticket.pk})
        ),
    }


def change_data(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    view = selectors.change_view(_actor(request), ticket)
    details = view.details
    return {
        **summary_data(request, ticket),
        "description": ticket.description,
        "template": None
        if details.template is None
        else {"id": details.template.pk, "name": details.template.name},
        "reason": details.reason,
        "implementation_plan": details.implementation_plan,
        "backout_plan": details.backout_plan,
        "test_plan": details.test_plan,
        "actual_start": details.actual_start,
        "actual_end": details.actual_end,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "risk": {
            "level": details.risk_level,
            "score": details.risk_score,
            "assessed_at": details.risk_assessed_at,
            "reasons": [vars(r) for r in view.risk_reasons],
        },
        "approvals": [
            {
                "policy": r.name,
                "board": r.board,
                "required": r.required,
                "approved": r.approved,
                "pending": r.pending,
                "rejected": r.rejected,
                "satisfied": r.satisfied,
            }
            for r in view.requirements
        ],
        "approvals_satisfied": view.approvals_satisfied,
        "review": {
            "outcome": details.review_outcome,
            "notes": details.review_notes,
            "reviewed_at": details.reviewed_at,
        },
        "transitions": view.transitions,
        "created_at": ticket.created_at,
        "closed_at": ticket.closed_at,
    }


def approval_data(approval: Approval) -> dict[str, Any]:
    ticket = approval.ticket
    change = approval.change if approval.change_id else None
    return {
        "id": approval.pk,
        "status": approval.status,
        "board": approval.board.label() if approval.board else "",
        "policy": approval.policy.label() if approval.policy else "",
        "step": approval.step.label() if approval.step else "",
        "approver": person_ref(approval.approver),
        "comment": approval.comment,
        "created_at": approval.created_at,
        "decided_at": approval.decided_at,
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "kind": ticket.kind,
            "status": ticket.status,
        },
        "change": {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "status": selectors.lifecycle_status(ticket.status),
            "change_type": change.change_type,
            "risk_level": change.risk_level,
        }
        if change is not None
        else None,
    }


# --- changes ----------------------------------------------------------------------------------


class ChangeQuery(Schema):
    type: str | None = Field(default=None, description="standard | normal | emergency")
    status: list[str] = Field(default=[], description="Repeat or separate with commas.")
    risk: str | None = Field(default=None, description="low | medium | high")
    open: bool = Field(default=False, description="Only changes not closed, rejected or cancelled.")
    mine: bool = Field(default=False, description="Only changes I own or implement.")
    q: str = Field(default="", max_length=200, description="A number or words of the title.")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=25, ge=1, le=100)


def _filters(query: ChangeQuery) -> selectors.ChangeFilters:
    problems: dict[str, list[str]] = {}
    statuses = [s.strip() for value in query.status for s in value.split(",") if s.strip()]
    if any(status not in workflow.STATUSES for status in statuses):
        problems["status"] = [_("Unknown status.")]
    if query.type and query.type not in ChangeType.values:
        problems["type"] = [_("Choose standard, normal or emergency.")]
    if query.risk and query.risk not in RiskLevel.values:
        problems["risk"] = [_("Choose low, medium or high.")]
    if problem := cursor_problem(query.cursor, PAGE_ORDER):
        problems["cursor"] = [problem]
    if problems:
        raise ValidationFailed(errors=problems)
    return selectors.ChangeFilters(
        change_type=query.type or None,
        status=statuses,
        risk=query.risk or None,
        open_only=query.open,
        mine=query.mine,
        q=query.q,
    )


@router.get(
    "/changes",
    response={200: ChangePageOut, **errors(401, 404, 422)},
    url_name="change_list",
    summary="Changes the caller may see, newest activity first",
)
def change_list(request, query: Query[ChangeQuery]):
    if not _actor(request).is_agent:
        raise NotFound()
    page = selectors.change_page(
        _actor(request), _filters(query), cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [summary_data(request, t) for t in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.post(
    "/changes",
    response={201: ChangeOut, **errors(400, 401, 404, 422)},
    url_name="change_create",
    summary="Raise a request for change (agents)",
)
def change_create(request, payload: ChangeCreateIn):
    data = payload.model_dump()
    ticket = actions.change_create(
        actor=_actor(request),
        title=data["title"],
        change_type=data["change_type"],
        template_id=data["template"],
        description=data["description"],
        reason=data["reason"],
        implementation_plan=data["implementation_plan"],
        backout_plan=data["backout_plan"],
        test_plan=data["test_plan"],
        planned_start=data["planned_start"],
        planned_end=data["planned_end"],
        implementer_id=data["implementer"],
        impact=data["impact"],
        urgency=data["urgency"],
        team_id=data["team"],
        assignee_id=data["assignee"],
        channel="api",
    )
    return Reply(201, change_data(request, selectors.change_get(_actor(request), ticket.pk)))


@router.get(
    "/changes/{change_id}",
    response={200: ChangeOut, **errors(401, 404, 422)},
    url_name="change_get",
    summary="One change by id or number (CHG-000123), with risk, approvals and review",
)
def change_get(request, change_id: Ref):
    return change_data(request, _visible(request, change_id))


@router.patch(
    "/changes/{change_id}",
    response={200: ChangeOut, **errors(400, 401, 404, 409, 422)},
    url_name="change_update",
    summary="Change fields of a change (with the version you read)",
)
def change_update(request, change_id: Ref, payload: ChangePatchIn):
    ticket = _visible(request, change_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    for required in ("title", "change_type", "description", *actions.PLAN_FIELDS):
        if required in changes and changes[required] is None:
            raise ValidationFailed.field(required, _("This field cannot be empty."))
    actions.change_update(
        actor=_actor(request), ticket_id=ticket.pk, version=version, changes=changes
    )
    return change_data(request, selectors.change_get(_actor(request), ticket.pk))


@router.post(
    "/changes/{change_id}/transition",
    response={200: ChangeOut, **errors(400, 401, 404, 409, 422)},
    url_name="change_transition",
    summary="Move a change along its lifecycle",
)
def change_transition(request, change_id: Ref, payload: ChangeTransitionIn):
    ticket = _visible(request, change_id)
    actions.change_transition(actor=_actor(request), ticket_id=ticket.pk, **payload.model_dump())
    return change_data(request, selectors.change_get(_actor(request), ticket.pk))


@router.post(
    "/changes/{change_id}/risk",
    response={200: ChangeOut, **errors(400, 401, 404, 409, 422)},
    url_name="change_risk",
    summary="Answer the risk questionnaire (every active question)",
)
def change_risk(request, change_id: Ref, payload: RiskIn):
    ticket = _visible(request, change_id)
    actions.risk_assess(
        actor=_actor(request),
        ticket_id=ticket.pk,
        answers=payload.answers,
        version=payload.version,
    )
    return change_data(request, selectors.change_get(_actor(request), ticket.pk))


@router.post(
    "/changes/{change_id}/review",
    response={200: ChangeOut, **errors(400, 401, 404, 409, 422)},
    url_name="change_review",
    summary="Record the post-implementation review",
)
def change_review(request, change_id: Ref, payload: ReviewIn):
    ticket = _visible(request, change_id)
    actions.review_record(
        actor=_actor(request),
        ticket_id=ticket.pk,
        outcome=payload.outcome,
        notes=payload.notes,
        caused_incidents=payload.caused_incidents,
        version=payload.version,
    )
    return change_data(request, selectors.change_get(_actor(request), ticket.pk))


@router.get(
    "/changes/{change_id}/approvals",
    response={200: list[ApprovalOut], **errors(401, 404, 422)},
    url_name="change_approvals",
    summary="Every approval of a change, newest round first",
)
def change_approvals(request, change_id: Ref):
    ticket = _visible(request, change_id)
    details = selectors.details_of(ticket)
    approvals = selectors.approvals_of(details)
    for approval in approvals:
        approval.change = details
        approval.ticket = ticket
    return [approval_data(a) for a in approvals]


@router.get(
    "/risk-questions",
    response={200: list[RiskQuestionOut], **errors(401, 404)},
    url_name="risk_questions",
    summary="The risk questionnaire, in your language",
)
def risk_questions(request):
    if not _actor(request).is_agent:
        raise NotFound()
    return [
        {
            "id": q.pk,
            "text": q.text(),
            "choices": [
                {"id": c.pk, "text": c.text(), "weight": c.weight} for c in q.choices.all()
            ],
        }
        for q in selectors.risk_questionnaire()
    ]


@router.get(
    "/change-templates",
    response={200: list[TemplateOut], **errors(401, 404)},
    url_name="change_templates",
    summary="Active standard change templates (pre-approved)",
)
def change_templates(request):
    if not _actor(request).is_agent:
        raise NotFound()
    return [
        {
            "id": t.pk,
            "name": t.name,
            "description": t.description,
            "implementation_plan": t.implementation_plan,
            "backout_plan": t.backout_plan,
            "test_plan": t.test_plan,
            "risk_level": t.risk_level,
        }
        for t in selectors.templates_active()
    ]


# --- approvals --------------------------------------------------------------------------------


class ApprovalQuery(Schema):
    mine: bool = Field(default=True, description="Approvals asked of me (the only list).")
    pending: bool = Field(default=True, description="Only those still awaiting my decision.")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=25, ge=1, le=100)


@router.get(
    "/approvals",
    response={200: ApprovalPageOut, **errors(401, 404, 422)},
    url_name="approval_list",
    summary="My approvals: those asked of me, newest first",
)
def approval_list(request, query: Query[ApprovalQuery]):
    actor = _actor(request)
    if not actor.is_agent:
        # Requesters asked to approve (a requester's manager) decide in the portal's
        # "My approvals" (catalogue); the desk's API list stays the agents'.
        raise NotFound()
    if not query.mine:
        raise ValidationFailed.field(
            "mine", _("Only your own approvals are listed; see a change for all of its own.")
        )
    check_cursor(query.cursor, ["-created_at", "-id"])
    page = selectors.approval_page(
        actor, pending_only=query.pending, cursor=query.cursor, limit=query.limit
    )
    for approval in page.items:
        approval.approver = actor
    return {
        "items": [approval_data(a) for a in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.post(
    "/approvals/{approval_id}/decision",
    response={200: ApprovalOut, **errors(400, 401, 403, 404, 422)},
    url_name="approval_decide",
    summary="Approve or reject a change or a catalogue request (the approver only; never "
    "the ticket's requester; rejecting needs a comment)",
)
def approval_decide(request, approval_id: Id, payload: DecisionIn):
    approval = actions.approval_decide(
        actor=_actor(request),
        approval_id=approval_id,
        decision=payload.decision,
        comment=payload.comment,
    )
    return approval_data(selectors.approval_get(_actor(request), approval.pk))


@router.post(
    "/approvals/{approval_id}/delegate",
    response={200: ApprovalOut, **errors(400, 401, 403, 404, 422)},
    url_name="approval_delegate",
    summary="Hand a pending approval to someone else who may approve it (the approver only): "
    "answers your own approval, withdrawn; the delegate is asked and told",
)
def approval_delegate(request, approval_id: Id, payload: DelegateIn):
    actor = _actor(request)
    actions.approval_delegate(
        actor=actor, approval_id=approval_id, to_user_id=payload.to, comment=payload.comment
    )
    return approval_data(selectors.approval_get(actor, approval_id))


# --- metrics ----------------------------------------------------------------------------------


class MetricsQuery(Schema):
    start: Moment | None = Field(
        default=None,
        description="A date (the start of that day) or a date and time; without an offset, "
        "in your time zone. Default: 30 days before the end.",
    )
    end: MomentEnd | None = Field(
        default=None,
        description="A date (the end of that day) or a date and time; without an offset, "
        "in your time zone. Default: now.",
    )


@router.get(
    "/change-metrics",
    response={200: MetricsOut, **errors(401, 404, 422)},
    url_name="change_metrics",
    summary="Change success rate and emergency-change ratio over a period",
)
def change_metrics(request, query: Query[MetricsQuery]):
    actor = _actor(request)
    if not actor.is_agent:
        raise NotFound()
    end = query.end or clock.now()
    start = query.start or end - timedelta(days=30)
    check_range(start, end)
    metrics = selectors.change_metrics(actor, (start, end))
    return {
        **{k: getattr(metrics, k) for k in MetricsOut.model_fields},
    }
