"""The SLA sweep at scale on PostgreSQL: 1,000,000 open tickets, each with a running
resolution clock, of which 10,000 are due (5,000 to warn, 5,000 to breach). Times one
`sweep_due(limit=10_000)`: find the due clocks through the partial indexes, claim them,
write the timeline events, notifications and escalations (warning: notify the assignee;
breach: notify the assignee and the team's managers), all committed.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_slabench \\
        .venv/bin/python bench/sla_sweep.py [--tickets 1000000] [--due 10000] [--keep]

The database is created if missing, migrated, and its tickets and clocks are replaced by
generated rows (COPY). With --keep an existing data set of the right size is reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def setup_django() -> None:
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set ATIENDE_DATABASE_URL to a PostgreSQL database (it will be overwritten).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-slabench")
    name = url.rsplit("/", 1)[1]
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_notification, sla_slaclock, tickets_ticketevent, "
            "tickets_attachment, tickets_ticketsearchdocument, tickets_ticket CASCADE"
        )


def reset(due: int) -> None:
    """Undo a previous sweep: the first `due` clocks are due again, no events written."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification, tickets_ticketevent CASCADE")
        cursor.execute(
            "UPDATE sla_slaclock SET state = 'running', warned_at = NULL, breached_at = NULL "
            "WHERE id <= %s",
            [due],
        )
        cursor.execute("VACUUM ANALYZE sla_slaclock")


def configure():
    from atiende.accounts.models import Role, Team, TeamMembership, User
    from atiende.sla.models import BusinessCalendar, SlaEscalation, SlaPolicy, SlaTarget

    SlaPolicy.objects.all().delete()
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="Bench 8x5", defaults={"time_zone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}
    )
    policy = SlaPolicy.objects.create(name="Bench", calendar=calendar)
    SlaTarget.objects.create(
        policy=policy, priority=3, first_response_minutes=60, resolution_minutes=480
    )
    for trigger, action in (
        ("warning", "notify_assignee"),
        ("breach", "notify_assignee"),
        ("breach", "notify_managers"),
    ):
        SlaEscalation.objects.create(policy=policy, trigger=trigger, action=action)
    team, _ = Team.objects.get_or_create(name="Bench desk")
    agents = []
    for i in range(20):
        agent, _ = User.objects.get_or_create(
            username=f"bench-agent-{i}", defaults={"role": Role.AGENT}
        )
        TeamMembership.objects.get_or_create(team=team, user=agent, defaults={"is_lead": i < 2})
        agents.append(agent.pk)
    requester, _ = User.objects.get_or_create(username="bench-requester")
    return policy, team.pk, agents, requester.pk


def generate(tickets: int, due: int, policy, team_id: int, agents: list[int], requester_id: int):
    from django.db import connection

    rng = random.Random(7)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        started = time.perf_counter()
        created = NOW - timedelta(days=2)
        with raw.copy(
            "COPY tickets_ticket (id, number, kind, title, description, status, pending_reason,"
            " impact, urgency, priority, requester_id, assignee_id, team_id, resolution_code,"
            " resolution_notes, created_at, updated_at, version) FROM STDIN"
        ) as copy:
            for i in range(1, tickets + 1):
                copy.write_row((
                    i, f"INC-{i:07d}", "incident", f"Bench ticket {i}", "", "in_progress", "",
                    2, 2, 3, requester_id, agents[i % len(agents)], team_id, "", "",
                    created, created, 1,
                ))  # fmt: skip
        # Clocks: `due` of them due (half to warn, half to breach), the rest in the future.
        with raw.copy(
            "COPY sla_slaclock (id, ticket_id, kind, policy_id, target_minutes,"
            " warn_at_percent, state, started_at, running_since, elapsed, deadline, warn_at)"
            " FROM STDIN"
        ) as copy:
            for i in range(1, tickets + 1):
                if i <= due // 2:  # warning due, deadline ahead
                    warn_at = NOW - timedelta(minutes=rng.randint(1, 60))
                    deadline = NOW + timedelta(minutes=rng.randint(1, 120))
                elif i <= due:  # breach due
                    deadline = NOW - timedelta(minutes=rng.randint(1, 600))
                    warn_at = deadline - timedelta(hours=2)
                else:
                    deadline = NOW + timedelta(minutes=rng.randint(200, 60 * 24 * 30))
                    warn_at = deadline - timedelta(minutes=120)
                copy.write_row((
                    i, i, "resolution", policy.pk, 480, 75, "running", created, created,
                    timedelta(0), deadline, warn_at,
                ))  # fmt: skip
        cursor.execute("SELECT setval('tickets_ticket_id_seq', %s)", [tickets])
        cursor.execute("SELECT setval('sla_slaclock_id_seq', %s)", [tickets])
        cursor.execute("ANALYZE tickets_ticket; ANALYZE sla_slaclock")
        print(f"generated {tickets:,} tickets and clocks in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the generated data (reset) if present"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from atiende.sla.actions import sweep_due
    from atiende.sla.models import SlaClock

    if args.keep and SlaClock.objects.count() == args.tickets:
        reset(args.due)
    else:
        truncate()
        policy, team_id, agents, requester_id = configure()
        generate(args.tickets, args.due, policy, team_id, agents, requester_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    spent: dict[str, float] = {}

    def timed(execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            verb = sql.split(None, 1)[0].upper()
            spent[verb] = spent.get(verb, 0.0) + time.perf_counter() - begin

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        result = sweep_due(now=NOW, limit=args.due)
    elapsed = time.perf_counter() - started
    again = time.perf_counter()
    second = sweep_due(now=NOW, limit=args.due)
    idle = time.perf_counter() - again
    print(f"{platform.python_implementation()} {platform.python_version()}, {version}")
    print(
        f"sweep over {args.tickets:,} running clocks: {result.warned:,} warned, "
        f"{result.breached:,} breached, {result.escalations:,} escalations "
        f"in {elapsed:.2f} s ({result.processed / elapsed:,.0f} clocks/s)"
    )
    print("  of which SQL statements: " + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items()))
    print(f"second sweep (nothing due): {second.processed} processed in {idle * 1000:.0f} ms")


if __name__ == "__main__":
    main()
