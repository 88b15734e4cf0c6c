"""Satisfaction surveys over the API: the CSAT summary and the responses behind it (agents,
scoped by the one access rule), and the requester's own rating of a finished ticket."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from atiende.core import clock
from atiende.core.api import (
    Id,
    InputSchema,
    Moment,
    MomentEnd,
    PersonRef,
    Ref,
    TeamRef,
    errors,
    next_url,
    person_ref,
)
from atiende.core.dates import check_range
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.pagination import check_cursor
from atiende.tickets.selectors import ticket_get

from . import actions, selectors
from .models import SurveyInvitation, SurveyResponse

router = Router(tags=["surveys"])


class PeriodQuery(Schema):
    start: Moment | None = Field(default=None, description="From (default: 30 days ago).")
    end: MomentEnd | None = Field(default=None, description="To (default: now).")
    team: Id | None = None
    agent: Id | None = None
    category: Id | None = None
    service: Id | None = Field(default=None, description="A service's configuration item id.")


class SummaryQuery(PeriodQuery):
    by: str = Field(default="", description="agent, team, category or service; empty: totals.")
    previous: bool = Field(default=False, description="Also the period of the same length before.")


class ResponsesQuery(PeriodQuery):
    rating: int | None = Field(default=None, ge=1, le=5)
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=50, ge=1, le=200)


class FiguresOut(Schema):
    sent: int = Field(description="Surveys sent in the period.")
    responses: int = Field(description="Of them answered (answering twice counts once).")
    satisfied: int = Field(description="Answers rating 4 or 5.")
    csat: float | None = Field(description="satisfied / responses, in %; null with no answer.")
    response_rate: float | None = Field(description="responses / sent, in %; null with none sent.")
    average: float | None


class SummaryRowOut(FiguresOut):
    key: int | None
    label: str


class PreviousOut(FiguresOut):
    start: datetime
    end: datetime


class SummaryOut(FiguresOut):
    start: datetime
    end: datetime
    by: str
    rows: list[SummaryRowOut]
    previous: PreviousOut | None = None


class ResponseOut(Schema):
    id: int
    ticket: str = Field(description="The ticket's number.")
    rating: int
    comment: str
    answered_at: datetime
    updated_at: datetime
    agent: PersonRef | None
    team: TeamRef | None
    follow_up: str | None = Field(description="open, acknowledged, contacted, closed; or null.")


class ResponsePageOut(Schema):
    items: list[ResponseOut]
    count: int
    count_exact: bool
    next: str | None


class RatingIn(InputSchema):
    rating: int = Field(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str | None = Field(default=None, description="Optional; null keeps the one given.")


class RatingOut(Schema):
    ticket: str
    rating: int
    comment: str
    answered_at: datetime
    updated_at: datetime


def _agent(request) -> None:
    if not request.user.is_agent:
        raise Forbidden()


def _filters(query: PeriodQuery, rating: int | None = None) -> selectors.Filters:
    end = query.end or clock.now()
    start = query.start or end - timedelta(days=30)
    check_range(start, end, max_days=3660)
    return selectors.Filters(
        start=start, end=end, team=query.team, agent=query.agent, category=query.category,
        service=query.service, rating=rating,
    )  # fmt: skip


@router.get(
    "/surveys/summary",
    response={200: SummaryOut, **errors(401, 403, 422)},
    url_name="survey_summary",
    summary="CSAT score and response rate over a period, optionally split (agents)",
)
def survey_summary(request, query: Query[SummaryQuery]):
    _agent(request)
    if query.by and query.by not in selectors.DIMENSIONS:
        raise ValidationFailed.field("by", _("Split by agent, team, category or service."))
    filters = _filters(query)
    summary = selectors.csat_summary(
        request.user, filters=filters, by=query.by, previous=query.previous
    )
    return {**summary, "start": filters.start, "end": filters.end}


def _response_data(r: SurveyResponse) -> dict:
    invitation = r.invitation
    try:
        follow_up = r.follow_up.status
    except SurveyResponse.follow_up.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        follow_up = None
    return {
        "id": r.pk,
        "ticket": invitation.ticket.number,
        "rating": r.rating,
        "comment": r.comment,
        "answered_at": r.answered_at,
        "updated_at": r.updated_at,
        "agent": person_ref(invitation.agent),
        "team": {"id": invitation.team.pk, "name": invitation.team.name}
        if invitation.team
        else None,
        "follow_up": follow_up,
    }


@router.get(
    "/surveys/responses",
    response={200: ResponsePageOut, **errors(401, 403, 422)},
    url_name="survey_responses",
    summary="The answers behind a summary, newest first (agents)",
)
def survey_responses(request, query: Query[ResponsesQuery]):
    _agent(request)
    check_cursor(query.cursor, selectors.RESPONSE_ORDER)
    page = selectors.responses_page(
        request.user, _filters(query, query.rating), cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [_response_data(r) for r in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


class SurveyOut(Schema):
    ticket: str
    send_at: datetime = Field(description="When the survey e-mail is (or was) sent.")
    expires_at: datetime = Field(description="Answers are taken until then.")
    open: bool = Field(description="Can still be answered (by the person asked).")
    rating: int | None
    comment: str | None = Field(description="Agents and the person asked only.")
    answered_at: datetime | None
    follow_up: str | None = Field(description="Agents only: the follow-up of a poor rating.")


@router.get(
    "/tickets/{ticket_id}/survey",
    response={200: SurveyOut, **errors(401, 404, 422)},
    url_name="survey_get",
    summary="The survey of a finished ticket: to its requester, or to agents who see the ticket",
)
def survey_get(request, ticket_id: Ref):
    user = request.user
    ticket = ticket_get(user, ticket_id)
    survey = selectors.survey_of_ticket(user, ticket.pk)
    if survey is None or not (user.is_agent or survey.person_id == user.pk):
        raise NotFound()
    try:
        response: SurveyResponse | None = survey.response
    except SurveyInvitation.response.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        response = None
    follow_up = None
    if response is not None and user.is_agent:
        try:
            follow_up = response.follow_up.status
        except SurveyResponse.follow_up.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
            follow_up = None
    return {
        "ticket": ticket.number,
        "send_at": survey.send_at,
        "expires_at": survey.expires_at,
        "open": survey.person_id == user.pk and clock.now() <= survey.expires_at,
        "rating": response.rating if response else None,
        "comment": response.comment if response else None,
        "answered_at": response.answered_at if response else None,
        "follow_up": follow_up,
    }


@router.post(
    "/tickets/{ticket_id}/survey",
    response={200: RatingOut, **errors(401, 404, 422)},
    url_name="survey_answer",
    summary="The requester rates their finished ticket (answering again updates the answer)",
)
def survey_answer(request, ticket_id: Ref, payload: RatingIn):
    ticket = ticket_get(request.user, ticket_id)
    response = actions.answer_ticket(
        actor=request.user, ticket_id=ticket.pk, rating=payload.rating, comment=payload.comment
    )
    return {
        "ticket": ticket.number,
        "rating": response.rating,
        "comment": response.comment,
        "answered_at": response.answered_at,
        "updated_at": response.updated_at,
    }
