"""Every definition of docs/metrics.md on the hand-computed data set (dataset.py): the
expected numbers are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.reports import aggregates, facts, selectors
from atiende.reports.models import TicketFact
from atiende.reports.selectors import Period

from ..factories import AgentFactory, add_to_team
from .conftest import at
from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

MARCH = Period(at(1, 0), at(1, 0, month=4))
NOW = at(9, 12)


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def run(actor, metric, dimension="all", **filters):
    return selectors.report(
        actor, metric=metric, dimension=dimension, period=MARCH, filters=filters, now=NOW
    )


def by_label(report):
    return {row.label: row for row in report.rows}


def test_stored_facts_equal_recomputation(data):
    ids = [t.pk for t in data.values()]
    wanted = facts.recompute(ids)
    for pk, row in TicketFact.objects.in_bulk(ids).items():
        assert {name: getattr(row, name) for name in wanted[pk]} == wanted[pk]


def test_counts_per_period_and_previous_period(data, manager, team, other_team):
    created = run(manager, "created", "team")
    # March: T1, T2, T3, T5 in team A; T4 was moved to team B and counts there.
    assert [(r.label, r.value) for r in created.rows] == [(team.name, 4), (other_team.name, 1)]
    # The previous period is the 31 days before 1 March: T6 (27 Feb), team A.
    assert by_label(created)[team.name].previous == 1
    assert by_label(created)[other_team.name].previous is None
    assert (created.total.value, created.total.previous) == (5, 1)
    # Resolved in March: T1, T2 (its last resolution), T3, T5; none closed.
    assert run(manager, "resolved").total.value == 4
    assert run(manager, "closed").total.value == 0


def test_backlog_and_age_buckets(data, manager):
    backlog = run(manager, "backlog", "age")
    # Open now (9 Mar 12:00): T4 (6 days 3 h) and T6 (10 days 2 h).
    assert [(r.key, r.value) for r in backlog.rows] == [("d3", 1), ("d7", 1)]
    assert backlog.total.value == 2


def test_first_response_time(data, manager):
    wall = run(manager, "first_response_wall").total
    # Replies: T1 after 30 min, T2 after 60 min, T3 after 30 min; T4 and T5 had none and are
    # not in the population. Sorted 1800, 1800, 3600: median (rank 2) 1800, p90 (rank 3) 3600.
    assert (wall.count, wall.value, wall.parts["p90"]) == (3, 1800, 3600)
    business = run(manager, "first_response_business").total
    # All three within office hours: the same in business time. T5's first-response clock
    # was met by resolving, which is no response: not counted.
    assert (business.count, business.value, business.parts["p90"]) == (3, 1800, 3600)


def test_resolution_time_wall_and_business(data, manager):
    wall = run(manager, "resolution_wall").total
    # T1 1 h; T2 4 h (created 10:00, last resolved 14:00, the reopen included); T3 67 h
    # (Fri 16:00 -> Mon 11:00); T5 3 h. Sorted 3600, 10800, 14400, 241200:
    # median (rank 2) 10800, p90 (rank ceil(3.6) = 4) 241200.
    assert (wall.count, wall.value, wall.parts["p90"]) == (4, 10800, 241200)
    business = run(manager, "resolution_business").total
    # T1 1 h; T2 3 h (10-12, then 13-14 after the reopen: the hour it stayed resolved is not
    # counted); T3 1 h 30 (Fri 16:00-16:30, pending over the weekend until Mon 10:00, then
    # 10-11); T5 3 h. Sorted 3600, 5400, 10800, 10800: median 5400, p90 10800.
    assert (business.count, business.value, business.parts["p90"]) == (4, 5400, 10800)


def test_sla_compliance_per_clock(data, manager):
    first = run(manager, "sla_first_response").total
    # T1, T2 (60 min, exactly the target), T3 met; T4 breached (no reply by 10:00); T5 met by
    # resolving after 3 h, over its target: breached. 3 / 5 decided = 60 %.
    assert (first.parts["met"], first.parts["breached"], first.parts["running"]) == (3, 2, 0)
    assert first.value == pytest.approx(60.0)
    resolution = run(manager, "sla_resolution").total
    # T1, T2, T3, T5 met; T4 still running (not decided: not in the rate).
    assert (resolution.parts["met"], resolution.parts["breached"]) == (4, 0)
    assert resolution.parts["running"] == 1
    assert resolution.value == pytest.approx(100.0)


def test_first_contact_resolution_reopen_rate_and_hops(data, manager):
    fcr = run(manager, "fcr").total
    # Resolved in March: T1 (1 reply), T3 (1 reply), T5 (no reply) on first contact; T2 was
    # reopened. 3 / 4.
    assert (fcr.count, fcr.parts["hits"], fcr.value) == (4, 3, 75.0)
    reopen = run(manager, "reopen_rate").total
    assert (reopen.count, reopen.parts["hits"], reopen.value) == (4, 1, 25.0)
    hops = run(manager, "reassignments").total
    # Created in March: 5 tickets, one hop (T4, A -> B): 0.2 hops per ticket.
    assert (hops.count, hops.parts["hops"], hops.parts["hits"]) == (5, 1, 1)
    assert hops.value == pytest.approx(0.2)


def test_an_agent_counts_only_the_tickets_they_may_see(data, other_team, team, manager):
    outsider = add_to_team(AgentFactory(username="bea"), other_team)
    # Bea sees team B's tickets only: T4.
    assert run(outsider, "created").total.value == 1
    assert run(outsider, "backlog").total.value == 1
    # A manager sees every ticket's numbers.
    assert run(manager, "created").total.value == 5


def test_filters_and_time_dimension(data, manager, other_team):
    assert run(manager, "created", team=other_team.pk).total.value == 1
    days = run(manager, "created", "day")
    assert [r.value for r in days.rows] == [2, 1, 1, 1]  # 2, 3, 4 and 6 March


def test_reconciliation_repairs_drift_and_is_idempotent(data, manager):
    t2 = data["t2"]
    TicketFact.objects.filter(pk=t2.pk).update(reopen_count=7, team_id=None)
    TicketFact.objects.filter(pk=data["t5"].pk).delete()
    ids = [t.pk for t in data.values()]
    assert facts.reconcile(ids) == 2
    assert facts.reconcile(ids) == 0
    assert TicketFact.objects.get(pk=t2.pk).reopen_count == 1
    # The fact deleted behind the deltas' back left its counts in the daily aggregates: the
    # job's other half, the days' rebuild from the facts, repairs them.
    assert aggregates.rebuild(date(2026, 1, 1), date(2026, 12, 31)) > 0
    assert run(manager, "created").total.value == 5


YEAR = Period(at(1, 0, month=4).replace(year=2025), at(1, 0, month=4))


@pytest.mark.parametrize(
    "metric", ["first_response_wall", "first_response_business", "resolution_wall",
               "resolution_business"],
)  # fmt: skip
def test_a_long_period_reads_the_duration_histograms(data, manager, metric):
    """Over more than EXACT_DURATION_DAYS the median and 90th percentile come from the
    histograms (docs/metrics.md, "Duration histograms"): the same counts as the facts, each
    figure in the bucket of the exact one (so within the documented error), and no fact
    read for the whole days."""
    from atiende.reports.models import BUCKET_EDGES, bucket_of

    exact = selectors.report(manager, metric=metric, dimension="team", period=YEAR,
                             now=NOW, use_daily=False)  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        approx = selectors.report(manager, metric=metric, dimension="team", period=YEAR, now=NOW)
    # Whole UTC days, a manager: no ragged end, no ticket outside their teams.
    assert not [q for q in queries if "reports_ticketfact" in q["sql"]]
    assert [(r.key, r.count) for r in approx.rows] == [(r.key, r.count) for r in exact.rows]
    assert approx.total.count == exact.total.count > 0
    for got, want in zip([*approx.rows, approx.total], [*exact.rows, exact.total], strict=True):
        for a, b in ((got.value, want.value), (got.parts["p90"], want.parts["p90"])):
            assert bucket_of(a) == bucket_of(b)
            k = bucket_of(b)
            assert BUCKET_EDGES[k] <= a < BUCKET_EDGES[k + 1]
    # First response (wall) over the year: 1,800, 1,800 and 3,600 s; exact median 1,800 s
    # (rank 2 of 3). Both 1,800 s fall in the bucket [1,705, 2,132) s, so rank 2 is the
    # second of its 2 counts, at (2 - 0 - ½) / 2 = ¾ of it geometrically:
    # 1,705 · (2,132 / 1,705)^¾ = 2,016 s (+12 %, within the +25 % / -20 % bound).
    if metric == "first_response_wall":
        assert (exact.total.value, approx.total.value) == (1800, 2016)
