"""Impact: the services and items that depend on a CI, transitively, on both databases."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction

from atiende.cmdb import graph, selectors
from atiende.cmdb.models import Relation

from .factories import ItemFactory, ServiceFactory, relate

pytestmark = pytest.mark.django_db


def names(items):
    return sorted(i.name for i in items)


def test_generated_columns_follow_the_direction_of_breakage(estate):
    dep = Relation.objects.get(source=estate["erp"], target=estate["erp_app"])
    assert (dep.cause, dep.impacted) == (estate["erp_app"].pk, estate["erp"].pk)
    part = Relation.objects.get(source=estate["disk1"])
    assert (part.cause, part.impacted) == (estate["disk1"].pk, estate["san1"].pk)
    link = Relation.objects.get(type="connected_to")
    assert (link.cause, link.impacted) == (None, None)


def test_a_host_impacts_everything_above_it_with_depths(agent, estate):
    impact = selectors.impacted_items(agent, [estate["host1"].pk])
    depths = {row.item.name: row.depth for row in impact.rows}
    assert depths == {"vm-1": 1, "erp-db": 1, "erp-app": 2, "ERP": 2}
    assert names(impact.services) == ["ERP"]
    assert impact.total == 4 and not impact.truncated
    # Edges of the diagram: every relation between the shown nodes, in breakage direction.
    assert {(e.cause, e.impacted) for e in impact.edges} == {
        (estate["host1"].pk, estate["vm1"].pk),
        (estate["host1"].pk, estate["erp_db"].pk),
        (estate["vm1"].pk, estate["erp_app"].pk),
        (estate["erp_app"].pk, estate["erp"].pk),
        (estate["erp_db"].pk, estate["erp"].pk),
    }


def test_part_of_impacts_the_whole_and_what_depends_on_it(estate):
    assert names(selectors.impacted_services([estate["disk1"].pk])) == ["ERP"]
    depths = selectors.impact_depths([estate["disk1"].pk])
    assert depths[estate["san1"].pk] == 1 and depths[estate["host1"].pk] == 2
    # The whole failing does not impact its parts.
    assert estate["disk1"].pk not in selectors.impact_depths([estate["san1"].pk])


def test_connected_to_is_not_followed(estate):
    assert selectors.impacted_service_ids([estate["switch1"].pk]) == set()


def test_a_service_is_impacted_by_its_own_failure_and_nothing_below(agent, estate):
    assert names(selectors.impacted_services([estate["erp"].pk])) == ["ERP"]
    impact = selectors.impacted_items(agent, [estate["erp"].pk])
    assert impact.rows == [] and names(impact.services) == ["ERP"]


def test_many_ids_in_one_query_once_the_graph_is_loaded(estate, django_assert_num_queries):
    graph.current()
    with django_assert_num_queries(1):  # is the graph in memory still current?
        ids = selectors.impacted_service_ids([estate["host1"].pk, estate["host2"].pk])
    assert ids == {estate["erp"].pk, estate["mail"].pk}


def test_services_by_item_tells_which_items_share_a_service(estate, django_assert_num_queries):
    graph.current()
    with django_assert_num_queries(1):
        by_item = selectors.services_by_item(
            [estate["vm1"].pk, estate["erp_db"].pk, estate["mail_app"].pk, estate["switch1"].pk]
        )
    erp, mail = estate["erp"].pk, estate["mail"].pk
    assert by_item == {
        estate["vm1"].pk: {erp},
        estate["erp_db"].pk: {erp},
        estate["mail_app"].pk: {mail},
        estate["switch1"].pk: set(),
    }


def test_cycles_terminate_and_report_the_shortest_distance(db):
    a, b, c = ItemFactory(name="a"), ItemFactory(name="b"), ItemFactory(name="c")
    service = ServiceFactory(name="S")
    relate(a, "depends_on", b)
    relate(b, "depends_on", c)
    relate(c, "depends_on", a)
    relate(service, "depends_on", a)
    depths = selectors.impact_depths([c.pk])
    assert depths == {c.pk: 0, b.pk: 1, a.pk: 2, service.pk: 3}


def test_long_chains_are_followed_to_the_end(db):
    chain = [ItemFactory(name=f"n{i:02d}") for i in range(30)]
    for lower, upper in itertools.pairwise(chain):
        relate(upper, "depends_on", lower)
    relate(chain[0], "depends_on", chain[-1])  # and back: a 30-item cycle
    depths = selectors.impact_depths([chain[0].pk])
    assert max(depths.values()) == 29 and len(depths) == 30


def test_a_diamond_counts_each_item_once_at_its_shortest_distance(db):
    base, left, right = ItemFactory(name="base"), ItemFactory(name="l"), ItemFactory(name="r")
    top = ServiceFactory(name="Top")
    relate(left, "runs_on", base)
    relate(right, "runs_on", base)
    relate(top, "depends_on", left)
    relate(top, "depends_on", right)
    relate(top, "depends_on", base)
    assert selectors.impact_depths([base.pk]) == {base.pk: 0, left.pk: 1, right.pk: 1, top.pk: 1}


def test_bad_and_unknown_ids_are_ignored(estate):
    assert selectors.impact_depths(["x", -1, 0, 2**70, 999_999]) == {}
    assert selectors.impacted_service_ids([]) == set()


def test_requesters_see_no_impact(requester, estate):
    impact = selectors.impacted_items(requester, [estate["host1"].pk])
    assert impact.rows == [] and impact.services == []


def test_truncation_keeps_the_nearest(agent, db):
    base = ItemFactory(name="base")
    for n in range(5):
        relate(ItemFactory(name=f"up-{n}"), "runs_on", base)
    impact = selectors.impacted_items(agent, [base.pk], limit=3)
    assert impact.total == 5 and impact.truncated
    assert [row.item.name for row in impact.rows] == ["up-0", "up-1", "up-2"]


def test_no_self_loops_and_no_duplicate_relations(db):
    a, b = ItemFactory(), ItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        relate(a, "depends_on", a)
    relate(a, "depends_on", b)
    with pytest.raises(IntegrityError), transaction.atomic():
        relate(a, "depends_on", b)
    relate(a, "connected_to", b)  # another type is another relation


def test_a_large_impact_lists_the_nearest_with_exact_count_and_every_service(agent, db):
    base = ItemFactory(name="core")
    hosts = [ItemFactory(name=f"host-{n}") for n in range(4)]
    for host in hosts:
        relate(host, "depends_on", base)
    apps = [ItemFactory(name=f"app-{n}", ci_class="application") for n in range(4)]
    for host, app in zip(hosts, apps, strict=True):
        relate(app, "runs_on", host)
    service = ServiceFactory(name="Far away")
    relate(service, "depends_on", apps[-1])
    impact = selectors.impacted_items(agent, [base.pk], limit=4)
    assert impact.total == 9 and impact.truncated
    assert [s.name for s in impact.services] == ["Far away"]
    assert [row.item.name for row in impact.rows][:4] == [f"host-{n}" for n in range(4)]
    assert all(row.depth == 1 for row in impact.rows[:4])


@pytest.mark.parametrize("width", [2, 30])
def test_impact_page_queries_do_not_grow_with_the_impact(
    agent, db, width, django_assert_num_queries
):
    base = ItemFactory(name="core")
    for n in range(width):
        app = ItemFactory(name=f"app-{n}", ci_class="application")
        relate(app, "runs_on", base)
        relate(ServiceFactory(name=f"S{n}"), "depends_on", app)
    graph.current()
    # version check, starting items, listed items, services (the edges come from memory)
    with django_assert_num_queries(4):
        impact = selectors.impacted_items(agent, [base.pk])
    assert impact.total == 2 * width and len(impact.services) == width
