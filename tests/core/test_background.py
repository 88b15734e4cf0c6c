"""The periodic job table and the embedded runner `atiende run` uses when there is no broker."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings

from atiende import celery_app
from atiende.core import background
from atiende.core.background import EmbeddedRunner, PeriodicJob, beat_schedule


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def job(name: str, seconds: float) -> PeriodicJob:
    return PeriodicJob(name, timedelta(seconds=seconds))


# --- the table ------------------------------------------------------------------------------


def test_the_sla_sweep_is_a_periodic_job_every_minute():
    jobs = {j.task: j.every for j in background.PERIODIC_JOBS}
    assert jobs["atiende.sla.sweep"] == timedelta(seconds=60)


def test_the_beat_schedule_is_built_from_the_same_table():
    assert beat_schedule(background.periodic_jobs()) == settings.CELERY_BEAT_SCHEDULE
    entry = settings.CELERY_BEAT_SCHEDULE["atiende.sla.sweep"]
    assert entry["task"] == "atiende.sla.sweep"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] == 60.0  # a stale run expires instead of piling up
    assert celery_app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE


def test_an_interval_can_be_set_in_the_environment():
    jobs = background.periodic_jobs({"ATIENDE_SLA_SWEEP_SECONDS": "15"})
    (sweep,) = [job for job in jobs if job.task == "atiende.sla.sweep"]
    assert (sweep.task, sweep.every) == ("atiende.sla.sweep", timedelta(seconds=15))
    assert background.periodic_jobs({}) == background.PERIODIC_JOBS
    assert (
        beat_schedule(background.periodic_jobs({"ATIENDE_SLA_SWEEP_SECONDS": "2.5"}))[
            "atiende.sla.sweep"
        ]["schedule"]
        == 2.5
    )
    with pytest.raises(ValueError, match="ATIENDE_SLA_SWEEP_SECONDS must be a number"):
        background.periodic_jobs({"ATIENDE_SLA_SWEEP_SECONDS": "a minute"})
    with pytest.raises(ValueError, match="positive"):
        background.periodic_jobs({"ATIENDE_SLA_SWEEP_SECONDS": "0"})


def test_an_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        job("x", 0)


# --- one pass with a fake clock -------------------------------------------------------------


def test_each_job_runs_at_once_and_then_at_its_own_interval():
    clock, ran = FakeClock(), []
    runner = EmbeddedRunner([job("fast", 10), job("slow", 30)], run_job=ran.append, clock=clock)

    timeline = {}
    for t in (0, 5, 9.9, 10, 20, 29.9, 30, 31, 40, 60):
        clock.now = t
        timeline[t] = runner.run_pending()

    assert timeline == {
        0: ["fast", "slow"],
        5: [],
        9.9: [],
        10: ["fast"],
        20: ["fast"],
        29.9: [],
        30: ["fast", "slow"],
        31: [],
        40: ["fast"],
        60: ["fast", "slow"],
    }
    assert ran.count("fast") == 6 and ran.count("slow") == 3


def test_a_late_pass_runs_a_job_once_not_once_per_missed_interval():
    clock, ran = FakeClock(), []
    runner = EmbeddedRunner([job("sweep", 10)], run_job=ran.append, clock=clock)
    runner.run_pending()
    clock.now = 95  # nine intervals missed (process suspended, slow job, ...)
    assert runner.run_pending() == ["sweep"]
    clock.now = 100
    assert runner.run_pending() == []  # the next run is due 10 s after the late one
    clock.now = 105
    assert runner.run_pending() == ["sweep"]
    assert ran == ["sweep"] * 3


def test_a_job_that_raises_is_logged_and_runs_again_at_its_next_interval(caplog):
    clock, ran = FakeClock(), []

    def run_job(name: str) -> None:
        ran.append(name)
        if name == "broken":
            raise RuntimeError("database went away")

    runner = EmbeddedRunner([job("broken", 10), job("fine", 10)], run_job=run_job, clock=clock)
    with caplog.at_level("ERROR", logger="atiende.core.background"):
        assert runner.run_pending() == ["broken", "fine"]  # the failure did not stop "fine"
        clock.now = 10
        assert runner.run_pending() == ["broken", "fine"]
    assert runner.failures == {"broken": 2, "fine": 0}
    assert ran == ["broken", "fine", "broken", "fine"]
    failures = [r for r in caplog.records if "broken failed" in r.getMessage()]
    assert len(failures) == 2 and failures[0].exc_info[0] is RuntimeError


def test_a_pass_does_not_overlap_another_pass():
    release, entered, calls = threading.Event(), threading.Event(), []

    def slow(name: str) -> None:
        calls.append(name)
        entered.set()
        release.wait(5)

    clock = FakeClock()
    runner = EmbeddedRunner([job("sweep", 1)], run_job=slow, clock=clock)
    first = threading.Thread(target=runner.run_pending)
    first.start()
    assert entered.wait(5)
    clock.now = 100  # the job is due again, but its previous run has not finished
    assert runner.run_pending() == []
    release.set()
    first.join(5)
    assert calls == ["sweep"]
    assert runner.run_pending() == ["sweep"]


# --- the thread -----------------------------------------------------------------------------


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_the_thread_runs_jobs_repeatedly_without_overlap_survives_errors_and_stops():
    lock = threading.Lock()
    active, max_active, runs = 0, 0, []

    def run_job(name: str) -> None:
        nonlocal active, max_active
        with lock:
            active += 1
            max_active = max(max_active, active)
        try:
            runs.append(name)
            time.sleep(0.03)  # longer than the interval: the next run must wait for this one
            if len(runs) % 2:
                raise ValueError("every other run fails")
        finally:
            with lock:
                active -= 1

    runner = EmbeddedRunner([job("sweep", 0.01)], run_job=run_job, poll_seconds=0.005)
    runner.start()
    runner.start()  # idempotent: still one thread
    try:
        assert wait_until(lambda: len(runs) >= 6), runs
        assert runner.running
        alive = [t for t in threading.enumerate() if t.name == "atiende-background"]
        assert len(alive) == 1 and alive[0].daemon
    finally:
        assert runner.stop(timeout=5)
    assert not runner.running
    assert max_active == 1
    assert runner.failures["sweep"] >= 3  # errors did not kill the thread
    stopped_at = len(runs)
    time.sleep(0.1)
    assert len(runs) == stopped_at  # nothing runs after stop


def test_stop_waits_for_the_running_job_and_skips_the_rest_of_the_pass():
    started, release, ran = threading.Event(), threading.Event(), []

    def run_job(name: str) -> None:
        ran.append(name)
        started.set()
        release.wait(5)

    runner = EmbeddedRunner([job("first", 60), job("second", 60)], run_job=run_job)
    runner.start()
    assert started.wait(5)
    stopper = threading.Thread(target=runner.stop)
    stopper.start()
    time.sleep(0.05)
    assert runner.running  # still finishing "first"
    release.set()
    stopper.join(5)
    assert not runner.running
    assert ran == ["first"]


def test_only_one_process_holding_the_lock_file_runs_the_jobs(tmp_path):
    lock_path = tmp_path / "background.lock"
    ran_a, ran_b = [], []
    a = EmbeddedRunner([job("sweep", 60)], run_job=ran_a.append, lock_path=lock_path)
    b = EmbeddedRunner([job("sweep", 60)], run_job=ran_b.append, lock_path=lock_path)
    assert a.run_pending() == ["sweep"]
    assert b.run_pending() == []  # a keeps the lock between passes
    a.start()
    assert a.stop(timeout=5)  # stopping releases it
    assert b.run_pending() == ["sweep"]
    assert ran_a == ["sweep"] and ran_b == ["sweep"]


# --- running real Celery tasks in-process ---------------------------------------------------

calls: list[str] = []


@celery_app.task(name="tests.background.record")
def record(value: str = "ran") -> None:
    calls.append(value)


@pytest.fixture
def recorded():
    calls.clear()
    yield calls
    calls.clear()


def test_without_a_broker_delay_runs_the_task_inline(recorded):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert celery_app.conf.task_always_eager is True
    record.delay("inline")
    assert recorded == ["inline"]


def test_run_task_calls_a_registered_task_by_name_in_the_runner_thread(recorded):
    # As in the runner: in a thread of its own, which owns (and closes) its connections.
    worker = threading.Thread(target=background.run_task, args=("tests.background.record",))
    worker.start()
    worker.join(5)
    assert recorded == ["ran"]


def test_the_embedded_runner_keeps_only_jobs_whose_task_is_installed(monkeypatch, caplog):
    monkeypatch.setattr(
        background,
        "PERIODIC_JOBS",
        (job("tests.background.record", 60), job("atiende.nothing.here", 60)),
    )
    with caplog.at_level("WARNING", logger="atiende.core.background"):
        runner = background.embedded_runner()
    assert [j.task for j in runner.jobs] == ["tests.background.record"]
    assert "atiende.nothing.here has no task installed" in caplog.text
