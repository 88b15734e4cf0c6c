"""Reads of the improvement domain. Trends and the register are desk data (agents only:
everyone else gets NotFound); the incidents behind a trend and the tickets linked to an
improvement are read through the one access rule, `tickets.selectors.visibility`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from atiende.accounts.models import User
from atiende.cmdb.models import TicketItem
from atiende.core.errors import NotFound
from atiende.core.pagination import Page, paginate
from atiende.tickets.models import Kind, Ticket
from atiende.tickets.selectors import tickets_visible_to, visibility

from .models import Dimension, ImprovementItem, Trend, TrendStatus

TREND_ORDER = ["-updated_at", "-id"]
ITEM_ORDER = ["-updated_at", "-id"]
# Incidents shown under each trend of the list (the trend's page shows them all, capped).
INCIDENTS_PER_TREND = 10
INCIDENTS_MAX = 500


def require_agent(actor: User) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        raise NotFound()


# --- trends --------------------------------------------------------------------------------------


def trends(actor: User, *, status: str = "") -> QuerySet[Trend]:
    require_agent(actor)
    found = Trend.objects.all()
    if status == "open":
        found = found.filter(status__in=[TrendStatus.NEW, TrendStatus.ACKNOWLEDGED])
    elif status:
        found = found.filter(status=status)
    return found


def trend_page(actor: User, *, status: str = "", cursor: str | None, limit: int) -> Page:
    page = paginate(trends(actor, status=status), order=TREND_ORDER, cursor=cursor, limit=limit)
    problems = [t.problem_id for t in page.items if t.problem_id]
    if problems:  # the problems' numbers, among those the actor may see
        shown = tickets_visible_to(actor).filter(pk__in=problems).only("pk", "number", "title")
        by_id = {t.pk: t for t in shown}
        for trend in page.items:
            trend.visible_problem = by_id.get(trend.problem_id)
    return page


def trend_get(actor: User, trend_id: int) -> Trend:
    trend = trends(actor).filter(pk=trend_id).first()
    if trend is None:
        raise NotFound()
    problem = None
    if trend.problem_id:
        problem = tickets_visible_to(actor).filter(pk=trend.problem_id).first()
    trend.visible_problem = problem
    return trend


def _incident_condition(trend: Trend) -> Q:
    if trend.dimension == Dimension.CATEGORY:
        return Q(category_id=trend.key)
    return Q(pk__in=TicketItem.objects.filter(item_id=trend.key).values("ticket_id"))


def trend_incidents(actor: User, trend: Trend, *, limit: int = INCIDENTS_MAX) -> list[Ticket]:
    """The incidents of the trend's window the actor may see, newest first."""
    require_agent(actor)
    return list(
        Ticket.objects.filter(
            visibility(actor),
            _incident_condition(trend),
            kind=Kind.INCIDENT,
            created_at__gte=trend.window_start,
            created_at__lt=trend.window_end,
        )
        .only("pk", "number", "title", "status", "created_at", "priority", "team_id")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class Shown:
    incidents: list[Ticket]
    more: int


def incidents_of_trends(actor: User, shown: Sequence[Trend]) -> dict[int, Shown]:
    """The first incidents behind each trend of a page, in at most two queries (categories,
    then services and CIs) whatever the page's size."""
    require_agent(actor)
    if not shown:
        return {}
    start = min(t.window_start for t in shown)
    end = max(t.window_end for t in shown)
    base = Ticket.objects.filter(
        visibility(actor), kind=Kind.INCIDENT, created_at__gte=start, created_at__lt=end
    ).order_by("-created_at", "-id")
    columns = ("id", "number", "title", "status", "created_at", "category_id")
    hits: dict[tuple[str, Any], list[Ticket]] = defaultdict(list)
    categories = {t.key for t in shown if t.dimension == Dimension.CATEGORY}
    if categories:
        for ticket in base.filter(category_id__in=categories).only(*columns):
            hits[(Dimension.CATEGORY, ticket.category_id)].append(ticket)
    items = {t.key for t in shown if t.dimension != Dimension.CATEGORY}
    if items:
        rows = (
            TicketItem.objects.filter(
                visibility(actor, via="ticket__"),
                item_id__in=items,
                ticket__kind=Kind.INCIDENT,
                ticket__created_at__gte=start,
                ticket__created_at__lt=end,
            )
            .select_related("ticket")
            .only("item_id", *(f"ticket__{c}" for c in columns))
            .order_by("-ticket__created_at", "-ticket__id")
        )
        for row in rows:
            hits[("item", row.item_id)].append(row.ticket)
    answer = {}
    for trend in shown:
        group = Dimension.CATEGORY if trend.dimension == Dimension.CATEGORY else "item"
        inside = [
            t
            for t in hits.get((group, trend.key), [])
            if trend.window_start <= t.created_at < trend.window_end
        ]
        answer[trend.pk] = Shown(
            inside[:INCIDENTS_PER_TREND], max(0, len(inside) - INCIDENTS_PER_TREND)
        )
    return answer


# --- the register ---------------------------------------------------------------------------------


@dataclass
class ItemFilters:
    status: str = ""
    owner: int | None = None
    metric: str = ""
    q: str = ""


def items(actor: User, filters: ItemFilters | None = None) -> QuerySet[ImprovementItem]:
    require_agent(actor)
    found = ImprovementItem.objects.all()
    f = filters or ItemFilters()
    if f.status:
        found = found.filter(status=f.status)
    if f.owner:
        found = found.filter(owner_id=f.owner)
    if f.metric:
        found = found.filter(metric=f.metric)
    if f.q.strip():
        found = found.filter(title__icontains=f.q.strip()[:200])
    return found


def item_page(actor: User, filters: ItemFilters, *, cursor: str | None, limit: int) -> Page:
    found = items(actor, filters).select_related("owner")
    return paginate(found, order=ITEM_ORDER, cursor=cursor, limit=limit)


def item_get(actor: User, item_id: int) -> ImprovementItem:
    item = items(actor).select_related("owner", "created_by").filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def item_links(actor: User, item: ImprovementItem) -> tuple[list[Ticket], list[Trend]]:
    """The item's related tickets the actor may see, and its related trends."""
    tickets = list(
        Ticket.objects.filter(
            visibility(actor),
            pk__in=item.tickets.through.objects.filter(improvementitem_id=item.pk).values(
                "ticket_id"
            ),
        )
        .only("pk", "number", "title", "kind", "status")
        .order_by("id")
    )
    trends_ = list(item.trends.all().order_by("-updated_at", "-id"))
    return tickets, trends_
