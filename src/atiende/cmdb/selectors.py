"""Reads of the CMDB, scoped to the actor. `items_visible_to` is the one definition of who
sees services and CIs: agents (and managers, administrators) see all of them; requesters
see nothing of the CMDB, and every item answers them 404.

Impact is a walk of the relations' `cause -> impacted` direction over the graph each process
keeps in memory (graph.py); see `impacted_items`, `impacted_services` and `services_by_item`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q, QuerySet

from atiende.accounts.models import User
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.pagination import Page, paginate
from atiende.tickets.models import OPEN_STATUSES, Ticket
from atiende.tickets.selectors import tickets_visible_to

from . import graph
from .models import SERVICE_CLASSES, ConfigurationItem, Relation, TicketItem

# Levels a level-by-level walk may follow (used by other domains' walks). The CMDB's own
# walk needs no bound: it visits each item once, so it ends on cyclic graphs too (nothing
# forbids A depends_on B depends_on A).
MAX_DEPTH = 12
ITEM_RELATED = ("owner_team",)


def can_view(actor: User | None) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_agent)


def can_edit(actor: User | None) -> bool:
    """Managers and administrators edit services, CIs and relations; agents read them and
    link them to tickets."""
    return can_view(actor) and bool(actor and actor.is_manager)


def items_visible_to(actor: User | None) -> QuerySet[ConfigurationItem]:
    if not can_view(actor):
        return ConfigurationItem.objects.none()
    return ConfigurationItem.objects.all()


def item_get(actor: User, item_id: int | str) -> ConfigurationItem:
    pk = parse_id(item_id)
    item = (
        items_visible_to(actor).select_related(*ITEM_RELATED).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if item is None:
        raise NotFound()
    return item


@dataclass
class ItemFilters:
    ci_class: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    team: int | None = None
    services_only: bool = False
    q: str = ""


ORDER = ["name", "id"]


def items_filtered(actor: User, filters: ItemFilters) -> QuerySet[ConfigurationItem]:
    items = items_visible_to(actor)
    if filters.ci_class:
        items = items.filter(ci_class__in=filters.ci_class)
    if filters.services_only:
        items = items.filter(ci_class__in=SERVICE_CLASSES)
    if filters.status:
        items = items.filter(status__in=filters.status)
    if filters.environment:
        items = items.filter(environment__in=filters.environment)
    if filters.team:
        items = items.filter(owner_team_id=filters.team)
    q = filters.q.strip()
    if q:
        items = items.filter(name__icontains=q[:200])
    return items


def item_page(actor: User, filters: ItemFilters, *, cursor: str | None, limit: int = 50) -> Page:
    items = items_filtered(actor, filters).select_related(*ITEM_RELATED)
    return paginate(items, order=ORDER, cursor=cursor, limit=limit)


def relations_of(actor: User, item: ConfigurationItem) -> tuple[list[Relation], list[Relation]]:
    """(outgoing, incoming) relations of a visible item, with the item at the other end."""
    if not can_view(actor):
        return [], []
    outgoing = list(
        Relation.objects.filter(source=item)
        .select_related("target")
        .order_by("type", "target__name", "id")
    )
    incoming = list(
        Relation.objects.filter(target=item)
        .select_related("source")
        .order_by("type", "source__name", "id")
    )
    return outgoing, incoming


def relation_get(actor: User, relation_id: int | str) -> Relation:
    pk = parse_id(relation_id)
    relation = (
        Relation.objects.select_related("source", "target").filter(pk=pk).first()
        if pk is not None and can_view(actor)
        else None
    )
    if relation is None:
        raise NotFound()
    return relation


def relations_visible_to(actor: User) -> QuerySet[Relation]:
    if not can_view(actor):
        return Relation.objects.none()
    return Relation.objects.select_related("source", "target")


def tickets_of_item(actor: User, item: ConfigurationItem, *, open_only: bool = True, limit=100):
    """The tickets (incidents, problems, changes ...) the actor may see that affect `item`."""
    tickets = tickets_visible_to(actor).filter(affected_items__item=item)
    if open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    return list(
        tickets.select_related("assignee", "team").order_by("kind", "-updated_at", "-id")[:limit]
    )


def items_of_ticket(actor: User, ticket: Ticket) -> list[TicketItem]:
    """The services and CIs a (visible) ticket affects; nothing for requesters."""
    return items_of_tickets(actor, [ticket]).get(ticket.pk, [])


def items_of_tickets(actor: User, tickets: Iterable[Ticket]) -> dict[int, list[TicketItem]]:
    """{ticket id: the services and CIs it affects} for (visible) tickets, in one query;
    nothing for requesters."""
    ids = [ticket.pk for ticket in tickets]
    if not ids or not can_view(actor):
        return {}
    found: dict[int, list[TicketItem]] = defaultdict(list)
    links = (
        TicketItem.objects.filter(ticket_id__in=ids)
        .select_related("item", "item__owner_team", "created_by")
        .order_by("item__name", "id")
    )
    for link in links:
        found[link.ticket_id].append(link)
    return dict(found)


# --- impact ---------------------------------------------------------------------------------


def _clean_ids(item_ids: Iterable[int | str]) -> list[int]:
    ids = {pk for pk in (parse_id(i) for i in item_ids) if pk is not None}
    return sorted(ids)


def _existing(ids: list[int]) -> set[int]:
    return set(ConfigurationItem.objects.filter(pk__in=ids).values_list("pk", flat=True))


def impact_depths(item_ids: Iterable[int | str]) -> dict[int, int]:
    """{item id: shortest distance} of every item impacted when `item_ids` fail, the
    starting items included at depth 0. No access check: callers check it."""
    roots = _existing(_clean_ids(item_ids))
    return graph.current().depths(roots) if roots else {}


@dataclass(frozen=True)
class ImpactEdge:
    cause: int  # when this item fails ...
    impacted: int  # ... this one is impacted
    type: str


@dataclass
class ImpactRow:
    item: ConfigurationItem
    depth: int


@dataclass
class Impact:
    rows: list[ImpactRow]  # nearest first, then by name; the starting items are not included
    total: int  # all impacted items (rows may be cut at `limit`)
    services: list[ConfigurationItem]  # every impacted service (starting services included)
    edges: list[ImpactEdge]  # the relations between the starting and the listed items

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def impacted_items(actor: User, item_ids: Iterable[int | str], *, limit: int = 500) -> Impact:
    """What fails when `item_ids` fail: the items that depend on them, transitively, each
    with its distance, the impacted services, and the edges of the impact graph between the
    listed items (for the diagram). When more than `limit` items are impacted, the list
    holds the nearest (ties by id), each distance sorted by name. Empty for actors who may
    not see the CMDB. Four queries, whatever the size of the impact."""
    ids = _clean_ids(item_ids)
    if not can_view(actor) or not ids:
        return Impact(rows=[], total=0, services=[], edges=[])
    roots = _existing(ids)
    impact_graph = graph.current()
    reach = impact_graph.reach(roots)
    others = ~np.isin(reach.ids, list(roots))  # nearest first, by id within a distance
    total = int(others.sum())
    shown_at = np.flatnonzero(others)[:limit]
    shown = reach.ids[shown_at].tolist()
    depths = dict(zip(shown, reach.depths[shown_at].tolist(), strict=True))
    service_at = np.flatnonzero(reach.is_service)
    depths.update(
        zip(reach.ids[service_at].tolist(), reach.depths[service_at].tolist(), strict=True)
    )
    loaded = ConfigurationItem.objects.select_related(*ITEM_RELATED).in_bulk(shown)
    services = ConfigurationItem.objects.filter(pk__in=reach.ids[service_at].tolist()).only(
        "id", "name", "ci_class"
    )  # a core switch impacts every service: keep them light

    def nearest_then_name(item: ConfigurationItem) -> tuple:
        return depths[item.pk], item.name.lower(), item.pk

    nodes = roots.union(shown)
    return Impact(
        rows=[
            ImpactRow(item=item, depth=depths[item.pk])
            for item in sorted((loaded[pk] for pk in shown if pk in loaded), key=nearest_then_name)
        ],
        total=total,
        services=sorted(services, key=nearest_then_name),
        edges=[ImpactEdge(*edge) for edge in impact_graph.edges_between(nodes)],
    )


def impacted_service_ids(item_ids: Iterable[int | str]) -> set[int]:
    """Ids of the services impacted when any of `item_ids` fails (a service given among
    `item_ids` counts: it is impacted by its own failure). No access check: for other
    domains' internal use (e.g. change conflicts)."""
    ids = _clean_ids(item_ids)
    return graph.current().impacted_services(ids) if ids else set()


def impacted_services(item_ids: Iterable[int | str]) -> QuerySet[ConfigurationItem]:
    """The services impacted when any of `item_ids` fails, as a queryset (sorted by name).
    No access check: for other domains' internal use."""
    return ConfigurationItem.objects.filter(pk__in=impacted_service_ids(item_ids)).order_by(
        "name", "id"
    )


def services_by_item(item_ids: Iterable[int | str]) -> dict[int, set[int]]:
    """{item id: ids of the services its failure impacts} for each of `item_ids`: what the
    change calendar needs to tell whether two changes touch CIs that serve a common
    service. Items that impact no service map to an empty set."""
    ids = _clean_ids(item_ids)
    if not ids:
        return {}
    impact_graph = graph.current()
    return {pk: impact_graph.impacted_services([pk]) for pk in ids}


def items_related_q(item_ids: Iterable[int]) -> Q:
    """Relations touching any of `item_ids` (either end)."""
    ids = list(item_ids)
    return Q(source_id__in=ids) | Q(target_id__in=ids)
