"""Benchmark of the change calendar: the conflict check of one change, and the month calendar,
on 100,000 CIs, 300,000 relations and 100,000 scheduled changes.

    # SQLite
    ATIENDE_DATA_DIR=/tmp/atd-calendar-bench .venv/bin/python bench/changes_calendar.py
    # PostgreSQL (the database must exist: createdb -h 127.0.0.1 -U postgres atd_calendar_bench)
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atd_calendar_bench \\
        ATIENDE_DATA_DIR=/tmp/atd-calendar-bench-pg .venv/bin/python bench/changes_calendar.py

The first run migrates and generates the data (bulk: COPY on PostgreSQL, bulk_create on
SQLite), later runs only measure. The estate is layered like a real one: business services
depend on technical services and applications, applications on databases and run on VMs, VMs
run on servers, servers depend on storage; connected_to links to the network (not followed
by impact). Changes last 1 to 8 hours, touch 1 to 3 items, and are spread over 300 days
around the reference date, so a month holds about 10,000 of them. About 15% carry a stored
conflict (emulated; computing all 100,000 for real is the same check, 100,000 times).

Reports the median and 95th percentile of: the conflict check of one change
(`conflicts.compute`: range query + items + services of the items + blackouts), the same
through `check_schedule`, the month page (server time through the Django test client, i.e.
middleware, query and template rendering) for an agent who sees everything and for a team
agent, the week page, and the calendar API for the same month.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from atiende.accounts.models import Role, Team, TeamMembership, User  # noqa: E402
from atiende.changes import conflicts  # noqa: E402
from atiende.changes.models import (  # noqa: E402
    BlackoutWindow,
    ChangeConflict,
    ChangeDetails,
    ChangeFootprint,
    ChangeType,
)
from atiende.cmdb import graph  # noqa: E402
from atiende.cmdb.models import ConfigurationItem, Relation, TicketItem  # noqa: E402
from atiende.core import bulk  # noqa: E402
from atiende.tickets import numbering  # noqa: E402
from atiende.tickets.models import Kind, Status, Ticket  # noqa: E402

REFERENCE = datetime(2026, 12, 1, tzinfo=UTC)
SPREAD_DAYS = 300
CHUNK = 20_000

# Share of the CIs per class (the rest of the estate's shape follows from the relations).
CLASSES = [
    ("business_service", 0.004),
    ("technical_service", 0.006),
    ("application", 0.15),
    ("database", 0.05),
    ("virtual_machine", 0.35),
    ("server", 0.20),
    ("storage", 0.09),
    ("network_device", 0.15),
]


def now_ms() -> float:
    return time.perf_counter() * 1000


def full_rows(model, values: list[dict]) -> tuple[list[str], list[tuple]]:
    """Rows for core.bulk.insert with every stored column (defaults filled in), except the
    generated ones the database computes."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not getattr(f, "generated", False) and (f.attname in values[0] or not f.primary_key)
    ]
    names = [f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    return names, [tuple(v.get(n, defaults[n]) for n in names) for v in values]


def insert(model, values: list[dict]) -> None:
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        names, rows = full_rows(model, chunk)
        with transaction.atomic():
            bulk.insert(model, names, rows)


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequence(model) -> None:
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )


def generate(cis: int, relations: int, changes: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    teams = [Team.objects.get_or_create(name=f"Bench team {i}")[0] for i in range(10)]
    manager, _ = User.objects.get_or_create(
        username="bench-change-manager",
        defaults={"role": Role.MANAGER, "sees_all_tickets": True, "first_name": "Carmen"},
    )
    agent, _ = User.objects.get_or_create(
        username="bench-change-agent", defaults={"role": Role.AGENT, "first_name": "Ana"}
    )
    for team in teams[:2]:
        TeamMembership.objects.get_or_create(team=team, user=agent)

    # --- CIs ----------------------------------------------------------------------------------
    first = next_id(ConfigurationItem)
    ids: dict[str, list[int]] = {}
    values = []
    pk = first
    for ci_class, share in CLASSES:
        count = max(1, int(cis * share))
        ids[ci_class] = list(range(pk, pk + count))
        for n in range(count):
            values.append(
                {
                    "id": pk + n,
                    "name": f"{ci_class}-{pk + n:06d}",
                    "ci_class": ci_class,
                    "status": "active",
                    "environment": "production",
                    "owner_team_id": teams[(pk + n) % len(teams)].pk,
                    "attributes": {},
                    "created_at": REFERENCE,
                    "updated_at": REFERENCE,
                }
            )
        pk += count
    insert(ConfigurationItem, values)
    reset_sequence(ConfigurationItem)
    print(f"CIs: {len(values):,} ({time.perf_counter() - started:.0f} s)", flush=True)

    # --- relations ----------------------------------------------------------------------------
    edges: set[tuple[int, str, int]] = set()

    def link(sources: list[int], type_: str, targets: list[int], per: float) -> None:
        for source in sources:
            count = int(per) + (1 if rng.random() < per - int(per) else 0)
            for target in rng.sample(targets, min(count, len(targets))):
                if source != target:
                    edges.add((source, type_, target))

    biz, tech = ids["business_service"], ids["technical_service"]
    apps, dbs, vms = ids["application"], ids["database"], ids["virtual_machine"]
    servers, storage, network = ids["server"], ids["storage"], ids["network_device"]
    link(biz, "depends_on", tech, 3)
    services = biz + tech
    for app in apps:  # each application serves one or two services
        for service in rng.sample(services, rng.choice((1, 1, 2))):
            edges.add((service, "depends_on", app))
    link(apps, "depends_on", dbs, 1)
    link(apps, "runs_on", vms, 2)
    link(dbs, "runs_on", vms, 1)
    link(vms, "runs_on", servers, 1)
    link(servers, "depends_on", storage, 2)
    link(servers, "connected_to", network, 3)
    link(network, "connected_to", network, 2)
    link(vms, "connected_to", network, 2)
    chosen = list(edges)
    rng.shuffle(chosen)
    chosen = chosen[:relations]
    insert(
        Relation,
        [
            {"source_id": s, "type": t, "target_id": d, "created_at": REFERENCE}
            for s, t, d in chosen
        ],
    )
    graph.changed()  # as the actions do: processes reload the CMDB's impact graph
    print(f"relations: {len(chosen):,} ({time.perf_counter() - started:.0f} s)", flush=True)

    # --- changes ------------------------------------------------------------------------------
    first_ticket = next_id(Ticket)
    touched = apps * 3 + dbs * 2 + vms + servers * 2 + storage + network + services
    statuses = [Status.SCHEDULED] * 70 + [Status.AUTHORISATION] * 10 + [Status.CLOSED] * 10
    statuses += [Status.IMPLEMENTING] * 5 + [Status.CANCELLED] * 5
    types = [ChangeType.NORMAL] * 75 + [ChangeType.STANDARD] * 20 + [ChangeType.EMERGENCY] * 5
    tickets, details, items = [], [], []
    span = SPREAD_DAYS * 24 * 60
    for n in range(changes):
        pk = first_ticket + n
        start = (
            REFERENCE
            - timedelta(days=SPREAD_DAYS // 2)
            + timedelta(minutes=rng.randrange(0, span, 15))
        )
        end = start + timedelta(minutes=60 * rng.randint(1, 8))
        status = rng.choice(statuses)
        tickets.append(
            {
                "id": pk,
                "number": f"CHG-{9_000_000 + n:07d}",
                "kind": Kind.CHANGE,
                "title": f"Change {n}: {rng.choice(['Patch', 'Upgrade', 'Replace', 'Reboot'])} "
                f"{rng.choice(['ERP', 'mail', 'storage', 'network', 'VPN', 'web'])}",
                "status": status,
                "impact": 3,
                "urgency": 3,
                "priority": 5,
                "requester_id": manager.pk,
                "team_id": teams[n % len(teams)].pk,
                "created_at": start - timedelta(days=7),
                "updated_at": start - timedelta(days=1),
                "closed_at": end if status == Status.CLOSED else None,
            }
        )
        details.append(
            {
                "ticket_id": pk,
                "change_type": rng.choice(types),
                "planned_start": start,
                "planned_end": end,
                "risk_level": rng.choice(["low", "medium", "high"]),
            }
        )
        for item in set(rng.sample(touched, rng.randint(1, 3))):
            items.append({"ticket_id": pk, "item_id": item, "created_at": start})
    insert(Ticket, tickets)
    reset_sequence(Ticket)
    numbering.advance_to(Kind.CHANGE, 9_000_000 + changes)
    insert(ChangeDetails, details)
    insert(TicketItem, items)
    print(
        f"changes: {changes:,}, affected items: {len(items):,} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )

    # Stored conflicts (emulated for ~15% of the changes: a pair with a neighbour in time).
    conflict_rows = []
    for n in range(0, changes - 1, 13):
        a, b = first_ticket + n, first_ticket + n + 1
        for x, y in ((a, b), (b, a)):
            conflict_rows.append(
                {"change_id": x, "kind": "shared_service", "other_id": y,
                 "item_ids": [], "service_ids": [], "detected_at": REFERENCE}
            )  # fmt: skip
    insert(ChangeConflict, conflict_rows)
    # A few blackouts, mostly scoped to services.
    for n in range(12):
        starts_at = REFERENCE + timedelta(days=rng.randint(-150, 150))
        blackout = BlackoutWindow.objects.create(
            name=f"Freeze {n}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=rng.randint(1, 4)),
            created_at=REFERENCE,
        )
        if n % 4:
            blackout.items.set(rng.sample(services, 5))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def footprints() -> None:
    """Store every change's footprint, as recomputing their conflicts would (in chunks: one
    items query and one recursive walk per chunk)."""
    started = time.perf_counter()
    ids = list(ChangeDetails.objects.order_by("pk").values_list("ticket_id", flat=True))
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        prints = conflicts.walk_footprints(conflicts.items_by_change(chunk))
        with transaction.atomic():
            conflicts.save_footprints(prints, at=datetime.now(UTC))
    print(f"footprints: {len(ids):,} ({time.perf_counter() - started:.0f} s)", flush=True)


CPU: list[float] = []  # CPU time of this process per sample of the last timed() call


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and 95th percentile wall time (ms); CPU holds this process's CPU times (on
    SQLite the query runs in-process, so CPU time is what a busy machine cannot inflate)."""
    fn()  # warm
    samples = []
    CPU.clear()
    for _ in range(runs):
        c0 = time.process_time() * 1000
        t0 = now_ms()
        fn()
        samples.append(now_ms() - t0)
        CPU.append(time.process_time() * 1000 - c0)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def cpu() -> str:
    return f" (CPU median {statistics.median(CPU):.1f} ms)" if CPU else ""


def measure(runs: int) -> None:
    rng = random.Random(11)
    print(
        f"database: {connection.vendor}; CIs {ConfigurationItem.objects.count():,}, relations "
        f"{Relation.objects.count():,}, changes {ChangeDetails.objects.count():,}, "
        f"affected items {TicketItem.objects.count():,}",
        flush=True,
    )
    month_start, month_end = REFERENCE, datetime(2027, 1, 1, tzinfo=UTC)
    in_month = list(
        ChangeDetails.objects.filter(
            planned_start__gte=month_start,
            planned_start__lt=month_end,
            ticket__status=Status.SCHEDULED,
        ).values_list("ticket_id", "planned_start", "planned_end")[:2000]
    )
    month_count = ChangeDetails.objects.filter(
        planned_start__lt=month_end + timedelta(days=3),
        planned_end__gt=month_start - timedelta(days=1),
    ).count()
    print(f"changes in the December 2026 grid: {month_count:,}", flush=True)
    samples = rng.sample(in_month, min(runs, len(in_month)))
    found: list[int] = []
    it = iter(samples * 3)

    def conflict_check() -> None:
        ticket_id, start, end = next(it)
        found.append(len(conflicts.compute(ticket_id, start, end)))

    median, p95 = timed(conflict_check, runs)
    print(
        f"conflict check of one change (conflicts.compute): median {median:.1f} ms, "
        f"p95 {p95:.1f} ms{cpu()}; conflicts found per change: median "
        f"{statistics.median(found):.0f}",
        flush=True,
    )
    details = {
        d.ticket_id: d for d in ChangeDetails.objects.filter(ticket_id__in=[s[0] for s in samples])
    }
    it2 = iter(samples * 3)

    def schedule_check() -> None:
        ticket_id, start, end = next(it2)
        change = details[ticket_id]
        change.change_type = ChangeType.EMERGENCY  # never refused by a blackout
        conflicts.check_schedule(change, start, end, record=False)

    median, p95 = timed(schedule_check, runs)
    print(f"check_schedule (no write): median {median:.1f} ms, p95 {p95:.1f} ms{cpu()}", flush=True)

    manager = User.objects.get(username="bench-change-manager")
    agent = User.objects.get(username="bench-change-agent")
    for who in (manager, agent):
        client = Client()
        client.force_login(who)

        def month_page(client=client) -> None:
            response = client.get("/changes/calendar/", {"view": "month", "date": "2026-12-01"})
            assert response.status_code == 200, response.status_code

        median, p95 = timed(month_page, max(5, runs // 4))
        print(
            f"month page ({who.username}): median {median:.0f} ms, p95 {p95:.0f} ms{cpu()}",
            flush=True,
        )

        def week_page(client=client) -> None:
            response = client.get("/changes/calendar/", {"view": "week", "date": "2026-12-09"})
            assert response.status_code == 200

        median, p95 = timed(week_page, max(5, runs // 4))
        print(
            f"week page ({who.username}): median {median:.0f} ms, p95 {p95:.0f} ms{cpu()}",
            flush=True,
        )

    client = Client()
    client.force_login(manager)

    def month_api() -> None:
        response = client.get(
            "/api/v1/changes/calendar",
            {"start": "2026-12-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
        )
        assert response.status_code == 200

    median, p95 = timed(month_api, max(5, runs // 4))
    print(f"calendar API, one month: median {median:.0f} ms, p95 {p95:.0f} ms{cpu()}", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=300_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not ChangeDetails.objects.exists():
        generate(args.cis, args.relations, args.changes)
    if not ChangeFootprint.objects.exists():
        footprints()
    measure(args.runs)


if __name__ == "__main__":
    main()
