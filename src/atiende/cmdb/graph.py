"""The impact graph, kept in process memory.

Impact ("what fails when this fails") is a walk over the relations' `cause -> impacted`
direction. Walking it in SQL costs one index lookup per item reached: fine for most CIs, but
a core switch that 75,000 items depend on took 1-2 s however the query was written. The
whole graph is small (100,000 items and 300,000 relations are about 4 MB as NumPy arrays),
changes rarely and is read often, so each process keeps it in memory and walks it there
(breadth-first, a level at a time: a few milliseconds for the whole estate).

Freshness: every change to what impact depends on (a relation added or removed, an item
created, deleted or turned into or out of a service) writes a new random `GraphVersion`
value in its own transaction (`changed()`, called by actions.py). Each use reads that value
(one primary-key query) and reloads the graph when it differs from the one loaded. A random
value, not a counter: a change that rolls back can never be mistaken for another process's
committed change.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection

from atiende.core import memo

from .models import SERVICE_CLASSES, ConfigurationItem, GraphVersion, Relation, RelationType

RELATION_TYPES: tuple[str, ...] = tuple(RelationType.values)


@dataclass(frozen=True)
class Reach:
    """Everything impacted when some items fail, the failing items included at depth 0:
    parallel arrays, nearest first and by id within a distance."""

    ids: np.ndarray
    depths: np.ndarray
    is_service: np.ndarray  # bool


@dataclass(frozen=True)
class ImpactGraph:
    """The `cause -> impacted` relations as a compressed adjacency (CSR): the items that
    appear in a relation, sorted (`ids`), and for the item at index i the indexes of the
    items its failure impacts, `targets[offsets[i]:offsets[i + 1]]`. About 12 bytes per
    relation; the walk runs level by level in NumPy (a core switch that 75,000 items depend
    on: a few milliseconds, against 60 ms item by item in Python)."""

    version: int | None
    ids: np.ndarray  # int64, sorted
    offsets: np.ndarray  # int64, len(ids) + 1
    targets: np.ndarray  # int64 indexes into ids
    kinds: np.ndarray  # int8, aligned with targets: the relation's type (RELATION_TYPES)
    service_mask: np.ndarray  # bool, aligned with ids
    services: frozenset[int]  # every service's id (also those in no relation)

    def reach(self, roots: Iterable[int]) -> Reach:
        """Breadth-first from `roots`. Ends on cycles: each item is met once, at its
        shortest distance."""
        start = np.array(sorted(set(roots)), dtype=np.int64)
        ids, n = self.ids, len(self.ids)
        at = np.searchsorted(ids, start)
        known = (at < n) & (ids[np.minimum(at, n - 1)] == start) if n else at < 0
        seen = np.zeros(n, dtype=bool)
        frontier = at[known]
        seen[frontier] = True
        levels = [frontier]  # each sorted by id (np.unique sorts): the result needs no sort
        while frontier.size:
            begins = self.offsets[frontier]
            counts = self.offsets[frontier + 1] - begins
            total = int(counts.sum())
            if not total:
                break
            # the targets of every frontier item, gathered in one indexing operation
            slots = np.repeat(begins - np.cumsum(counts) + counts, counts) + np.arange(total)
            found = self.targets[slots]
            frontier = np.unique(found[~seen[found]])
            seen[frontier] = True
            levels.append(frontier)
        reached = np.concatenate(levels)
        depths = np.repeat(np.arange(len(levels), dtype=np.int32), [len(lv) for lv in levels])
        alone = start[~known]  # roots in no relation: impacted by their own failure only
        if not alone.size:
            return Reach(ids=ids[reached], depths=depths, is_service=self.service_mask[reached])
        return Reach(
            ids=np.concatenate([alone, ids[reached]]),
            depths=np.concatenate([np.zeros(len(alone), np.int32), depths]),
            is_service=np.concatenate(
                [np.isin(alone, list(self.services)), self.service_mask[reached]]
            ),
        )

    def edges_between(self, items: Iterable[int]) -> list[tuple[int, int, str]]:
        """(cause, impacted, type) of every impact relation between two of `items`, sorted:
        the impact diagram's edges, without a query."""
        wanted = np.array(sorted(set(items)), dtype=np.int64)
        ids, n = self.ids, len(self.ids)
        if not n or not wanted.size:
            return []
        at = np.searchsorted(ids, wanted)
        at = at[(at < n) & (ids[np.minimum(at, n - 1)] == wanted)]
        inside = np.zeros(n, dtype=bool)
        inside[at] = True
        begins = self.offsets[at]
        counts = self.offsets[at + 1] - begins
        slots = np.repeat(begins - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        causes, impacted = np.repeat(at, counts), self.targets[slots]
        keep = inside[impacted]
        return sorted(
            zip(
                ids[causes[keep]].tolist(),
                ids[impacted[keep]].tolist(),
                [RELATION_TYPES[k] for k in self.kinds[slots[keep]].tolist()],
                strict=True,
            )
        )

    def depths(self, roots: Iterable[int]) -> dict[int, int]:
        """{item: shortest distance} of everything impacted when `roots` fail, the roots
        at 0, nearest first."""
        reach = self.reach(roots)
        return dict(zip(reach.ids.tolist(), reach.depths.tolist(), strict=True))

    def impacted_services(self, roots: Iterable[int]) -> set[int]:
        """The services impacted when `roots` fail (a service among them counts)."""
        reach = self.reach(roots)
        return set(reach.ids[reach.is_service].tolist())


def changed() -> None:
    """Record, in the caller's transaction, that the impact graph changed."""
    value = secrets.randbits(62)
    if not GraphVersion.objects.filter(pk=1).update(value=value):
        GraphVersion.objects.update_or_create(pk=1, defaults={"value": value})


def current() -> ImpactGraph:
    """The graph as the database has it now (one query when the copy in memory is current)."""
    with connection.cursor() as cursor:  # on every use: plain SQL, no ORM compile
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    version = row[0] if row else None
    held = _held.graph
    if held is not None and held.version == version:
        return held
    with _held.lock:  # one load at a time under `atiende run`'s threads
        held = _held.graph
        if held is None or held.version != version:
            held = _held.graph = _load(version)
        return held


_VERSION_SQL = f"SELECT value FROM {GraphVersion._meta.db_table} WHERE id = 1"  # noqa: S608


def _load(version: int | None) -> ImpactGraph:
    # Read after the version: a change committed in between makes the next use reload.
    relations = connection.ops.quote_name(Relation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cause, impacted, type FROM {relations} WHERE cause IS NOT NULL"  # noqa: S608
        )
        rows = cursor.fetchall()
    code = {name: i for i, name in enumerate(RELATION_TYPES)}
    pairs = np.array([row[:2] for row in rows], dtype=np.int64).reshape(-1, 2)
    kinds = np.array([code[row[2]] for row in rows], dtype=np.int8)
    services = frozenset(
        ConfigurationItem.objects.filter(ci_class__in=SERVICE_CLASSES).values_list("pk", flat=True)
    )
    return build(version, pairs, services, kinds)


def build(
    version: int | None,
    pairs: np.ndarray,
    services: frozenset[int],
    kinds: np.ndarray | None = None,
) -> ImpactGraph:
    """The graph of `(cause, impacted)` pairs (an n x 2 array of item ids) whose relation
    types are `kinds` (codes into RELATION_TYPES; the first type when not given)."""
    ids = np.unique(pairs)
    causes = np.searchsorted(ids, pairs[:, 0])
    impacted = np.searchsorted(ids, pairs[:, 1])
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.add.at(offsets, causes + 1, 1)
    order = np.argsort(causes, kind="stable")
    if kinds is None:
        kinds = np.zeros(len(pairs), dtype=np.int8)
    return ImpactGraph(
        version=version,
        ids=ids,
        offsets=np.cumsum(offsets),
        targets=impacted[order],
        kinds=kinds[order],
        service_mask=np.isin(ids, list(services)),
        services=services,
    )


class _Held:
    def __init__(self) -> None:
        self.graph: ImpactGraph | None = None
        self.lock = threading.Lock()

    def forget(self) -> None:
        self.graph = None


_held = _Held()
memo.on_forget_all(_held.forget)  # tests: flushed tables
