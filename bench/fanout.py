"""Notification fan-out on the path of a reply: an agent's reply timed on a ticket nobody
follows and on one 20 agents follow (each told in the app, and by e-mail when they want it),
on the current database (ATIENDE_DATABASE_URL, else the SQLite of ATIENDE_DATA_DIR).

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_bench \\
        .venv/bin/python bench/fanout.py [--replies 200] [--followers 20] [--no-write]

Everything it creates (agents, tickets, replies, notifications) is rolled back at the end:
the database is left as it was. Writes the figures to docs/performance.md ("Notification
fan-out") with the date, the machine and the size of the data.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Notification fan-out (bench/fanout.py)"


class Rollback(Exception):
    pass


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed_replies(agent, ticket_id: int, count: int, cpu: list | None = None) -> list[float]:
    """Wall time of each reply, ms; `cpu` gets this process's CPU time of each (the
    database server's own time is only in the wall time)."""
    from django.db import transaction

    from atiende.tickets import actions

    times = []
    for i in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():  # a savepoint inside the run's transaction: commit-like
            actions.comment_add(actor=agent, ticket_id=ticket_id, body=f"Checked, step {i}.")
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
    return times


def run(replies: int, followers: int) -> dict:
    from django.db import connection, transaction

    from atiende.accounts.models import Role, Team, TeamMembership, User
    from atiende.notifications.models import Notification
    from atiende.tickets import actions
    from atiende.tickets.models import Ticket, TicketFollower

    size = {
        "tickets": Ticket.objects.count(),
        "users": User.objects.count(),
        "notifications": Notification.objects.count(),
    }
    result: dict = {}
    try:
        with transaction.atomic():
            team = Team.objects.create(name="Fan-out bench")
            people = [
                User.objects.create(username=f"fanout-{n:02}", role=Role.AGENT,
                                    email=f"fanout-{n:02}@example.org")
                for n in range(followers + 1)
            ]  # fmt: skip
            for person in people:
                TeamMembership.objects.create(user=person, team=team)
            author, watchers = people[0], people[1:]
            requester = User.objects.create(username="fanout-requester", role=Role.REQUESTER)

            def ticket() -> int:
                return actions.ticket_create(
                    actor=author, requester_id=requester.pk, title="Fan-out bench",
                    description="The printer again.", team_id=team.pk,
                ).pk  # fmt: skip

            alone, followed = ticket(), ticket()
            now = Ticket.objects.get(pk=followed).created_at
            TicketFollower.objects.bulk_create(
                TicketFollower(ticket_id=followed, user=w, created_at=now) for w in watchers
            )
            timed_replies(author, alone, 10)  # warm-up
            timed_replies(author, followed, 10)
            base_cpu: list[float] = []
            fan_cpu: list[float] = []
            base, fan = [], []
            for _ in range(replies // 20):  # interleaved: a load change hits both alike
                base += timed_replies(author, alone, 20, base_cpu)
                fan += timed_replies(author, followed, 20, fan_cpu)
            told = Notification.objects.filter(ticket_id=followed).count()
            raise Rollback
    except Rollback:
        pass
    result.update(
        size=size,
        vendor=connection.vendor,
        replies=replies,
        followers=followers,
        base=statistics.median(base),
        fan=statistics.median(fan),
        base_cpu=statistics.median(base_cpu),
        fan_cpu=statistics.median(fan_cpu),
        load=os.getloadavg()[0],
        told=told,
    )
    return result


def write(result: dict) -> None:
    added = result["fan"] - result["base"]
    size = result["size"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    section = (
        f"{HEADING}\n\n"
        f"An agent's reply, median of {result['replies']} on {result['vendor']}, {when}, "
        f"{machine}; data: {size['tickets']:,} tickets, {size['users']:,} users, "
        f"{size['notifications']:,} notifications.\n\n"
        "| followers | reply (median) | CPU of the Django process (median) |\n|---|---|---|\n"
        f"| 0 | {result['base']:.2f} ms | {result['base_cpu']:.2f} ms |\n"
        f"| {result['followers']} | {result['fan']:.2f} ms | {result['fan_cpu']:.2f} ms |\n\n"
        f"Fan-out adds **{added:.2f} ms** (target: at most 2 ms; CPU "
        f"+{result['fan_cpu'] - result['base_cpu']:.2f} ms; load average "
        f"{result['load']:.1f}); {result['told']:,} notifications written in all.\n"
    )
    text = DOC.read_text()
    pattern = re.compile(re.escape(HEADING) + r".*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(section.rstrip("\n") + "\n", text)
    else:
        marker = "## How to re-run"
        text = text.replace(marker, section + "\n" + marker, 1)
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    setup_django()
    result = run(args.replies, args.followers)
    added = result["fan"] - result["base"]
    print(
        f"{result['vendor']}: 0 followers {result['base']:.2f} ms, {result['followers']} "
        f"followers {result['fan']:.2f} ms, fan-out +{added:.2f} ms (median); CPU "
        f"{result['base_cpu']:.2f} / {result['fan_cpu']:.2f} ms; load {result['load']:.1f}"
    )
    if not args.no_write:
        write(result)


if __name__ == "__main__":
    main()
