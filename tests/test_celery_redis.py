"""The real thing: two `celery worker` processes on the Redis server of this machine, sweeping
the same database, escalate each SLA breach exactly once.

Needs Redis at 127.0.0.1:6379 (.ci/run starts it; override with ATIENDE_TEST_REDIS_URL) and
PostgreSQL: the workers are other processes, and pytest-django's SQLite test database lives in
this process's memory, where they cannot reach it.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import time_machine
from celery import Celery
from django.db import connection
from django.utils import timezone

REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
STARTUP_SECONDS = 60
DRAIN_SECONDS = 90

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Celery workers are separate processes and cannot reach pytest-django's "
        "in-memory SQLite test database; this test runs on PostgreSQL (.ci/run does both).",
    ),
]


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def broker(tmp_path_factory) -> Iterator[redis.Redis]:
    """A Redis database of our own: flushed before and after, and held with a lock file so
    two test runs on this machine never share it."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not answering at {REDIS_URL} ({exc}). Start it, e.g. "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379` (.ci/run does).",
            pytrace=False,
        )
    db = client.connection_pool.connection_kwargs.get("db", 0)
    with open(f"/tmp/atiende-test-redis-{db}.lock", "w") as lock:
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Redis db {db} stayed locked by another test run", False)
                time.sleep(0.5)
        client.flushdb()
        try:
            yield client
        finally:
            client.flushdb()
            client.close()


def database_url() -> str:
    """The test database pytest-django created (test_<name>), as the workers must see it."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or "5432"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


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
    argv = [
        sys.executable, "-m", "celery", "-A", "atiende.celery:app", "worker",
        "--pool", "solo", "--hostname", f"{name}@%h", "--queues", queue,
        "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
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


@pytest.fixture
def two_workers(transactional_db, broker, tmp_path) -> Iterator[list[Worker]]:
    """Two real `celery worker` processes on the test database, each on its own queue (so
    both surely take part); always stopped, whatever the test does."""
    env = {
        **os.environ,
        "ATIENDE_BROKER_URL": REDIS_URL,
        "ATIENDE_DATABASE_URL": database_url(),
        "ATIENDE_DATA_DIR": str(tmp_path / "data"),
        "CELERY_SKIP_CHECKS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []
    try:
        for name in ("w1", "w2"):
            workers.append(start_worker(name, f"test-{name}", env, tmp_path / f"{name}.log"))
        wait_ready(workers)
        yield workers
    finally:
        for worker in workers:
            stop(worker)
        # Drop the workers' database sessions before pytest-django flushes the tables.
        assert all(w.process.poll() is not None for w in workers)


def client_app() -> Celery:
    """A producer on the test broker. The project's app stays in eager mode in this process."""
    return Celery("atiende-test-client", broker=REDIS_URL, set_as_current=False)


def wait_drained(broker: redis.Redis, workers: list[Worker], expected: int) -> None:
    """Until every queue is empty, nothing is being processed, and the workers report
    `expected` finished tasks between them."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        queued = sum(broker.llen(w.queue) for w in workers)
        unacked = broker.hlen("unacked")
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


@pytest.fixture
def overdue_tickets(transactional_db):
    """TICKETS tickets opened ten hours ago under a 24x7 policy with a one-hour resolution
    target, so every resolution clock is past its deadline and not yet breached. The policy
    escalates a breach by reassigning the ticket to the Escalations team and notifying it."""
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
    SlaEscalation.objects.create(
        policy=policy, trigger=Trigger.BREACH, clock=ClockKind.RESOLUTION,
        action=EscalationAction.REASSIGN_TEAM, team=escalations,
    )  # fmt: skip
    SlaEscalation.objects.create(
        policy=policy, trigger=Trigger.BREACH, clock=ClockKind.RESOLUTION,
        action=EscalationAction.NOTIFY_TEAM, team=escalations,
    )  # fmt: skip

    requester = RequesterFactory(username="requester")
    agent = add_to_team(AgentFactory(username="first_line_agent"), first_line)
    with time_machine.travel(timezone.now() - timedelta(hours=10), tick=True):
        tickets = [
            make_ticket(requester, actor=agent, title=f"Outage {n}", team_id=first_line.pk)
            for n in range(TICKETS)
        ]
    due = SlaClock.objects.filter(
        ticket__in=tickets, kind=ClockKind.RESOLUTION, deadline__lte=timezone.now()
    )
    assert due.filter(breached_at__isnull=True).count() == TICKETS, "set-up: clocks not due"
    return tickets, escalations


def test_two_workers_escalate_each_breach_exactly_once(two_workers, broker, overdue_tickets):
    from atiende.notifications.models import Notification
    from atiende.sla.models import ClockKind, ClockState, SlaClock
    from atiende.tickets.models import EventType, Ticket, TicketEvent

    tickets, escalations = overdue_tickets
    producer = client_app()
    try:
        # Interleaved, so both workers sweep the same due clocks at the same time.
        for _ in range(SWEEPS_PER_WORKER):
            for worker in two_workers:
                producer.send_task("atiende.sla.sweep", queue=worker.queue)
    finally:
        producer.close()
    wait_drained(broker, two_workers, expected=SWEEPS_PER_WORKER * len(two_workers))

    for worker in two_workers:
        runs = finished(worker)
        assert len(runs) == SWEEPS_PER_WORKER, worker.output()
        assert all("succeeded" in run.group(0) for run in runs), worker.output()
    # Between them the workers claimed every breach once: never both, never neither.
    assert sum(breached_by(w) for w in two_workers) == TICKETS, [
        breached_by(w) for w in two_workers
    ]

    ids = [t.pk for t in tickets]
    for ticket_id in ids:
        sla_events = TicketEvent.objects.filter(ticket_id=ticket_id, type=EventType.SLA)
        assert sla_events.filter(new_value="breach", field=ClockKind.RESOLUTION).count() == 1
        assert sla_events.filter(new_value="reassign_team").count() == 1
        assert sla_events.filter(new_value="notify_team").count() == 1
    clocks = SlaClock.objects.filter(ticket_id__in=ids, kind=ClockKind.RESOLUTION)
    assert set(clocks.values_list("state", flat=True)) == {ClockState.BREACHED}
    assert Ticket.objects.filter(pk__in=ids, team=escalations).count() == TICKETS
    team_changes = TicketEvent.objects.filter(ticket_id__in=ids, field="team")
    assert team_changes.count() == TICKETS  # one reassignment per ticket, by the ticket action
    notified = Notification.objects.filter(ticket_id__in=ids, verb="sla_breach")
    assert notified.count() == TICKETS  # one member in Escalations, told once per ticket
