"""Reads of the CMDB, scoped to the actor. `items_visible_to` is the one definition of who
sees services and CIs: agents (and managers, administrators) see all of them; requesters
see nothing of the CMDB, and every item answers them 404.

Impact is computed in the database by one recursive query (`WITH RECURSIVE`, the same SQL
on SQLite and PostgreSQL) over the relations' `cause -> impacted` columns; see
`impacted_items`, `impacted_services` and `services_by_item`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet

from atiende.accounts.models import User
from atiende.core.errors import NotFound
from atiende.core.pagination import Page, paginate
from atiende.tickets.models import OPEN_STATUSES, Ticket
from atiende.tickets.selectors import tickets_visible_to, valid_id

from .models import SERVICE_CLASSES, ConfigurationItem, Relation, TicketItem

# Levels a level-by-level walk may follow (used by other domains' walks). The CMDB's own
# recursive query needs no bound: it keeps each item once (UNION over ids), so it ends on
# cyclic graphs too (nothing forbids A depends_on B depends_on A) after at most one visit
# per item and relation.
MAX_DEPTH = 12
# The impact page and API walk at most this many relations for the list and the diagram
# (the nearest ones: the walk is breadth-first); beyond, count and services come from the
# lighter id-only walk.
GRAPH_ROWS_MAX = 20_000
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
    pk = valid_id(item_id)
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
    pk = valid_id(relation_id)
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
    if not can_view(actor):
        return []
    return list(
        TicketItem.objects.filter(ticket=ticket)
        .select_related("item", "item__owner_team", "created_by")
        .order_by("item__name", "id")
    )


# --- impact ---------------------------------------------------------------------------------


def _clean_ids(item_ids: Iterable[int | str]) -> list[int]:
    ids = {pk for pk in (valid_id(i) for i in item_ids) if pk is not None}
    return sorted(ids)


def _walk_cte(ids: list[int], *, with_root: bool = False) -> str:
    """`walk(root, id, ci_class)`: every item impacted when `ids` fail, the starting items
    included, each once per starting item. UNION (not UNION ALL) drops rows already found,
    which is what makes the walk end on cycles and keeps it linear in the relations it
    meets. The class is read inside the walk (one primary-key lookup per row found): a
    join after the walk lets PostgreSQL, which cannot estimate a recursive query's size,
    hash the whole table instead. The ids are validated integers written literally (as
    sla.selectors does for a page of tickets): the planner then knows them."""
    items = connection.ops.quote_name(ConfigurationItem._meta.db_table)
    relations = connection.ops.quote_name(Relation._meta.db_table)
    id_list = ", ".join(str(int(i)) for i in ids)
    root_start, root_step = ("id, ", "w.root, ") if with_root else ("", "")
    columns = "root, id, ci_class" if with_root else "id, ci_class"
    step, r, c = _step(items, relations)
    return (
        f"WITH RECURSIVE walk({columns}) AS ("  # noqa: S608 (validated integers, no input)
        f" SELECT {root_start}id, ci_class FROM {items} WHERE id IN ({id_list})"
        " UNION"
        f" SELECT {root_step}{r}.impacted, {c}.ci_class FROM walk w {step}"
        ")"
    )


def _step(items: str, relations: str) -> tuple[str, str, str]:
    """The recursive step: the relations leaving the walk's item `w.id`, with the impacted
    item's name and class, as (FROM clause, relation alias, item alias). PostgreSQL cannot
    estimate a recursive query's size and then hashes the whole relation table at every
    step (measured: 1.9 s for 50 starting items over 300,000 relations); a LATERAL
    subquery with OFFSET 0 (which the planner does not flatten) makes each step an index
    lookup per item. SQLite has no LATERAL and needs none: it already walks item by item
    through the index."""
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL (SELECT r.cause, r.impacted, r.type, c.name, c.ci_class"  # noqa: S608
            f" FROM {relations} r JOIN {items} c ON c.id = r.impacted"
            " WHERE r.cause = w.id AND r.cause IS NOT NULL OFFSET 0) x",
            "x",
            "x",
        )
    # SQLite: a range (>= and <=) rather than "=", because with table statistics (ANALYZE)
    # SQLite 3.38+ builds a Bloom filter over the whole relation index at every step for an
    # equality lookup (measured: 40 ms for a one-item walk over 300,000 relations); a range
    # lookup uses the same index without it (1 ms).
    return (
        f"JOIN {relations} r ON r.cause >= w.id AND r.cause <= w.id AND r.cause IS NOT NULL"
        f" JOIN {items} c ON c.id = r.impacted",
        "r",
        "c",
    )


def _edges_cte(ids: list[int], max_rows: int | None = None) -> str:
    """`walk(cause, id, type, name, ci_class)`: every impact relation met walking from
    `ids`, each once (the starting items as rows without a cause), with the name and class
    of the impacted item. An item reached by several relations is expanded once per
    relation, but what it leads to is kept once (UNION), so cycles end too."""
    items = connection.ops.quote_name(ConfigurationItem._meta.db_table)
    relations = connection.ops.quote_name(Relation._meta.db_table)
    id_list = ", ".join(str(int(i)) for i in ids)
    step, r, c = _step(items, relations)
    return (
        "WITH RECURSIVE walk(cause, id, type, name, ci_class) AS ("  # noqa: S608 (no input)
        " SELECT CAST(NULL AS BIGINT), id, CAST(NULL AS VARCHAR(16)), name, ci_class"
        f" FROM {items} WHERE id IN ({id_list})"
        " UNION"
        f" SELECT {r}.cause, {r}.impacted, {r}.type, {c}.name, {c}.ci_class FROM walk w {step}"
        ") SELECT cause, id, type, name, ci_class FROM walk"
        + (f" LIMIT {int(max_rows)}" if max_rows else "")
    )


def _fetch(sql: str) -> list[tuple]:
    """Run an impact query. On PostgreSQL with just-in-time compilation off for it: the
    planner cannot estimate a recursive query's size, overestimates its cost, and then
    spends far longer compiling than running (measured: 640 ms of JIT for a 150 ms walk).
    `SET LOCAL` in the same statement string (one implicit transaction, one round trip);
    inside an outer transaction it lasts until that ends, which costs OLTP queries
    nothing."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(("SET LOCAL jit = off; " if postgresql else "") + sql)
        if postgresql:
            cursor.nextset()  # past the SET's empty result
        return cursor.fetchall()


@dataclass(frozen=True)
class ImpactEdge:
    cause: int  # when this item fails ...
    impacted: int  # ... this one is impacted
    type: str


@dataclass
class _Graph:
    roots: dict[int, tuple[str, str]]  # id: (name, class) of the starting items
    depths: dict[int, int]  # every impacted item (roots at 0): shortest distance
    labels: dict[int, tuple[str, str]]  # id: (name, class) of every item reached
    edges: list[ImpactEdge]  # every impact relation inside the impacted sub-graph
    complete: bool = True  # False when the walk stopped at `max_rows` relations


def _impact_graph(ids: list[int], max_rows: int | None = None) -> _Graph:
    """One query: the relations leaving every impacted item, with the name and class of
    the item at their impacted end; then the shortest distances by a breadth-first pass in
    Python (exact, whatever the cycles)."""
    sql = _edges_cte(ids, max_rows)
    rows = _fetch(sql)
    roots: dict[int, tuple[str, str]] = {}
    labels: dict[int, tuple[str, str]] = {}
    edges: list[ImpactEdge] = []
    out: dict[int, list[int]] = {}
    for cause, impacted, type_, name, ci_class in rows:
        if cause is None:
            roots[impacted] = labels[impacted] = (name, ci_class)
            continue
        labels[impacted] = (name, ci_class)
        edges.append(ImpactEdge(cause, impacted, type_))
        out.setdefault(cause, []).append(impacted)
    depths = dict.fromkeys(roots, 0)
    frontier = list(roots)
    while frontier:
        following = []
        for node in frontier:
            for nxt in out.get(node, ()):
                if nxt not in depths:
                    depths[nxt] = depths[node] + 1
                    following.append(nxt)
        frontier = following
    complete = max_rows is None or len(rows) < max_rows
    return _Graph(roots=roots, depths=depths, labels=labels, edges=edges, complete=complete)


def impact_depths(item_ids: Iterable[int | str]) -> dict[int, int]:
    """{item id: shortest distance} of every item impacted when `item_ids` fail, the
    starting items included at depth 0. No access check: callers check it."""
    ids = _clean_ids(item_ids)
    return _impact_graph(ids).depths if ids else {}


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
    with its distance, the impacted services, and the edges of the impact graph (for the
    diagram). Empty for actors who may not see the CMDB. Three queries."""
    ids = _clean_ids(item_ids)
    if not can_view(actor) or not ids:
        return Impact(rows=[], total=0, services=[], edges=[])
    graph = _impact_graph(ids, max_rows=GRAPH_ROWS_MAX)
    depths, labels = graph.depths, graph.labels
    others = sorted(
        (pk for pk in depths if pk not in graph.roots),
        key=lambda pk: (depths[pk], labels[pk][0].lower(), pk),
    )
    shown = others[:limit]
    if graph.complete:
        total = len(others)
        service_ids = [pk for pk in depths if labels[pk][1] in SERVICE_CLASSES]
    else:
        # A very large impact (e.g. a core switch): the nearest part of the graph is walked
        # for the list and the diagram (the walk is breadth-first), and the count and the
        # services by the lighter id-only walk.
        reached = _fetch(_walk_cte(ids) + " SELECT id, ci_class FROM walk")  # noqa: S608
        total = sum(1 for pk, _cls in reached if pk not in graph.roots)
        service_ids = [pk for pk, ci_class in reached if ci_class in SERVICE_CLASSES]
    loaded = ConfigurationItem.objects.select_related(*ITEM_RELATED).in_bulk(
        list({*shown, *service_ids})
    )
    services = sorted(
        (loaded[pk] for pk in service_ids if pk in loaded),
        key=lambda i: (depths.get(i.pk, MAX_DEPTH), i.name.lower(), i.pk),
    )
    nodes = set(graph.roots) | set(shown)
    return Impact(
        rows=[ImpactRow(item=loaded[pk], depth=depths[pk]) for pk in shown if pk in loaded],
        total=total,
        services=services,
        edges=[e for e in graph.edges if e.cause in nodes and e.impacted in nodes],
    )


def impacted_service_ids(item_ids: Iterable[int | str]) -> set[int]:
    """Ids of the services impacted when any of `item_ids` fails (a service given among
    `item_ids` counts: it is impacted by its own failure). One query, whatever the number
    of ids. No access check: for other domains' internal use (e.g. change conflicts)."""
    ids = _clean_ids(item_ids)
    if not ids:
        return set()
    classes = ", ".join(f"'{c}'" for c in SERVICE_CLASSES)
    services_sql = f" SELECT id FROM walk WHERE ci_class IN ({classes})"  # noqa: S608
    sql = _walk_cte(ids) + services_sql
    return {row[0] for row in _fetch(sql)}


def impacted_services(item_ids: Iterable[int | str]) -> QuerySet[ConfigurationItem]:
    """The services impacted when any of `item_ids` fails, as a queryset (sorted by name).
    No access check: for other domains' internal use."""
    return ConfigurationItem.objects.filter(pk__in=impacted_service_ids(item_ids)).order_by(
        "name", "id"
    )


def services_by_item(item_ids: Iterable[int | str]) -> dict[int, set[int]]:
    """{item id: ids of the services its failure impacts} for each of `item_ids`, in one
    query: what the change calendar needs to tell whether two changes touch CIs that serve
    a common service. Items that impact no service map to an empty set."""
    ids = _clean_ids(item_ids)
    if not ids:
        return {}
    classes = ", ".join(f"'{c}'" for c in SERVICE_CLASSES)
    services_sql = f" SELECT root, id FROM walk WHERE ci_class IN ({classes})"  # noqa: S608
    sql = _walk_cte(ids, with_root=True) + services_sql
    result: dict[int, set[int]] = {pk: set() for pk in ids}
    for root, service in _fetch(sql):
        result[root].add(service)
    return result


def items_related_q(item_ids: Iterable[int]) -> Q:
    """Relations touching any of `item_ids` (either end)."""
    ids = list(item_ids)
    return Q(source_id__in=ids) | Q(target_id__in=ids)
