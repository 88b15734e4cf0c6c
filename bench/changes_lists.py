"""Benchmark of the change records: the change list (page and API), "My approvals" (page and
API), one change page and the change metrics, on 100,000 changes with 60,000 approvals.

    # SQLite
    ATIENDE_DATA_DIR=/tmp/atd-changes-bench .venv/bin/python bench/changes_lists.py
    # PostgreSQL (createdb -h 127.0.0.1 -U postgres atd_changes_bench)
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atd_changes_bench \\
        ATIENDE_DATA_DIR=/tmp/atd-changes-bench-pg .venv/bin/python bench/changes_lists.py

The first run migrates and generates (bulk: COPY on PostgreSQL); later runs only measure.
Changes are spread over ten teams and all lifecycle states (a third open); one approver (the
measured one) has 2,000 approvals, 300 of them pending, among 60,000. Server time through the
Django test client (middleware, queries, template or JSON), median and 95th percentile. The
list page caches its metrics block for five minutes per user: the change_metrics lines give
the uncached cost.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
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
from atiende.changes import selectors  # noqa: E402
from atiende.changes.models import Approval, ApprovalPolicy, ChangeDetails  # noqa: E402
from atiende.core import bulk, clock  # noqa: E402
from atiende.tickets import numbering  # noqa: E402
from atiende.tickets.models import Kind, Ticket  # noqa: E402

CHUNK = 20_000
STATES = [
    ("new", 0.08), ("assessment", 0.08), ("authorisation", 0.06), ("scheduled", 0.1),
    ("implementing", 0.01), ("review", 0.02), ("closed", 0.55), ("rejected", 0.03),
    ("cancelled", 0.05), ("failed", 0.02),
]  # fmt: skip


def now_ms() -> float:
    return time.perf_counter() * 1000


def insert(model, fields: list[str], rows: list[tuple]) -> None:
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            bulk.insert(model, fields, rows[start : start + CHUNK])


def generate(changes: int, approvals: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    teams = [Team.objects.get_or_create(name=f"Bench team {i}")[0] for i in range(10)]
    people = []
    for i in range(30):
        user, _ = User.objects.get_or_create(
            username=f"bench-agent-{i}", defaults={"role": Role.AGENT, "first_name": f"A{i}"}
        )
        TeamMembership.objects.get_or_create(user=user, team=teams[i % 10])
        people.append(user)
    User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    now = clock.now()
    start_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    states = [s for s, _w in STATES]
    weights = [w for _s, w in STATES]
    tickets, details = [], []
    for n in range(changes):
        pk = start_id + n
        created = now - timedelta(minutes=rng.randint(0, 400 * 24 * 60))
        updated = created + timedelta(minutes=rng.randint(0, 20 * 24 * 60))
        status = rng.choices(states, weights)[0]
        requester = rng.choice(people)
        team = teams[rng.randrange(10)]
        tickets.append((
            pk, f"CHG-{pk:07d}", Kind.CHANGE, f"Change {n} on the platform", "", status, "web",
            "", 3, 3, 5, requester.pk, None, None, team.pk, None, "", "", created,
            min(updated, now), None, None, 1,
        ))  # fmt: skip
        ctype = rng.choices(["standard", "normal", "emergency"], [0.4, 0.52, 0.08])[0]
        start = created + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 23))
        reviewed = status == "closed"
        details.append((
            pk, ctype, None, "Reason", "Plan", "Backout", "Tests", start,
            start + timedelta(hours=rng.randint(1, 8)), None, None, rng.choice(people).pk,
            rng.choice(["low", "medium", "high"]), rng.randint(0, 18), created,
            rng.choices(["success", "partial", "failure"], [0.85, 0.1, 0.05])[0]
            if reviewed else "",
            "", start + timedelta(days=1) if reviewed else None,
        ))  # fmt: skip
    insert(
        Ticket,
        ["id", "number", "kind", "title", "description", "status", "channel",
         "pending_reason", "impact", "urgency", "priority", "requester_id", "organization_id",
         "assignee_id", "team_id", "category_id", "resolution_code", "resolution_notes",
         "created_at", "updated_at", "resolved_at", "closed_at", "version"],
        tickets,
    )  # fmt: skip
    insert(
        ChangeDetails,
        ["ticket_id", "change_type", "template_id", "reason", "implementation_plan",
         "backout_plan", "test_plan", "planned_start", "planned_end", "actual_start",
         "actual_end", "implementer_id", "risk_level", "risk_score", "risk_assessed_at",
         "review_outcome", "review_notes", "reviewed_at"],
        details,
    )  # fmt: skip
    numbering.advance_to(Kind.CHANGE, start_id + changes)
    policy = ApprovalPolicy.objects.select_related("board").order_by("pk").first()
    approver = people[0]
    rows = []
    for n in range(approvals):
        who = approver if n < 2000 else rng.choice(people[1:])
        pending = n < 300 or (n >= 2000 and rng.random() < 0.1)
        rows.append((
            # (n * 7919) % changes: distinct changes, so one pending row per change and approver
            start_id + (n * 7919) % changes, policy.pk, policy.board_id, who.pk,
            "pending" if pending else rng.choice(["approved", "approved", "rejected"]),
            "", now - timedelta(minutes=rng.randint(0, 400 * 24 * 60)), None,
        ))  # fmt: skip
    insert(
        Approval,
        ["change_id", "policy_id", "board_id", "approver_id", "status", "comment",
         "created_at", "decided_at"],
        rows,
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), "
                "(SELECT MAX(id) FROM tickets_ticket))"
            )
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated {changes:,} changes, {approvals:,} approvals in "
          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip


def timed(fn, runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        t0 = now_ms()
        fn()
        samples.append(now_ms() - t0)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def measure(runs: int) -> None:
    approver = User.objects.get(username="bench-agent-0")
    admin = User.objects.get(username="bench-admin")
    one = Ticket.objects.filter(kind=Kind.CHANGE, status="authorisation").order_by("pk").first()
    print(
        f"database: {connection.vendor}; changes {ChangeDetails.objects.count():,}, approvals "
        f"{Approval.objects.count():,}; runs {runs}"
    )

    def client(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    team_agent, all_agent = client(approver), client(admin)
    cases = [
        ("change list page, team agent (open)", lambda: team_agent.get("/changes/")),
        ("change list page, sees all (open)", lambda: all_agent.get("/changes/")),
        ("change list page, type+risk filter", lambda: all_agent.get(
            "/changes/", {"type": "normal", "risk": "high", "status": "closed"})),
        ("API GET /changes (25), sees all", lambda: all_agent.get("/api/v1/changes")),
        ("My approvals page (300 pending)", lambda: team_agent.get("/changes/approvals/")),
        ("API GET /approvals (25)", lambda: team_agent.get("/api/v1/approvals")),
        ("change page", lambda: all_agent.get(f"/changes/{one.number}/")),
        ("change_metrics, 90 days, sees all", lambda: selectors.change_metrics(
            admin, (clock.now() - timedelta(days=90), clock.now()))),
        ("change_metrics, 90 days, team agent", lambda: selectors.change_metrics(
            approver, (clock.now() - timedelta(days=90), clock.now()))),
    ]  # fmt: skip
    for name, fn in cases:
        response = fn()
        status = getattr(response, "status_code", 200)
        assert status == 200, (name, status)
        median, p95 = timed(fn, runs)
        print(f"  {name:<40} median {median:7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--approvals", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not ChangeDetails.objects.exists():
        generate(args.changes, args.approvals)
    measure(args.runs)


if __name__ == "__main__":
    main()
