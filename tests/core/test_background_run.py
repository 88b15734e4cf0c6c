"""End to end, the embedded path: `atiende run` with no broker sweeps SLA clocks by itself.

A real `atiende run` process on its own SQLite file (the embedded default), a ticket whose
resolution clock is already past its deadline, and nothing else running: the breach must
appear in the ticket's timeline, once, and the process must stop cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SEED = """
from datetime import timedelta
from django.utils import timezone
from atiende.accounts.models import Role, User
from atiende.sla.models import BusinessCalendar, ClockKind, SlaClock, SlaPolicy, SlaTarget
from atiende.tickets.actions import ticket_create

SlaPolicy.objects.all().delete()
calendar = BusinessCalendar.objects.create(name="Always", is_24x7=True)
policy = SlaPolicy.objects.create(name="Everything", calendar=calendar)
for priority in range(1, 6):
    SlaTarget.objects.create(
        policy=policy, priority=priority, first_response_minutes=6000, resolution_minutes=60
    )
requester = User.objects.create_user("requester", password="x-long-secret-9", role=Role.REQUESTER)
ticket = ticket_create(actor=requester, title="Mail is down")
# Test set-up only: move the clock two hours into the past instead of waiting an hour.
past = timezone.now() - timedelta(hours=2)
clocks = SlaClock.objects.filter(ticket=ticket, kind=ClockKind.RESOLUTION)
assert clocks.count() == 1, "the policy did not start the resolution clock"
clocks.update(started_at=past, running_since=past, deadline=past + timedelta(hours=1),
              warn_at=past + timedelta(minutes=45))
print("seeded", ticket.pk)
"""

BREACHES = "SELECT count(*) FROM tickets_ticketevent WHERE type = 'sla' AND new_value = 'breach'"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def atiende(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "atiende.cli", *args],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture
def embedded_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATIENDE_")}
    env.update(ATIENDE_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    return env  # no ATIENDE_BROKER_URL, no ATIENDE_DATABASE_URL: the embedded default


def test_atiende_run_breaches_an_overdue_clock_once_in_process_and_stops(embedded_env, tmp_path):
    atiende("manage", "migrate", "--verbosity", "0", env=embedded_env)
    assert "seeded" in atiende("manage", "shell", "-c", SEED, env=embedded_env)
    db = tmp_path / "atiende.sqlite3"
    assert count(db, BREACHES) == 0

    log = tmp_path / "run.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "atiende.cli", "run", "--port", str(free_port())],
            env=embedded_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while count(db, BREACHES) == 0 and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        assert count(db, BREACHES) == 1, log.read_text()
        time.sleep(1.5)  # more passes of the runner: nothing is due any more
        assert count(db, BREACHES) == 1
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            code = server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
            pytest.fail("atiende run did not stop on SIGTERM:\n" + log.read_text())
    assert code == 0, log.read_text()
    output = log.read_text()
    assert "has no task installed" not in output
    assert "Traceback" not in output
