"""The real thing, on the Redis server of this machine: two `atiende worker` processes sweeping
the same database escalate each SLA breach exactly once, and `atiende scheduler` drives the
sweep on its own.

Needs Redis at 127.0.0.1:6379 (.ci/run starts it; override with ATIENDE_TEST_REDIS_URL); each
test takes one of the databases 11 to 15 for itself (see `broker`), so test runs of several
users on one Redis do not meet; without Redis they skip (fail under CI=true). The
two-worker scenario runs on a SQLite file (always) and on a PostgreSQL database of its own
(when the suite runs on PostgreSQL). Set-up and checks run in child processes on that
database (see the `database` fixture for why not pytest-django's test database).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from uuid import uuid4

import pytest
import redis
import time_machine
from celery import Celery
from django.db import connection
from django.utils import timezone

from .servers import unavailable

# A URL with a database number ("/11") pins the tests to that database.
REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DATABASES = range(11, 16)  # flushed by the tests: never put anything else there
LOCK_KEY = "atiende-test:taken-by"
LOCK_SECONDS = 1800  # frees the database of a run that died; a test takes a few minutes
STARTUP_SECONDS = 60
DRAIN_SECONDS = 90
ROOT = Path(__file__).resolve().parent.parent


# --- Redis ----------------------------------------------------------------------------------


@dataclass
class Broker:
    client: redis.Redis
    url: str  # for the workers, the scheduler and the producer: this database only


def database_url(db: int) -> str:
    return urlsplit(REDIS_URL)._replace(path=f"/{db}").geturl()


def take_database(token: str) -> Broker:
    """A Redis database no other test run holds: the lock is a key in the database itself,
    set only where it is missing, so two runs (of one user or of two) never share one."""
    pinned = urlsplit(REDIS_URL).path.strip("/")
    candidates = [int(pinned)] if pinned else list(REDIS_DATABASES)
    deadline = time.monotonic() + 300
    while True:
        for db in candidates:
            url = database_url(db)
            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
            try:
                taken = client.set(LOCK_KEY, token, nx=True, ex=LOCK_SECONDS)
            except redis.RedisError as exc:
                client.close()
                unavailable(
                    f"The Celery tests need Redis, not answering at {url} ({exc}): "
                    "apt-get install redis-server, then `redis-server --daemonize yes "
                    "--bind 127.0.0.1 --port 6379 --save ''` (.ci/run does)"
                )
            if taken:
                with client.pipeline() as tx:  # start empty, still holding the lock
                    tx.flushdb().set(LOCK_KEY, token, ex=LOCK_SECONDS).execute()
                return Broker(client, url)
            client.close()
        if time.monotonic() > deadline:
            pytest.fail(f"Redis databases {candidates} stayed taken by other test runs", False)
        time.sleep(0.5)


def give_back(broker: Broker, token: str) -> None:
    """Empty the database (which frees it), unless another run took it after our lock expired."""
    with broker.client.pipeline() as tx:
        try:
            tx.watch(LOCK_KEY)
            if tx.get(LOCK_KEY) == token.encode():
                tx.multi()
                tx.flushdb()
                tx.execute()
        except redis.WatchError:
            pass
    broker.client.close()


@pytest.fixture
def broker() -> Iterator[Broker]:
    """A Redis database of this test's own, empty, freed when the test ends."""
    token = f"{os.getuid()}:{os.getpid()}:{uuid4().hex}"
    taken = take_database(token)
    try:
        yield taken
    finally:
        give_back(taken, token)


def test_two_test_runs_never_share_a_redis_database(broker):
    """Another run (another user's, say) while this one holds a database gets another one,
    and the database it gives back is empty and free again."""
    if urlsplit(REDIS_URL).path.strip("/"):
        pytest.skip("ATIENDE_TEST_REDIS_URL pins one database: runs take turns on it")
    other = take_database("another-run")
    try:
        assert other.url != broker.url
        assert broker.client.get(LOCK_KEY) != b"another-run"
        other.client.set("queued", "a task of the other run")
        assert broker.client.get("queued") is None
    finally:
        give_back(other, "another-run")
    check = redis.Redis.from_url(other.url)
    try:
        assert check.dbsize() == 0
    finally:
        check.close()


def postgres_url(name: str) -> str:
    """A database `name` on the PostgreSQL server the suite runs on."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or "5432"
    return f"postgres://{auth}@{host}:{port}/{name}"


@pytest.fixture
def database(request, tmp_path) -> Iterator[str]:
    """A database of this test's own, migrated: a SQLite file, or a PostgreSQL database on
    the suite's server. Not pytest-django's test database: the worker processes could not
    reach its in-memory SQLite variant, and sharing its PostgreSQL one would need a
    transactional test whose final flush wipes the configuration the migrations seed for
    the tests that run after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'atiende.sqlite3'}"
        return
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; the PostgreSQL variant runs in the PostgreSQL run")
    import psycopg

    name = f"atiende_celery_test_{os.getpid()}"
    admin = psycopg.connect(postgres_url("postgres"), autocommit=True)
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- workers --------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    queue: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(name: str, queue: str, env: dict[str, str], log: Path) -> Worker:
    # The real command: `atiende worker` execs `celery worker` (prefork, one child process).
    argv = [
        sys.executable, "-m", "atiende.cli", "worker", "--concurrency", "1",
        "--queues", queue, "--hostname", f"{name}@%h", "--loglevel", "INFO",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Worker(name, queue, process, log)


def stop(worker: Worker) -> None:
    if worker.process.poll() is not None:
        return
    os.killpg(worker.process.pid, signal.SIGTERM)  # warm shutdown: finish the current task
    try:
        worker.process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(5)


def wait_ready(workers: list[Worker]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(workers)
    while pending and time.monotonic() < deadline:
        for worker in list(pending):
            if worker.process.poll() is not None:
                pytest.fail(f"worker {worker.name} exited early:\n{worker.output()}", False)
            if re.search(rf"{worker.name}@\S+ ready\.", worker.output()):
                pending.remove(worker)
        time.sleep(0.2)
    if pending:
        logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in pending)
        pytest.fail(f"workers not ready after {STARTUP_SECONDS}s:\n{logs}", False)


@contextmanager
def two_workers(
    database: str,
    broker: Broker,
    tmp_path: Path,
    queues: tuple[str, ...] = ("test-w1", "test-w2"),
) -> Iterator[list[Worker]]:
    """Real `atiende worker` processes on `database`, one per queue (by default two, each on
    its own queue, so both surely take part); always stopped, whatever the test does."""
    env = {
        **os.environ,
        "ATIENDE_BROKER_URL": broker.url,
        "ATIENDE_DATABASE_URL": database,
        "ATIENDE_DATA_DIR": str(tmp_path / "data"),
        "CELERY_SKIP_CHECKS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []
    try:
        for n, queue in enumerate(queues, start=1):
            workers.append(start_worker(f"w{n}", queue, env, tmp_path / f"w{n}.log"))
        wait_ready(workers)
        yield workers
    finally:
        for worker in workers:
            stop(worker)
        # No worker may keep a database session open (pytest-django flushes and drops).
        assert all(w.process.poll() is not None for w in workers)


def client_app(broker: Broker) -> Celery:
    """A producer on the test broker. The project's app stays in eager mode in this process."""
    return Celery("atiende-test-client", broker=broker.url, set_as_current=False)


def wait_drained(broker: Broker, workers: list[Worker], expected: int) -> None:
    """Until every queue is empty, nothing is being processed, and the workers report
    `expected` finished tasks between them."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        queued = sum(broker.client.llen(w.queue) for w in workers)
        unacked = broker.client.hlen("unacked")
        done = sum(len(finished(w)) for w in workers)
        if queued == 0 and unacked == 0 and done >= expected:
            return
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"worker {worker.name} died:\n{worker.output()}", False)
        time.sleep(0.2)
    logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in workers)
    pytest.fail(f"queues not drained after {DRAIN_SECONDS}s:\n{logs}", False)


FINISHED = re.compile(r"Task (\S+)\[[0-9a-f-]+\] (succeeded in [\d.]+s: (.*)|raised .*)")


def finished(worker: Worker) -> list[re.Match[str]]:
    return list(FINISHED.finditer(worker.output()))


def breached_by(worker: Worker) -> int:
    total = 0
    for match in finished(worker):
        found = re.search(r"'breached': (\d+)", match.group(0))
        total += int(found.group(1)) if found else 0
    return total


# --- the SLA breach, escalated exactly once -------------------------------------------------

TICKETS = 30
SWEEPS_PER_WORKER = 10


def seed() -> dict[str, Any]:
    """TICKETS tickets opened ten hours ago under a 24x7 policy with a one-hour resolution
    target, so every resolution clock is past its deadline and not yet breached. The policy
    escalates a breach by reassigning the ticket to the Escalations team and notifying it.
    Runs in a child process on the database under test."""
    from atiende.sla.models import (
        BusinessCalendar,
        ClockKind,
        EscalationAction,
        SlaClock,
        SlaEscalation,
        SlaPolicy,
        SlaTarget,
        Trigger,
    )

    from .factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team, make_ticket

    SlaPolicy.objects.all().delete()  # the migration's default policies: ours must match
    first_line = TeamFactory(name="First line")
    escalations = TeamFactory(name="Escalations")
    add_to_team(AgentFactory(username="escalation_agent"), escalations)
    calendar = BusinessCalendar.objects.create(name="Always", is_24x7=True)
    policy = SlaPolicy.objects.create(name="Everything", calendar=calendar)
    for priority in range(1, 6):
        SlaTarget.objects.create(
            policy=policy, priority=priority, first_response_minutes=6000,
            resolution_minutes=60,
        )  # fmt: skip
    for action in (EscalationAction.REASSIGN_TEAM, EscalationAction.NOTIFY_TEAM):
        SlaEscalation.objects.create(
            policy=policy, trigger=Trigger.BREACH, clock=ClockKind.RESOLUTION,
            action=action, team=escalations,
        )  # fmt: skip

    requester = RequesterFactory(username="requester")
    agent = add_to_team(AgentFactory(username="first_line_agent"), first_line)
    with time_machine.travel(timezone.now() - timedelta(hours=10), tick=True):
        tickets = [
            make_ticket(requester, actor=agent, title=f"Outage {n}", team_id=first_line.pk)
            for n in range(TICKETS)
        ]
    ids = [t.pk for t in tickets]
    due = SlaClock.objects.filter(ticket_id__in=ids, deadline__lte=timezone.now())
    assert due.filter(breached_at__isnull=True).count() == TICKETS, "set-up: clocks not due"
    return {"tickets": ids, "escalations": escalations.pk}


def outcome(tickets: list[int], escalations: int) -> dict[str, Any]:
    """What the workers left in the database, as plain JSON-able values."""
    from django.db.models import Count, Q

    from atiende.notifications.models import Notification
    from atiende.sla.models import ClockKind, SlaClock
    from atiende.tickets.models import EventType, Ticket

    sla = Q(events__type=EventType.SLA)
    per_ticket = (
        Ticket.objects.filter(pk__in=tickets)
        .annotate(
            breach=Count("events", filter=sla & Q(events__new_value="breach")),
            reassign=Count("events", filter=sla & Q(events__new_value="reassign_team")),
            notify=Count("events", filter=sla & Q(events__new_value="notify_team")),
            team_changes=Count("events", filter=Q(events__field="team")),
        )
        .values("breach", "reassign", "notify", "team_changes", "team_id")
    )
    clocks = SlaClock.objects.filter(ticket_id__in=tickets, kind=ClockKind.RESOLUTION)
    return {
        "per_ticket": sorted(
            (r["breach"], r["reassign"], r["notify"], r["team_changes"], r["team_id"])
            for r in per_ticket
        ),
        "clock_states": sorted(set(clocks.values_list("state", flat=True))),
        "notifications": Notification.objects.filter(
            ticket_id__in=tickets, verb="sla_breach"
        ).count(),
    }


def sweep_with_two_workers(broker: Broker, workers: list[Worker]) -> list[int]:
    """Send the sweep SWEEPS_PER_WORKER times to each worker, interleaved so both sweep the
    same due clocks at the same time; wait for all of them; return breaches per worker."""
    producer = client_app(broker)
    try:
        for _ in range(SWEEPS_PER_WORKER):
            for worker in workers:
                producer.send_task("atiende.sla.sweep", queue=worker.queue)
    finally:
        producer.close()
    wait_drained(broker, workers, expected=SWEEPS_PER_WORKER * len(workers))
    for worker in workers:
        runs = finished(worker)
        assert len(runs) == SWEEPS_PER_WORKER, worker.output()
        assert all("succeeded" in run.group(0) for run in runs), worker.output()
    return [breached_by(w) for w in workers]


def assert_escalated_exactly_once(result: dict[str, Any], breaches: list[int], team: int):
    # Between them the workers claimed every breach once: never both, never neither.
    assert sum(breaches) == TICKETS, breaches
    # Each ticket: one breach event, one reassignment (and its one field change by the
    # ticket action), one team notification; now in the Escalations team.
    assert result["per_ticket"] == [(1, 1, 1, 1, team)] * TICKETS
    assert result["clock_states"] == ["breached"]
    assert result["notifications"] == TICKETS  # one member in Escalations, told once each


def in_child(code: str, env: dict[str, str]) -> Any:
    """Run `code` (which prints JSON last) in a Django process on env's database."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def django_env(database: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "atiende.settings",
        "ATIENDE_DATABASE_URL": database,
        "ATIENDE_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("ATIENDE_BROKER_URL", None)
    return env


MIGRATE = "from django.core.management import call_command\ncall_command('migrate', verbosity=0)"
MODULE = "import json, tests.test_celery_redis as t\n"


def seed_in(env: dict[str, str]) -> dict[str, Any]:
    in_child(MIGRATE + "\nprint('{}')", env)
    return in_child(MODULE + "print(json.dumps(t.seed()))", env)


def outcome_in(env: dict[str, str], seeded: dict[str, Any]) -> dict[str, Any]:
    call = f"t.outcome({seeded['tickets']!r}, {seeded['escalations']!r})"
    result = in_child(MODULE + f"print(json.dumps({call}))", env)
    result["per_ticket"] = [tuple(row) for row in result["per_ticket"]]
    return result


@pytest.mark.parametrize("database", ["postgresql", "sqlite"], indirect=True)
def test_two_workers_escalate_each_breach_exactly_once(database, broker, tmp_path):
    env = django_env(database, tmp_path)
    seeded = seed_in(env)
    with two_workers(database, broker, tmp_path) as workers:
        breaches = sweep_with_two_workers(broker, workers)
    assert_escalated_exactly_once(outcome_in(env, seeded), breaches, seeded["escalations"])


# --- the production path end to end: scheduler -> Redis -> worker -------------------------


def test_the_scheduler_sends_the_sweep_and_a_worker_breaches_on_time(broker, tmp_path):
    """`atiende scheduler` (Celery beat, from the periodic job table, the interval shortened
    with ATIENDE_SLA_SWEEP_SECONDS) and one `atiende worker`: overdue clocks get breached
    with nobody sending anything by hand, and still once each."""
    db = tmp_path / "atiende.sqlite3"
    env = django_env(f"sqlite:///{db}", tmp_path)
    seeded = seed_in(env)
    breaches = "SELECT count(*) FROM tickets_ticketevent WHERE type='sla' AND new_value='breach'"

    def breached() -> int:
        with sqlite3.connect(db, timeout=20) as conn:
            return conn.execute(breaches).fetchone()[0]

    sweeps = {**env, "ATIENDE_SLA_SWEEP_SECONDS": "1"}
    with two_workers(f"sqlite:///{db}", broker, tmp_path, queues=("celery",)) as (worker,):
        scheduler_log = tmp_path / "scheduler.log"
        with scheduler_log.open("w") as out:
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "atiende.cli", "scheduler"],
                env={**sweeps, "ATIENDE_BROKER_URL": broker.url, "PYTHONUNBUFFERED": "1"},
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while breached() < TICKETS and time.monotonic() < deadline:
                assert scheduler.poll() is None, scheduler_log.read_text()
                time.sleep(0.25)
            assert breached() == TICKETS, worker.output() + scheduler_log.read_text()
            wait_for(lambda: len(finished(worker)) >= 2, worker)  # a later sweep: no-op
        finally:
            stop(Worker("scheduler", "", scheduler, scheduler_log))
    assert "Sending due task atiende.sla.sweep" in scheduler_log.read_text()
    assert breached() == TICKETS
    result = outcome_in(env, seeded)
    assert_escalated_exactly_once(result, [breached_by(worker)], seeded["escalations"])


def wait_for(predicate, worker: Worker, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting on {worker.name}:\n{worker.output()}", False)
        time.sleep(0.2)
