"""Reads of surveys, always scoped by the one access rule (tickets.selectors.visibility on
the survey's ticket): an agent's figures count only the tickets the agent may see.

CSAT score = satisfied responses (rating 4 or 5) / responses, as a percentage; response rate
= responses / surveys sent (invitations created in the period). Both None when their
denominator is 0. A survey answered twice is one response (its latest rating)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User
from atiende.cmdb.models import SERVICE_CLASSES
from atiende.core.pagination import Page, paginate
from atiende.tickets.selectors import visibility

from .models import SATISFIED_FROM, FollowUpStatus, SurveyFollowUp, SurveyInvitation, SurveyResponse

# How the summary splits: the key of each dimension (a path from SurveyInvitation) and its
# label's path. Agent and team are the ticket's when it was finished (the invitation's).
DIMENSIONS: dict[str, tuple[str, Any]] = {
    "agent": ("agent_id", _("Agent")),
    "team": ("team_id", _("Team")),
    "category": ("ticket__category_id", _("Category")),
    "service": ("ticket__affected_items__item_id", _("Service")),
}


_TICK = timedelta(microseconds=1)  # the previous period ends just before this one starts


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None
    end: datetime | None = None
    team: int | None = None
    agent: int | None = None
    category: int | None = None
    service: int | None = None
    rating: int | None = None  # responses only


def invitations_visible_to(actor: User) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(visibility(actor, via="ticket__"))


def _condition(actor: User, filters: Filters, via: str = "") -> Q:
    """The access rule and the filters, from SurveyInvitation (`via` reaches it from another
    model), so the summary and the drill-down select the same surveys."""
    condition = visibility(actor, via=f"{via}ticket__")
    values = {
        "created_at__gte": filters.start,
        "created_at__lte": filters.end,
        "team_id": filters.team,
        "agent_id": filters.agent,
        "ticket__category_id": filters.category,
        "ticket__affected_items__item_id": filters.service,
    }
    for key, value in values.items():
        if value is not None:
            condition &= Q(**{f"{via}{key}": value})
    return condition


def _scoped(actor: User, filters: Filters) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(_condition(actor, filters))


def _figures(sent: int, answered: int, satisfied: int) -> dict[str, Any]:
    return {
        "sent": sent,
        "responses": answered,
        "satisfied": satisfied,
        "csat": round(100 * satisfied / answered, 1) if answered else None,
        "response_rate": round(100 * answered / sent, 1) if sent else None,
    }


_COUNTS = {
    "sent_n": Count("id", distinct=True),
    "answered_n": Count("response", distinct=True),
    "satisfied_n": Count("response", filter=Q(response__rating__gte=SATISFIED_FROM), distinct=True),
    "average": Avg("response__rating"),
}


def _total(actor: User, filters: Filters) -> dict[str, Any]:
    total = _scoped(actor, filters).aggregate(**_COUNTS)
    return {
        **_figures(total["sent_n"], total["answered_n"], total["satisfied_n"]),
        "average": round(total["average"], 2) if total["average"] is not None else None,
    }


def csat_summary(
    actor: User, *, filters: Filters | None = None, by: str = "", previous: bool = False
) -> dict[str, Any]:
    """The CSAT score and response rate of the surveys `actor` may see, over
    `filters.start`..`end` (when the survey was made), in total and split `by` one of
    DIMENSIONS (rows best-answered first). With `previous` (and both ends given), also the
    totals of the period of the same length just before (`summary["previous"]`). One query
    per total, one for the split and one for its labels. Reusable by the reports engine."""
    filters = filters or Filters()
    scoped = _scoped(actor, filters)
    summary: dict[str, Any] = {**_total(actor, filters), "by": by, "rows": []}
    if previous and filters.start is not None and filters.end is not None:
        length = filters.end - filters.start
        before = replace(filters, start=filters.start - length, end=filters.start - _TICK)
        summary["previous"] = {**_total(actor, before), "start": before.start, "end": before.end}
    if not by:
        return summary
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    path = DIMENSIONS[by][0]
    split = scoped
    if by == "service":
        split = split.filter(ticket__affected_items__item__ci_class__in=SERVICE_CLASSES)
    rows = list(split.values(path).annotate(**_COUNTS).order_by("-answered_n", path))
    labels = _labels(by, [r[path] for r in rows if r[path] is not None])
    summary["rows"] = [
        {
            "key": r[path],
            "label": labels.get(r[path], "—") if r[path] is not None else "—",
            **_figures(r["sent_n"], r["answered_n"], r["satisfied_n"]),
            "average": round(r["average"], 2) if r["average"] is not None else None,
        }
        for r in rows
    ]
    return summary


def _labels(by: str, keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    if by == "agent":
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=keys)}
    if by == "team":
        from atiende.accounts.models import Team

        return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "category":
        from atiende.tickets.models import Category

        language = get_language()
        return {c.pk: c.label(language) for c in Category.objects.filter(pk__in=keys)}
    from atiende.cmdb.models import ConfigurationItem

    return dict(ConfigurationItem.objects.filter(pk__in=keys).values_list("pk", "name"))


RESPONSE_ORDER = ["-answered_at", "-id"]


def responses_visible_to(actor: User, filters: Filters | None = None) -> QuerySet[SurveyResponse]:
    """The responses behind a summary (the drill-down), newest first."""
    filters = filters or Filters()
    found = SurveyResponse.objects.filter(_condition(actor, filters, via="invitation__"))
    # (one service per ticket at most once: cmdb_ticketitem_unique, so no duplicates)
    if filters.rating is not None:
        found = found.filter(rating=filters.rating)
    return found


def responses_page(
    actor: User, filters: Filters | None = None, *, cursor: str | None = None, limit: int = 50
) -> Page:
    page = paginate(
        responses_visible_to(actor, filters).select_related(
            "invitation__ticket", "invitation__agent", "invitation__team", "invitation__person",
            "follow_up",
        ),
        order=RESPONSE_ORDER, cursor=cursor, limit=limit,
    )  # fmt: skip
    return page


def survey_of_ticket(actor: User, ticket_id: int) -> SurveyInvitation | None:
    """The survey of a ticket the actor sees, with its response (portal widget, desk card)."""
    return (
        invitations_visible_to(actor)
        .select_related("response", "response__follow_up")
        .filter(ticket_id=ticket_id)
        .first()
    )


def open_follow_ups(actor: User) -> QuerySet[SurveyFollowUp]:
    return (
        SurveyFollowUp.objects.filter(visibility(actor, via="response__invitation__ticket__"))
        .exclude(status=FollowUpStatus.CLOSED)
        .select_related("response__invitation__ticket", "response__invitation__team")
        .order_by("-created_at", "-id")
    )
