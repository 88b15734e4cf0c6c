"""The impact graph, kept in process memory.

Impact ("what fails when this fails") is a walk over the relations' `cause -> impacted`
direction. Walking it in SQL costs one index lookup per item reached: fine for most CIs, but
a core switch that 75,000 items depend on took 1-2 s however the query was written. The
whole graph is small (100,000 items and 300,000 relations are about 20 MB as Python
dicts), changes rarely and is read often, so each process keeps it in memory and walks it
in Python (a breadth-first pass: tens of milliseconds for the whole estate).

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

from django.db import connection

from atiende.core import memo

from .models import SERVICE_CLASSES, ConfigurationItem, GraphVersion, Relation


@dataclass(frozen=True)
class ImpactGraph:
    version: int | None
    impacted_by: dict[int, tuple[int, ...]]  # cause: the items impacted when it fails
    services: frozenset[int]  # ids of the business and technical services

    def depths(self, roots: Iterable[int]) -> dict[int, int]:
        """{item: shortest distance} of everything impacted when `roots` fail, the roots
        at 0; in breadth-first order (nearest first, ties by id). Ends on cycles."""
        depths = dict.fromkeys(sorted(set(roots)), 0)
        frontier = list(depths)
        impacted_by, level = self.impacted_by, 0
        while frontier:
            level += 1
            following = []
            for node in frontier:
                for nxt in impacted_by.get(node, ()):
                    if nxt not in depths:
                        depths[nxt] = level
                        following.append(nxt)
            frontier = following
        return depths

    def impacted_services(self, roots: Iterable[int]) -> set[int]:
        """The services impacted when `roots` fail (a service among them counts)."""
        return set(self.services.intersection(self.depths(roots)))


def changed() -> None:
    """Record, in the caller's transaction, that the impact graph changed."""
    value = secrets.randbits(62)
    if not GraphVersion.objects.filter(pk=1).update(value=value):
        GraphVersion.objects.update_or_create(pk=1, defaults={"value": value})


def current() -> ImpactGraph:
    """The graph as the database has it now (one query when the copy in memory is current)."""
    version = GraphVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    held = _held.graph
    if held is not None and held.version == version:
        return held
    with _held.lock:  # one load at a time under `atiende run`'s threads
        held = _held.graph
        if held is None or held.version != version:
            held = _held.graph = _load(version)
        return held


def _load(version: int | None) -> ImpactGraph:
    # Read after the version: a change committed in between makes the next use reload.
    impacted_by: dict[int, list[int]] = {}
    relations = connection.ops.quote_name(Relation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cause, impacted FROM {relations} WHERE cause IS NOT NULL"  # noqa: S608
        )
        for cause, impacted in cursor.fetchall():
            impacted_by.setdefault(cause, []).append(impacted)
    services = ConfigurationItem.objects.filter(ci_class__in=SERVICE_CLASSES)
    return ImpactGraph(
        version=version,
        impacted_by={cause: tuple(items) for cause, items in impacted_by.items()},
        services=frozenset(services.values_list("pk", flat=True)),
    )


class _Held:
    def __init__(self) -> None:
        self.graph: ImpactGraph | None = None
        self.lock = threading.Lock()

    def forget(self) -> None:
        self.graph = None


_held = _Held()
memo.on_forget_all(_held.forget)  # tests: flushed tables
