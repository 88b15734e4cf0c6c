"""The notifications list with a million notifications: server time of the page, the API list
(page 1, a deep page by cursor, unread only) and the unread count, for one agent who holds a
few thousand of them among a million that belong to other people.

    ATIENDE_DATA_DIR=/tmp/notif .venv/bin/python bench/notifications_list.py [--total 1000000]
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_notif_bench \\
        .venv/bin/python bench/notifications_list.py --explain --write

Fills the configured database once (kept: a second run reuses it): `--tickets` tickets through
the actions, then `--total` notifications in bulk through core.bulk.insert (COPY on
PostgreSQL), `--mine` of them for bench-notif-viewer (half unread), the rest spread over
`--people` other users, all over one year. Then, as bench/run.py does: in-process requests
(Django's test Client; the API with a bearer token), two warm-up runs, median and 95th
percentile of --repeat runs, the number of queries; --explain prints each query's plan;
--write puts the table in docs/performance.md ("Notifications list", one table per database).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Notifications list (bench/notifications_list.py)"
VIEWER = "bench-notif-viewer"
VERBS = ("ticket_activity", "ticket_assigned", "requester_replied", "mentioned", "sla_warning")


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(total: int, mine: int, people: int, tickets: int) -> dict:
    """The data, once: answers its size and how long the load took."""
    from atiende.accounts.models import Role, Team, TeamMembership, User
    from atiende.core import bulk, clock
    from atiende.notifications.models import Notification
    from atiende.tickets import actions
    from atiende.tickets.models import Ticket

    viewer, _ = User.objects.get_or_create(
        username=VIEWER, defaults={"role": Role.AGENT, "email": "viewer@example.org"}
    )
    existing = Notification.objects.count()
    started = time.perf_counter()
    if existing < total:
        team, _ = Team.objects.get_or_create(name="Notifications bench")
        TeamMembership.objects.get_or_create(user=viewer, team=team)
        requester, _ = User.objects.get_or_create(username="bench-notif-requester")
        have = Ticket.objects.filter(team=team).count()
        for i in range(have, tickets):
            actions.ticket_create(
                actor=viewer, requester_id=requester.pk, title=f"Notifications bench {i}",
                description="The printer again.", team_id=team.pk,
            )  # fmt: skip
        ticket_ids = list(Ticket.objects.filter(team=team).values_list("pk", flat=True))
        others = list(
            User.objects.filter(username__startswith="bench-notif-other-").values_list(
                "pk", flat=True
            )
        )
        if len(others) < people:
            User.objects.bulk_create(
                User(username=f"bench-notif-other-{n:05}", role=Role.AGENT)
                for n in range(len(others), people)
            )
            others = list(
                User.objects.filter(username__startswith="bench-notif-other-").values_list(
                    "pk", flat=True
                )
            )
        rng = random.Random(13)
        now = clock.now()
        year = 365 * 24 * 3600
        rows = []
        todo = total - existing
        mine_left = max(0, mine - Notification.objects.filter(user=viewer).count())
        for i in range(todo):
            is_mine = mine_left > 0 and rng.random() < mine_left / (todo - i)
            if is_mine:
                mine_left -= 1
            created = now - timedelta(seconds=rng.random() * year)
            ticket_id = rng.choice(ticket_ids)
            read = None if (is_mine and rng.random() < 0.5) or rng.random() < 0.2 else created
            rows.append(
                (
                    viewer.pk if is_mine else rng.choice(others),
                    ticket_id,
                    rng.choice(VERBS),
                    {"number": f"INC-{ticket_id:06}", "actor": "Bench"},
                    created,
                    read,
                )
            )
            if len(rows) == 50_000:
                bulk.insert(Notification, ROW_FIELDS, rows)
                rows = []
        bulk.insert(Notification, ROW_FIELDS, rows)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does after a load this size (PostgreSQL 13+ vacuums on inserts): the
        # visibility map lets the unread count be an index-only scan (53 ms without it here).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "total": Notification.objects.count(),
        "mine": Notification.objects.filter(user=viewer).count(),
        "unread": Notification.objects.filter(user=viewer, read_at__isnull=True).count(),
        "load_s": time.perf_counter() - started,
        "loaded": existing < total,
    }


ROW_FIELDS = ("user_id", "ticket_id", "verb", "params", "created_at", "read_at")


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def measure(repeat: int, show_plans: bool) -> list[tuple[str, float, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from atiende.accounts.actions import api_token_create
    from atiende.accounts.models import User
    from atiende.notifications import selectors

    viewer = User.objects.get(username=VIEWER)
    client = Client()
    client.force_login(viewer)
    token = api_token_create(actor=viewer, user=viewer, name="notif-bench").secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # a deep page: follow the API's cursor 40 pages of 25 down
    url = "/api/v1/notifications?limit=25"
    for _ in range(40):
        url = api.get(url).json()["next"] or url
    deep = url
    scenarios = [
        ("page /notifications/", lambda: client.get("/notifications/")),
        ("API list, page 1", lambda: api.get("/api/v1/notifications")),
        ("API list, page 41 (cursor)", lambda: api.get(deep)),
        ("API list, unread only", lambda: api.get("/api/v1/notifications?unread=true")),
        ("unread count (selector)", lambda: selectors.unread_count(viewer)),
    ]
    results = []
    for name, run in scenarios:
        for _ in range(2):
            answer = run()
            status = getattr(answer, "status_code", 200)
            assert status == 200, (name, status)
        samples, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        with CaptureQueriesContext(connection) as captured:
            run()
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        results.append(
            (name, statistics.median(samples), p95, statistics.median(cpu),
             len(captured.captured_queries))
        )  # fmt: skip
        if show_plans:
            for query in captured.captured_queries:
                sql = query["sql"]
                if "notification" in sql and sql.lstrip().upper().startswith("SELECT"):
                    print(f"-- {name}\n{sql}\n{explain(sql)}\n")
    return results


def table(vendor: str, size: dict, results, repeat: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        f"### {vendor} ({when})",
        "",
        f"{size['total']:,} notifications, {size['mine']:,} of them the viewer's "
        f"({size['unread']:,} unread); {machine}; load average {os.getloadavg()[0]:.1f}; "
        f"median and p95 of {repeat} runs (wall time), median CPU time of this process, ms.",
        "",
        "| scenario | median | p95 | CPU | SQL |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {n} | {m:.1f} | {p:.1f} | {c:.1f} | {q} |" for n, m, p, c, q in results]
    return "\n".join(lines) + "\n"


def write(vendor: str, text: str) -> None:
    doc = DOC.read_text()
    if HEADING not in doc:
        doc = doc.replace("## How to re-run", f"{HEADING}\n\n## How to re-run", 1)
    start = doc.index(HEADING) + len(HEADING)
    end = doc.find("\n## ", start)
    section = doc[start:end]
    pattern = re.compile(rf"### {re.escape(vendor)} \(.*?(?=\n### |\Z)", re.S)
    section = pattern.sub("", section).rstrip("\n") + "\n\n" + text
    doc = doc[: doc.index(HEADING) + len(HEADING)] + section + doc[end:]
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--mine", type=int, default=5_000)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    setup()
    from django.db import connection

    size = fill(args.total, args.mine, args.people, args.tickets)
    if size["loaded"]:
        print(f"loaded {size['total']:,} notifications in {size['load_s']:.0f} s")
    results = measure(args.repeat, args.explain)
    text = table(connection.vendor, size, results, args.repeat)
    print(text)
    if args.write:
        write(connection.vendor, text)


if __name__ == "__main__":
    main()
