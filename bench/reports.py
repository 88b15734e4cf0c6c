"""Measure a 12-month report per dimension on data made by bench/generate.py, and what keeping
the ticket facts current adds to a ticket action.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_bench \\
        .venv/bin/python bench/reports.py --fill --repeat 15

--fill first computes the facts of every ticket that has none (bench/generate.py loads
tickets in bulk, past the subscribers that keep facts): the reconciliation's own code
(reports.facts.reconcile), in slices. Then, as bench-manager (every ticket, no join) and as
bench-agent (two teams: the access rule joins the ticket), each metric of --metrics split by
each dimension over the 12 months up to the newest ticket, through the selector
(reports.selectors.report: the report and the previous period, and the labels), and once
through the page (/desk/reports/). Median and 95th percentile of --repeat runs after two
warm-ups, like bench/run.py. --action-cost times ticket actions with and without the reports'
subscribers (which queue the ticket), and the background catch-up per ticket.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from atiende.accounts.models import User  # noqa: E402
from atiende.core import events  # noqa: E402
from atiende.reports import actions as reports_actions  # noqa: E402
from atiende.reports import facts, selectors, subscribers  # noqa: E402
from atiende.reports.models import PendingFact, TicketFact  # noqa: E402
from atiende.sla.events import ClocksMoved, SlaBreached  # noqa: E402
from atiende.tickets import actions  # noqa: E402
from atiende.tickets.events import (  # noqa: E402
    TicketCommented,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
)
from atiende.tickets.models import Ticket  # noqa: E402
from run import p95, timed  # noqa: E402

DIMENSIONS = ["all", "team", "agent", "category", "organization", "channel", "kind",
              "priority", "service", "month"]  # fmt: skip


def fill(slice_size: int = 5000) -> None:
    started = time.perf_counter()
    last = 0
    done = 0
    while True:
        ids = list(
            Ticket.objects.filter(pk__gt=last, fact__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:slice_size]
        )
        if not ids:
            break
        facts.reconcile(ids)
        done += len(ids)
        last = ids[-1]
        if done % 100_000 < slice_size:
            print(f"  facts: {done:,} in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"facts filled: {done:,} in {time.perf_counter() - started:.0f} s")


def daily_fill() -> None:
    """Build the daily aggregates from the facts (the reconciliation's own rebuild), a month
    of UTC days per transaction."""
    from datetime import date

    from django.db.models import Min

    from atiende.reports import aggregates

    started = time.perf_counter()
    first = TicketFact.objects.aggregate(m=Min("created_at"))["m"].date()
    last = date.today() + timedelta(days=1)
    day, written = first, 0
    while day <= last:
        end = min(day + timedelta(days=30), last)
        written += aggregates.rebuild(day, end)
        day = end + timedelta(days=1)
    print(f"daily aggregates built: {written:,} rows in {time.perf_counter() - started:.0f} s")


def durations_fill() -> None:
    """Build the duration histograms from the facts, set-based (aggregates.fill_durations:
    one INSERT … SELECT per metric and dimension), all days in one transaction."""
    from django.db.models import Max, Min

    from atiende.reports import aggregates

    started = time.perf_counter()
    span = TicketFact.objects.aggregate(first=Min("created_at"), last=Max("resolved_at"))
    last = max(span["last"] or span["first"], span["first"]).date() + timedelta(days=1)
    written = aggregates.fill_durations(span["first"].date(), last)
    print(f"duration histograms built: {written:,} rows in {time.perf_counter() - started:.0f} s")


def dashboards(args) -> None:
    """The manager dashboard (30 and 90 days) and the agent home, as the selectors and as
    the pages."""
    from atiende.reports.dashboards import selectors as dash

    manager = User.objects.get(username="bench-manager")
    agent = User.objects.get(username="bench-agent")
    print(f"  {'scenario':<52} {'median':>8} {'p95':>8} {'q':>3}")
    cases = [
        ("dashboard 30 days (manager)", lambda _i: dash.dashboard(manager, days=30)),
        ("dashboard 90 days (manager)", lambda _i: dash.dashboard(manager, days=90)),
        ("dashboard 30 days (agent, 2 teams)", lambda _i: dash.dashboard(agent, days=30)),
        ("dashboard 90 days (agent, 2 teams)", lambda _i: dash.dashboard(agent, days=90)),
        ("agent home (agent)", lambda _i: dash.agent_home(agent)),
    ]
    for name, run in cases:
        samples = timed(run, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            run(0)
        print(f"  {name:<52} {statistics.median(samples):8.1f} {p95(samples):8.1f} "
              f"{len(queries):3d}", flush=True)  # fmt: skip
    for who, actor, url in (("manager", manager, "/desk/reports/dashboard/"),
                            ("agent", agent, "/desk/reports/dashboard/"),
                            ("agent", agent, "/desk/home/")):  # fmt: skip
        client = Client()
        client.force_login(actor)
        samples = timed(lambda _i, c=client, u=url: c.get(u), args.repeat)
        name = f"page {url} ({who})"
        print(f"  {name:<52} {statistics.median(samples):8.1f} {p95(samples):8.1f}")


def measure(args) -> None:
    manager = User.objects.get(username="bench-manager")
    agent = User.objects.get(username="bench-agent")
    newest = TicketFact.objects.aggregate(m=Max("created_at"))["m"]
    period = selectors.Period(newest - timedelta(days=365), newest + timedelta(seconds=1))
    print(f"{Ticket.objects.count():,} tickets, {TicketFact.objects.count():,} facts, "
          f"{connection.vendor}; 12 months to {newest:%Y-%m-%d}")  # fmt: skip
    print(f"  {'scenario':<52} {'median':>8} {'p95':>8} {'q':>3}")
    for who, actor in (("manager", manager), ("agent", agent)):
        for metric in args.metrics.split(","):
            for dimension in args.dimensions.split(","):

                def run(_i, metric=metric, dimension=dimension, actor=actor):
                    return selectors.report(
                        actor, metric=metric, dimension=dimension, period=period
                    )

                samples = timed(run, args.repeat)
                with CaptureQueriesContext(connection) as queries:
                    run(0)
                name = f"{who}: {metric} by {dimension}"
                print(f"  {name:<52} {statistics.median(samples):8.1f} {p95(samples):8.1f} "
                      f"{len(queries):3d}", flush=True)  # fmt: skip
    client = Client()
    client.force_login(manager)
    params = {"metric": "created", "dimension": "team",
              "start": period.start.date().isoformat(), "end": newest.date().isoformat()}  # fmt: skip
    samples = timed(lambda _i: client.get("/desk/reports/", params), args.repeat)
    print(f"  {'page /desk/reports/ (manager, created by team)':<52} "
          f"{statistics.median(samples):8.1f} {p95(samples):8.1f}")  # fmt: skip


HANDLERS = [
    (TicketCreated, subscribers.queue_created),
    (TicketUpdated, subscribers.queue_updated),
    (TicketStatusChanged, subscribers.queue_status),
    (TicketCommented, subscribers.queue_commented),
    (ClocksMoved, subscribers.queue_clocks),
    (SlaBreached, subscribers.queue_breached),
]


def action_cost(repeat: int) -> None:
    """Create a ticket, reply to it, move its team and resolve it, with the reports'
    subscribers (each change queues its ticket) and without them (the actions' own cost,
    the SLA clocks' after-commit moves included both times). Then the background side: the
    catch-up that recomputes the queued tickets' facts and aggregates, per ticket."""
    agent = User.objects.get(username="bench-agent")
    team_ids = list(agent.teammembership_set.values_list("team_id", flat=True))

    def lifecycle(_i):
        t0 = time.perf_counter()
        ticket = actions.ticket_create(actor=agent, title="Bench ticket", team_id=team_ids[0],
                                       requester_id=agent.pk)  # fmt: skip
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On it.")
        actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                              changes={"team": team_ids[-1]})  # fmt: skip
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  resolution_code="solved", resolution_notes="Done.")  # fmt: skip
        return time.perf_counter() - t0

    def toggled(on: bool) -> float:
        if not on:
            for event, handler in HANDLERS:
                events.unsubscribe(event, handler)
        try:
            return lifecycle(0)
        finally:
            if not on:
                for event, handler in HANDLERS:
                    events.subscribe(event, in_transaction=True)(handler)

    # Alternated, pair by pair: a change of the machine's load hits both sides alike.
    reports_actions.facts_catch_up()
    for _ in range(3):
        toggled(True), toggled(False)
    with_queue, without = [], []
    queue_time: list[float] = []  # the queueing statements' own time, per lifecycle

    def queue_timer(execute, sql, params, many, context):
        if "reports_pendingfact" not in sql:
            return execute(sql, params, many, context)
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queue_time[-1] += time.perf_counter() - t0

    for _ in range(repeat):
        queue_time.append(0.0)
        with connection.execute_wrapper(queue_timer):
            with_queue.append(toggled(True) * 1000)
        without.append(toggled(False) * 1000)
    with CaptureQueriesContext(connection) as queries:
        toggled(True)
    queued_statements = sum("reports_pendingfact" in q["sql"] for q in queries.captured_queries)
    queued = PendingFact.objects.count()
    t0 = time.perf_counter()
    caught_up = reports_actions.facts_catch_up()
    catch_up_ms = (time.perf_counter() - t0) * 1000
    a, b = statistics.median(with_queue), statistics.median(without)
    paired = statistics.median(x - y for x, y in zip(with_queue, without, strict=True))
    print(f"4 ticket actions (create, reply, team, resolve), {repeat} alternated pairs: "
          f"{a:.1f} ms with the reports' subscribers, {b:.1f} ms without: "
          f"{(a - b) / 4:.2f} ms per action (median of pair differences: {paired / 4:.2f})")  # fmt: skip
    print(f"the queueing statements themselves: {queued_statements} per lifecycle, "
          f"{statistics.median(queue_time) * 1000 / 4:.2f} ms per action (median)")  # fmt: skip
    print(f"catch-up: {caught_up} queued tickets ({queued} rows) recomputed with their "
          f"aggregates in {catch_up_ms:.0f} ms: {catch_up_ms / max(caught_up, 1):.2f} ms per "
          f"ticket, in the background")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--metrics", default="created,resolution_wall,sla_resolution,fcr")
    parser.add_argument("--dimensions", default=",".join(DIMENSIONS))
    parser.add_argument("--action-cost", action="store_true")
    parser.add_argument("--daily-fill", action="store_true", help="build the daily aggregates")
    parser.add_argument(
        "--durations-fill", action="store_true", help="build the duration histograms"
    )
    parser.add_argument("--dashboards", action="store_true", help="time the dashboards too")
    parser.add_argument("--no-reports", action="store_true", help="skip the 12-month reports")
    args = parser.parse_args()
    if args.fill:
        fill()
    if args.daily_fill:
        daily_fill()
    if args.durations_fill:
        durations_fill()
    if args.dashboards:
        dashboards(args)
    if not args.no_reports:
        measure(args)
    if args.action_cost:
        action_cost(max(args.repeat, 20))


if __name__ == "__main__":
    main()
