"""The daily aggregates answer exactly what the facts answer: on random histories (create,
reply, reassign between teams, assign, resolve, reopen, close), every count and rate report
split by every dimension the aggregates hold, for a manager and for an agent who sees one
team plus a ticket of another team assigned to them, over periods cut at Madrid's and
Kathmandu's midnights (never UTC's) and at arbitrary instants, with filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.core.errors import DomainError
from atiende.reports import aggregates, daily, selectors
from atiende.reports.dashboards import selectors as dash
from atiende.reports.models import DURATIONS, DailyDuration, DailyFact, bucket_of
from atiende.reports.selectors import Period
from atiende.tickets import actions

from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

steps = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 1), st.sampled_from(["web", "email"])),
    st.tuples(st.just("reply"), st.integers(0, 5)),
    st.tuples(st.just("team"), st.integers(0, 5), st.integers(0, 1)),
    st.tuples(st.just("assign"), st.integers(0, 5)),
    st.tuples(st.just("to"), st.integers(0, 5),
              st.sampled_from(["resolved", "in_progress", "closed", "cancelled"])),
)  # fmt: skip
histories = st.lists(st.tuples(steps, st.integers(0, 30 * 60)), min_size=1, max_size=16)
METRICS = list(daily.COUNTS)
DIMENSIONS = list(daily.SPLITS)
DURATION_METRICS = list(DURATIONS)


class Rollback(Exception):
    pass


def _zeros(parts):
    return {k: v or 0 for k, v in parts.items()}  # a SUM over no rows is NULL


def _same(actor, period, **kwargs):
    for metric in METRICS:
        for dimension in DIMENSIONS:
            fast = selectors.report(actor, metric=metric, dimension=dimension, period=period,
                                    **kwargs)  # fmt: skip
            slow = selectors.report(actor, metric=metric, dimension=dimension, period=period,
                                    use_daily=False, **kwargs)  # fmt: skip
            got = [(r.key, r.count, r.value, _zeros(r.parts), r.previous) for r in fast.rows]
            want = [(r.key, r.count, r.value, _zeros(r.parts), r.previous) for r in slow.rows]
            assert got == want, (metric, dimension)
            assert (fast.total.count, fast.total.value, fast.total.previous) == (
                slow.total.count, slow.total.value, slow.total.previous,
            )  # fmt: skip
    for metric in DURATION_METRICS:
        for dimension in DIMENSIONS:
            fast = selectors.report(actor, metric=metric, dimension=dimension, period=period,
                                    **kwargs)  # fmt: skip
            slow = selectors.report(actor, metric=metric, dimension=dimension, period=period,
                                    use_daily=False, **kwargs)  # fmt: skip
            # The documented approximation (docs/metrics.md, "Duration histograms"): the
            # same rows and counts; each median and 90th percentile in the bucket of the
            # exact one (nearest rank over the facts), hence within its error bound.
            for got, want in zip([*fast.rows, fast.total], [*slow.rows, slow.total], strict=True):
                assert (got.key, got.count) == (want.key, want.count), (metric, dimension)
                for a, b in ((got.value, want.value), (got.parts.get("p90"), want.parts.get("p90")),
                             (got.previous, want.previous)):  # fmt: skip
                    assert (a is None) == (b is None), (metric, dimension)
                    if a is not None:
                        assert bucket_of(a) == bucket_of(b), (metric, dimension, a, b)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_aggregates_answer_what_the_facts_answer(
    history, committed, requester, agent, manager, admin_user, team, other_team
):
    teams = [team, other_team]
    try:
        with transaction.atomic():
            now = at(2, 20)
            tickets = []
            boss = admin_user
            with committed(now):
                # In the other team, requested by the agent: visible to them outside their team.
                tickets.append(make_ticket(agent, actor=boss, team_id=other_team.pk))
            for step, minutes in history:
                now += timedelta(minutes=minutes * 7)  # up to 3.5 days a step
                with committed(now):
                    _apply(step, tickets, teams, requester, agent, admin_user)
            assert DailyFact.objects.exists()
            for zone in ("Europe/Madrid", "Asia/Kathmandu"):
                with timezone.override(zone):
                    tz = timezone.get_current_timezone()
                    period = Period(
                        datetime(2026, 3, 3, tzinfo=tz), datetime(2026, 4, 20, tzinfo=tz)
                    )
                    _same(manager, period)
                    _same(agent, period)
                    _same(manager, period, filters={"team": other_team.pk})
                    _same(agent, period, filters={"channel": "web"})
                    for reader in (manager, agent):
                        _same_dashboard(reader, period)
            ragged = Period(datetime(2026, 3, 3, 7, 13, tzinfo=UTC),
                            datetime(2026, 3, 29, 15, 2, tzinfo=UTC))  # fmt: skip
            _same(manager, ragged)
            _same(agent, ragged)
            first, last = date(2026, 2, 1), date(2026, 6, 30)
            assert aggregates.rebuild(first, last) == 0
            # The histograms kept by deltas equal their recomputation from the facts, and the
            # set-based fill writes the same rows.
            kept = aggregates.stored_durations(first, last)
            assert kept == aggregates.recompute_durations(first, last)
            assert DailyDuration.objects.exists() == bool(kept)
            aggregates.fill_durations(first, last)
            assert aggregates.stored_durations(first, last) == kept
            raise Rollback
    except Rollback:
        pass


def _same_dashboard(actor, period):
    facts = selectors.facts_visible_to(actor)
    assert dash.kpis(facts, period, actor) == dash.kpis(facts, period)
    assert dash.flow(facts, period, actor) == dash.flow(facts, period)
    assert dash.top(facts, "category", period, actor) == dash.top(facts, "category", period)
    # Backlog and workload over the open facts' partial index (and, for agents, their open
    # facts outside their teams) equal the same panels over the visible facts.
    for now in (period.start, period.end, at(3, 20)):
        assert dash.backlog_by_age(facts, now, actor) == dash.backlog_by_age(facts, now)
    assert [vars(r) for r in dash.workload(facts, actor)] == [vars(r) for r in dash.workload(facts)]


def _apply(step, tickets, teams, requester, agent, boss):
    name, *args = step
    try:
        if name == "create":
            tickets.append(
                make_ticket(requester, actor=boss, team_id=teams[args[0]].pk, channel=args[1])
            )
            return
        ticket = tickets[args[0] % len(tickets)]
        if name == "reply":
            actions.comment_add(actor=boss, ticket_id=ticket.pk, body="Looking.")
        elif name == "team":
            actions.ticket_update(actor=boss, ticket_id=ticket.pk, version=None,
                                  changes={"team": teams[args[1]].pk})  # fmt: skip
        elif name == "assign":
            actions.ticket_update(actor=boss, ticket_id=ticket.pk, version=None,
                                  changes={"assignee": agent.pk})  # fmt: skip
        elif name == "to":
            extra = {}
            if args[1] == "resolved":
                extra = {"resolution_code": "solved", "resolution_notes": "Done."}
            actor = requester if args[1] == "closed" else boss
            actions.ticket_transition(actor=actor, ticket_id=ticket.pk, to=args[1], **extra)
    except DomainError:
        pass


def test_a_rolled_back_action_leaves_no_delta(committed, requester, manager):
    """The delta is written in the action's transaction: a crash (here a rollback) after it
    leaves neither the fact nor the counts."""
    with committed(at(3, 10)):
        make_ticket(requester)
    before = list(DailyFact.objects.values_list("dimension", "key", "created").order_by("id"))
    try:
        with transaction.atomic(), committed(at(3, 11)):
            make_ticket(requester)
            raise Rollback
    except Rollback:
        pass
    assert (
        list(DailyFact.objects.values_list("dimension", "key", "created").order_by("id")) == before
    )


def test_rebuild_repairs_drifted_and_missing_rows(committed, requester, manager):
    with committed(at(3, 10)):
        make_ticket(requester)
        make_ticket(requester)
    day = date(2026, 3, 3)
    want = aggregates.stored(day, day)
    DailyFact.objects.filter(dimension="kind").update(created=7)  # drift
    DailyFact.objects.filter(dimension="agent").delete()  # lost
    DailyFact.objects.create(day=day, team_id=999, dimension="channel", key="x", created=1)
    assert aggregates.rebuild(day, day) > 0
    assert aggregates.stored(day, day) == want
    assert aggregates.rebuild(day, day) == 0


def test_the_job_walks_the_days_back_and_wraps(committed, requester):
    from atiende.reports.actions import daily_reconcile_slice

    with committed(at(3, 10)):
        make_ticket(requester)
    DailyFact.objects.all().delete()  # lost (e.g. rows loaded in bulk, past the deltas)
    today = date(2026, 3, 20)
    assert daily_reconcile_slice(days=7, today=today) == 0  # 14..20 March
    assert daily_reconcile_slice(days=7, today=today) == 0  # 7..13
    assert daily_reconcile_slice(days=7, today=today) > 0  # 28 Feb..6 March: repaired
    assert aggregates.rebuild(date(2026, 3, 3), date(2026, 3, 3)) == 0
    assert daily_reconcile_slice(days=7, today=today) == 0  # past the oldest fact: wraps
    from atiende.reports.models import ReconcileCursor

    assert ReconcileCursor.objects.get(pk=1).daily_before == date(2026, 3, 14)


def test_open_work_reads_the_partial_index_condition():
    """The open-work queries filter by the partial index's own condition, literally (SQLite
    uses a partial index only then), and that condition is the open statuses."""
    from atiende.reports.models import OPEN_CONDITION, TicketFact
    from atiende.tickets.models import OPEN_STATUSES

    index = next(i for i in TicketFact._meta.indexes if i.name == "fact_open_work")
    assert index.condition == OPEN_CONDITION
    assert tuple(OPEN_CONDITION.children[0][1]) == tuple(OPEN_STATUSES)
    sql = daily._open_condition().sql
    assert sql.endswith("IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES)))
