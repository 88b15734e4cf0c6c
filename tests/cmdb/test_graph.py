"""The impact graph each process keeps in memory follows every change to what impact depends
on (committed by anyone), and never a change that rolled back."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.cmdb import actions, graph, selectors
from atiende.cmdb.models import GraphVersion

from .factories import ItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _held_version():
    return graph._held.graph.version if graph._held.graph else None


def test_a_relation_added_or_removed_shows_in_the_next_answer(manager):
    app, service = ItemFactory(ci_class="application"), ServiceFactory(name="Payroll")
    assert selectors.impacted_service_ids([app.pk]) == set()
    relation = actions.relation_add(
        actor=manager, source_id=service.pk, type="depends_on", target_id=app.pk
    )
    assert selectors.impacted_service_ids([app.pk]) == {service.pk}
    actions.relation_remove(actor=manager, relation_id=relation.pk)
    assert selectors.impacted_service_ids([app.pk]) == set()


def test_an_item_becoming_a_service_or_deleted_shows_in_the_next_answer(manager):
    app, host = ItemFactory(ci_class="application"), ItemFactory()
    actions.relation_add(actor=manager, source_id=app.pk, type="runs_on", target_id=host.pk)
    assert selectors.impacted_service_ids([host.pk]) == set()
    actions.item_update(actor=manager, item_id=app.pk, changes={"ci_class": "technical_service"})
    assert selectors.impacted_service_ids([host.pk]) == {app.pk}
    actions.item_delete(actor=manager, item_id=app.pk)
    assert selectors.impact_depths([host.pk]) == {host.pk: 0}


def test_another_process_change_is_seen_through_the_version(manager):
    app, service = ItemFactory(ci_class="application"), ServiceFactory()
    graph.current()
    # Another process: writes the relation and a new version; this process' copy is older.
    from atiende.cmdb.models import Relation
    from atiende.core import clock

    Relation.objects.create(source=service, type="depends_on", target=app, created_at=clock.now())
    assert selectors.impacted_service_ids([app.pk]) == set()  # nobody said it changed
    GraphVersion.objects.filter(pk=1).update(value=12345)
    assert selectors.impacted_service_ids([app.pk]) == {service.pk}
    assert _held_version() == 12345


def test_a_change_that_rolled_back_is_not_kept(manager):
    app, service = ItemFactory(ci_class="application"), ServiceFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.relation_add(
            actor=manager, source_id=service.pk, type="depends_on", target_id=app.pk
        )
        # read inside the transaction: the graph held now includes the uncommitted relation
        assert selectors.impacted_service_ids([app.pk]) == {service.pk}
        raise RuntimeError
    assert selectors.impacted_service_ids([app.pk]) == set()


def test_unknown_ids_impact_nothing(db):
    assert selectors.impact_depths([999_999]) == {}
    assert selectors.impacted_service_ids([999_999]) == set()


def _reference_depths(pairs, roots):
    """Shortest distances by the textbook breadth-first search."""
    out: dict[int, list[int]] = {}
    for cause, impacted in pairs:
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
    return depths


@settings(max_examples=200)
@given(
    pairs=st.lists(
        st.tuples(st.integers(1, 40), st.integers(1, 40)).filter(lambda p: p[0] != p[1]),
        max_size=120,
        unique=True,
    ),
    roots=st.sets(st.integers(1, 45), min_size=1, max_size=4),
    services=st.frozensets(st.integers(1, 45), max_size=10),
)
def test_the_walk_matches_a_textbook_search_on_any_graph(pairs, roots, services):
    """Cycles, self-reaching roots, roots in no relation, services anywhere."""
    impact_graph = graph.build(None, np.array(pairs, dtype=np.int64).reshape(-1, 2), services)
    expected = _reference_depths(pairs, roots)
    assert impact_graph.depths(roots) == expected
    assert impact_graph.impacted_services(roots) == services & set(expected)
    reach = impact_graph.reach(roots)
    order = list(zip(reach.depths.tolist(), reach.ids.tolist(), strict=True))
    assert order[len(roots) :] == sorted(order[len(roots) :])  # nearest first, then by id
    nodes = set(list(expected)[:7])
    first_type = graph.RELATION_TYPES[0]
    assert impact_graph.edges_between(nodes) == sorted(
        (c, i, first_type) for c, i in pairs if c in nodes and i in nodes
    )
