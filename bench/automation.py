"""What 200 enabled event rules cost a ticket action: the median time of a ticket update and of
a reply with no rules, then with `--rules` enabled rules on the `updated` and `commented`
triggers (half each) whose conditions do not hold (so the cost measured is the engine's:
loading the ticket once and checking every rule, not the rules' own actions), and the same
with rules on the other triggers only (the cost of an event no rule listens to). Then a time
rule sweep over `--tickets` tickets with one tenth due.

    ATIENDE_DATA_DIR=$(mktemp -d) .venv/bin/python bench/automation.py [--rules 200] [--write]
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_automation_bench \\
        .venv/bin/python bench/automation.py --write

The database is migrated and filled in place (use a throw-away one). --write appends the
table to docs/performance.md ("Automation rules").

`--time-rule close|remind` measures one time rule's sweep on a database already filled by
bench/generate.py (e.g. a copy of the 1,000,000-ticket one; the sweep writes to it), with
`--due` tickets due: "close resolved tickets after 5 business days" (status closed, with a
public reply telling the requester) or "remind the requester of a pending ticket after 3
days" (a notice). The sweep's `now` is chosen so that about `--due` tickets are due (the
oldest untouched ones: each run finds the next ones, so runs can be repeated on one copy).
`--workers N` runs N sweeps at once, each in its own process with its own connection (as N
Celery workers would), and reports the wall time from their common start until the last one
finishes and the tickets each acted on (their sum is the due count: each ticket once); 1,
the default, sweeps in this process as before.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_of_1m \
        .venv/bin/python bench/automation.py --time-rule close --due 10000 [--workers 2] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Automation rules (bench/automation.py)"


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def people():
    from atiende.accounts.models import Organization, Role, Team, TeamMembership, User

    team, _ = Team.objects.get_or_create(name="Bench desk")
    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"role": Role.AGENT})
    TeamMembership.objects.get_or_create(user=agent, team=team)
    manager, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"role": Role.MANAGER}
    )
    org, _ = Organization.objects.get_or_create(name="Bench org")
    requester, _ = User.objects.get_or_create(
        username="bench-requester", defaults={"role": Role.REQUESTER, "organization": org}
    )
    return team, agent, manager, requester


def make_rules(manager, count: int, triggers: tuple[str, ...]) -> None:
    from atiende.automation import actions
    from atiende.automation.models import Rule

    Rule.objects.all().delete()
    for n in range(count):
        actions.rule_create(
            actor=manager,
            data={
                "name": f"bench rule {n}",
                "trigger": triggers[n % len(triggers)],
                "conditions": [
                    {"field": "priority", "op": "in", "values": ["1", "2"]},
                    {"field": "title", "op": "contains", "values": [f"never-{n}"]},
                ],
                "actions": [{"type": "add_tag", "value": f"t{n}"}],
            },
        )


def measure(agent, team, requester, repeat: int) -> tuple[float, float]:
    """Median ms of a ticket update (the title) and of an internal note."""
    from atiende.tickets import actions

    ticket = actions.ticket_create(
        actor=agent, title="bench", requester_id=requester.pk, team_id=team.pk
    )
    updates, notes = [], []
    for n in range(repeat + 3):
        start = time.perf_counter()
        actions.ticket_update(
            actor=agent, ticket_id=ticket.pk, version=None, changes={"title": f"bench {n}"}
        )
        middle = time.perf_counter()
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body=f"note {n}", public=False)
        end = time.perf_counter()
        if n >= 3:  # warm-up
            updates.append((middle - start) * 1000)
            notes.append((end - middle) * 1000)
    return statistics.median(updates), statistics.median(notes)


def engine_alone(agent, team, requester, repeat: int) -> float:
    """Median ms of the subscriber's work alone: engine.run_rules for an update (the ticket
    read once, every rule of the trigger checked), timed without the action around it."""
    from atiende.automation import engine
    from atiende.tickets import actions

    ticket = actions.ticket_create(
        actor=agent, title="engine", requester_id=requester.pk, team_id=team.pk
    )
    times = []
    for n in range(repeat + 3):
        start = time.perf_counter()
        engine.run_rules("updated", ticket.pk, changed=("title",))
        if n >= 3:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sweep(agent, team, requester, manager, tickets: int) -> tuple[float, int]:
    from django.db.models import F

    from atiende.automation import actions as automation_actions
    from atiende.core import clock
    from atiende.tickets import actions
    from atiende.tickets.models import Ticket

    have = Ticket.objects.filter(title__startswith="sweep ").count()
    for n in range(have, tickets):
        actions.ticket_create(
            actor=agent, title=f"sweep {n}", requester_id=requester.pk, team_id=team.pk
        )
    sweepers = Ticket.objects.filter(title__startswith="sweep ")
    sweepers.update(updated_at=clock.now() - timedelta(hours=1))
    due = list(sweepers.order_by("id").values_list("pk", flat=True)[: tickets // 10])
    Ticket.objects.filter(pk__in=due).update(updated_at=F("updated_at") - timedelta(days=30))
    from atiende.automation.models import Rule

    Rule.objects.all().delete()
    automation_actions.rule_create(
        actor=manager,
        data={
            "name": "bench sweep", "trigger": "scheduled", "wait": 7, "wait_unit": "days",
            "conditions": [{"field": "status", "op": "in", "values": ["new"]}],
            "actions": [{"type": "add_tag", "value": "stale"}],
        },
    )  # fmt: skip
    start = time.perf_counter()
    acted = 0
    while True:
        result = automation_actions.sweep_time_rules()
        acted += result.acted
        if not result.acted:
            break
    return (time.perf_counter() - start) * 1000, acted


TIME_RULES = {
    "close": {
        "name": "bench: close resolved tickets after 5 business days",
        "conditions": [
            {"field": "status", "op": "in", "values": ["resolved"]},
            {"field": "kind", "op": "not_in", "values": ["change"]},
        ],
        "actions": [
            {"type": "set_status", "value": "closed",
             "text": "Closed: resolved five working days ago without an answer."},
        ],
        "wait": 5, "wait_unit": "business_days",
    },
    "remind": {
        "name": "bench: remind the requester of a pending ticket after 3 days",
        "conditions": [{"field": "status", "op": "in", "values": ["pending"]}],
        "actions": [{"type": "notify", "value": "requester", "text": "We are waiting for you."}],
        "wait": 3, "wait_unit": "days",
    },
}  # fmt: skip


def time_rule(kind: str, due: int, write: bool, statements: bool = False, workers: int = 1) -> None:
    """One time rule's sweep over the whole database, about `due` tickets due, by `workers`
    sweeps at once (separate processes, as Celery workers)."""
    from datetime import UTC, datetime

    from django.db import connection
    from django.db.models import Exists, OuterRef

    from atiende.accounts.models import Role, User
    from atiende.automation import actions as automation_actions
    from atiende.automation import engine
    from atiende.automation.models import Rule, RuleRun, Trigger
    from atiende.sla.models import BusinessCalendar
    from atiende.tickets.models import Ticket

    manager = User.objects.filter(role=Role.MANAGER, is_active=True).first()
    if manager is None:
        manager = User.objects.create(username="bench-manager", role=Role.MANAGER)
    office, _ = BusinessCalendar.objects.get_or_create(
        name="Bench office", defaults={"time_zone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}
    )
    Rule.objects.filter(trigger=Trigger.SCHEDULED).update(enabled=False)
    data = dict(TIME_RULES[kind])
    data.update(
        trigger="scheduled", calendar=office.pk if data["wait_unit"] == "business_days" else None
    )
    rule = Rule.objects.filter(name=data["name"]).first()
    if rule is None:
        rule = automation_actions.rule_create(actor=manager, data=data)
    else:
        rule = automation_actions.rule_update(actor=manager, rule_id=rule.pk, data=data)
    engine.calendars.forget()

    # `now`: the earliest day at which the `due`-th oldest candidate is due.
    def not_done(tickets):  # not acted on for their period yet (the sweep's anti-join)
        done = RuleRun.objects.filter(
            rule=rule, ticket=OuterRef("pk"), period=OuterRef("updated_at")
        )
        return tickets.filter(~Exists(done))

    probe = automation_actions._candidates(rule, datetime(2200, 1, 1, tzinfo=UTC))
    assert probe is not None
    probe = not_done(probe)
    total = probe.count()
    nth = probe.order_by("updated_at", "id").values_list("updated_at", flat=True)[due - 1 : due]
    oldest = next(iter(nth), None)
    if oldest is None and kind == "close":
        # Generated data has few resolved tickets (most old ones are closed): resolve again
        # enough closed ones, spread over the years (every k-th by id), dates untouched.
        closed = Ticket.objects.filter(status="closed").exclude(kind="change")
        step = max(1, closed.count() // (due - total + 100))
        ids = list(closed.order_by("id").values_list("id", flat=True)[::step][: due - total + 100])
        for n in range(0, len(ids), 5000):
            Ticket.objects.filter(pk__in=ids[n : n + 5000]).update(
                status="resolved", closed_at=None
            )
        print(f"resolved again {len(ids):,} closed tickets")
        total = probe.count()
        oldest = next(
            iter(
                probe.order_by("updated_at", "id").values_list("updated_at", flat=True)[
                    due - 1 : due
                ]
            ),
            None,
        )
    if oldest is None:
        sys.exit(f"only {total} candidate tickets: fewer than --due {due}")
    now = oldest + timedelta(days=rule.wait or 0)
    while True:
        found = automation_actions._candidates(rule, now)
        if found is not None and not_done(found).filter(updated_at__gte=oldest).exists():
            break
        now += timedelta(hours=6)
    candidates = automation_actions.due_tickets(rule, now)
    plan = candidates.explain()
    # Finding alone: every batch of the sweep's query (keyset), nothing acted on.
    start = time.perf_counter()
    after, found_due = None, 0
    while True:
        batch = list(automation_actions.due_tickets(rule, now, after=after))
        found_due += len(batch)
        if len(batch) < automation_actions.SWEEP_BATCH:
            break
        after = (batch[-1].updated_at, batch[-1].pk)
    finding = time.perf_counter() - start
    due_now = not_done(automation_actions._candidates(rule, now)).count()
    tickets = Ticket.objects.count()
    spent: dict[str, list[float]] = {}
    timed_statement = statement_timer(spent)
    if workers > 1:
        acted_each, elapsed, spent = concurrent_sweeps(workers, now, statements)
        result = automation_actions.SweepResult(acted=sum(acted_each))
    else:
        start = time.perf_counter()
        if statements:
            with connection.execute_wrapper(timed_statement):
                result = automation_actions.sweep_time_rules(now=now)
        else:
            result = automation_actions.sweep_time_rules(now=now)
        elapsed = time.perf_counter() - start
        acted_each = [result.acted]
    load = os.getloadavg()
    # Every due ticket acted on once: one claim row per ticket for this sweep (`at` = now).
    runs = RuleRun.objects.filter(rule=rule, at=now)
    once = runs.values("ticket_id").distinct().count() == runs.count()
    print(
        f"workers: {workers}, acted each: {acted_each} (sum {sum(acted_each):,} of {due_now:,} "
        f"due), claims {runs.count():,}, {'each ticket once' if once else 'A TICKET TWICE'}, "
        f"wall {elapsed:.1f} s"
    )
    if statements:  # where the database time went, by statement shape
        total_db = sum(sum(v) for v in spent.values())
        print(
            f"statements: {sum(len(v) for v in spent.values())}, {total_db:.1f} s in the database"
        )
        for shape, times in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:15]:
            print(f"  {sum(times):6.2f} s {len(times):5d}x  {shape}")
    print(plan)
    line = (
        f"| {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} | {connection.vendor} | "
        f"{tickets:,} tickets ({total:,} {'resolved' if kind == 'close' else 'pending'}) | "
        f"{data['name'][7:]} | {due_now:,} | {finding:.2f} s | {result.acted:,} | "
        f"{elapsed:.1f} s | {result.acted / elapsed:,.0f} | {load[0]:.2f} |"
    )
    if workers > 1:
        line += f" {workers} workers: {' + '.join(f'{n:,}' for n in acted_each)} |"
    print(line)
    if write:
        with DOC.open("a") as doc:
            doc.write(line + "\n")


def statement_timer(spent: dict[str, list[float]]):
    """A database execute wrapper adding each statement's time to `spent`, by its shape."""

    def timed_statement(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.setdefault(" ".join(sql.split())[:90], []).append(time.perf_counter() - t0)

    return timed_statement


def _worker(now, statements: bool, ready, results) -> None:
    """One sweep in its own process and database connection (forked: Django is set up, the
    parent's connections were closed before the fork)."""
    from django.db import connection

    from atiende.automation import actions as automation_actions

    spent: dict[str, list[float]] = {}
    timed_statement = statement_timer(spent)
    connection.ensure_connection()
    ready.wait(timeout=120)  # every worker connected: all start together
    if statements:
        with connection.execute_wrapper(timed_statement):
            result = automation_actions.sweep_time_rules(now=now)
    else:
        result = automation_actions.sweep_time_rules(now=now)
    results.put((os.getpid(), result.acted, result.skipped, time.perf_counter(), spent))
    connection.close()


def concurrent_sweeps(
    workers: int, now, statements: bool
) -> tuple[list[int], float, dict[str, list[float]]]:
    """`workers` sweeps at once, each in its own process: the tickets each acted on, the wall
    time from their common start until the last one finishes, their statements' times."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # no connection shared across the fork
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(workers + 1)
    results = context.Queue()
    procs = [
        context.Process(target=_worker, args=(now, statements, ready, results))
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    ready.wait(timeout=120)  # a worker that failed to start breaks the barrier: an error
    start = time.perf_counter()
    done = [results.get(timeout=1800) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = max(end for _pid, _acted, _skipped, end, _spent in done) - start
    spent: dict[str, list[float]] = {}
    for pid, acted, skipped, end, times in done:
        print(f"  worker {pid}: acted on {acted:,}, skipped {skipped:,}, {end - start:.1f} s")
        for shape, each in times.items():
            spent.setdefault(shape, []).extend(each)
    return [acted for _pid, acted, _skipped, _end, _spent in done], elapsed, spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-rule", choices=sorted(TIME_RULES))
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--statements", action="store_true", help="time rule: database time per statement"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="time rule: sweeps at once (processes)"
    )
    args = parser.parse_args()
    setup()
    if args.time_rule:
        time_rule(args.time_rule, args.due, args.write, args.statements, args.workers)
        return
    from django.db import connection

    from atiende.automation import engine
    from atiende.automation.models import Rule

    team, agent, manager, requester = people()
    Rule.objects.all().delete()
    engine.event_rules.forget()
    base = measure(agent, team, requester, args.repeat)
    make_rules(manager, args.rules, ("created", "status", "sla_warning", "sla_breach"))
    engine.event_rules.forget()
    others = measure(agent, team, requester, args.repeat)
    make_rules(manager, args.rules, ("updated", "commented"))
    engine.event_rules.forget()
    loaded = measure(agent, team, requester, args.repeat)
    alone = engine_alone(agent, team, requester, args.repeat)
    make_rules(manager, args.rules, ("updated",))
    engine.event_rules.forget()
    all_on_one = engine_alone(agent, team, requester, args.repeat)
    sweep_ms, acted = sweep(agent, team, requester, manager, args.tickets)

    rows = [
        ("ticket update (title), no rules", base[0]),
        (f"ticket update, {args.rules} rules on other triggers", others[0]),
        (
            f"ticket update, {args.rules} rules ({args.rules // 2} on `updated`), none holds",
            loaded[0],
        ),
        ("internal note, no rules", base[1]),
        (f"internal note, {args.rules} rules on other triggers", others[1]),
        (
            f"internal note, {args.rules} rules ({args.rules // 2} on `commented`), none holds",
            loaded[1],
        ),
        (f"the subscriber alone (engine.run_rules, {args.rules // 2} rules on the trigger)", alone),
        (f"the subscriber alone, all {args.rules} rules on the trigger", all_on_one),
    ]
    vendor = connection.vendor
    lines = [
        "",
        f"{HEADING}: {vendor}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{platform.machine()}, {os.cpu_count()} CPUs **shared with other test runs** (figures "
        f"under load). Median of {args.repeat} runs after 3 warm-ups, in-process.",
        "",
        "| action | median ms |",
        "|---|---:|",
        *[f"| {name} | {ms:.2f} |" for name, ms in rows],
        "",
        f"Added by {args.rules} enabled rules: the subscriber's own time {alone:.2f} ms per "
        f"event ({all_on_one:.2f} ms with all {args.rules} on one trigger; bar: 2 ms); the differences of whole actions (update "
        f"{loaded[0] - base[0]:+.2f} ms, note {loaded[1] - base[1]:+.2f} ms) are within this "
        "machine's noise (compare the two runs with no rule on the trigger). "
        f"A time rule sweep over {args.tickets} "
        f"tickets, {acted} due: {sweep_ms:.0f} ms (one query finds the due tickets per batch "
        "of 500).",
        "",
    ]
    print("\n".join(lines))
    if args.write:
        with DOC.open("a") as doc:
            doc.write("\n".join(lines))


if __name__ == "__main__":
    main()
