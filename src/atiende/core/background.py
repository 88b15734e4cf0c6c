"""Periodic background jobs: one table, two ways to run it.

`PERIODIC_JOBS` is the only list of periodic work and its intervals.

- With a broker (ATIENDE_BROKER_URL set): `atiende scheduler` (Celery beat) reads the table
  through settings.CELERY_BEAT_SCHEDULE and sends each job to the `atiende worker` processes.
- Without one (the embedded default): `atiende run` starts an `EmbeddedRunner` thread inside
  its web process that calls the same task functions at the same intervals.

This module is imported by settings.py, so it must not import Django models at import time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    task: str  # the Celery task name, e.g. "atiende.sla.sweep"
    every: timedelta
    setting: str = ""  # ATIENDE_<setting> (seconds) overrides `every`, e.g. "SLA_SWEEP_SECONDS"

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"{self.task}: the interval must be positive")

    @property
    def seconds(self) -> float:
        return self.every.total_seconds()


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Warn and escalate SLA clocks that reached a threshold or their deadline.
    PeriodicJob("atiende.sla.sweep", timedelta(seconds=60), setting="SLA_SWEEP_SECONDS"),
    # Send the mail outbox (notifications, acknowledgements) over SMTP, with retries.
    PeriodicJob("atiende.mail.deliver", timedelta(seconds=15), setting="MAIL_DELIVER_SECONDS"),
    # Fetch new mail from the IMAP mailboxes (mail/inbound/imap.py).
    PeriodicJob("atiende.mail.poll", timedelta(seconds=60), setting="MAIL_POLL_SECONDS"),
    # Look for emerging incident trends (improvement/trends.py). The rule reads complete days,
    # so every run of a day gives the same answer; running a few times a day only makes a
    # new day's trends appear sooner after midnight.
    PeriodicJob("atiende.improvement.trends", timedelta(hours=6), setting="TREND_SCAN_SECONDS"),
    # Recompute the report facts of the tickets changed since the last run (reports/tasks.py):
    # what keeps dashboards current when nobody reads them (a reader catches up first).
    PeriodicJob(
        "atiende.reports.catch_up", timedelta(seconds=10), setting="REPORTS_CATCH_UP_SECONDS"
    ),
    # Keep the report facts equal to the raw rows: lately breached SLA clocks, and the next
    # slice of tickets (reports/tasks.py).
    PeriodicJob(
        "atiende.reports.reconcile", timedelta(seconds=60), setting="REPORTS_RECONCILE_SECONDS"
    ),
    # Time rules of automation (automation/actions.py): act on tickets untouched for a while.
    PeriodicJob(
        "atiende.automation.sweep", timedelta(seconds=60), setting="AUTOMATION_SWEEP_SECONDS"
    ),
    # Queue the saved reports' scheduled e-mails that are due (reports/actions.py).
    PeriodicJob(
        "atiende.reports.send_scheduled", timedelta(minutes=5), setting="REPORTS_SEND_SECONDS"
    ),
    # Send queued webhook deliveries (webhooks/delivery.py), with retries.
    PeriodicJob(
        "atiende.webhooks.deliver", timedelta(seconds=5), setting="WEBHOOK_DELIVER_SECONDS"
    ),
    # Give tickets waiting for a free agent in automatic teams' queues to whoever became
    # available (assignment/actions.py, retry_waiting): oldest first, a bounded batch.
    PeriodicJob(
        "atiende.assignment.retry", timedelta(seconds=60), setting="ASSIGNMENT_RETRY_SECONDS"
    ),
    # Tell articles' owners when a review date has come (knowledge/actions.py); once per
    # review date, so a shorter interval (or a restart) never reminds twice.
    PeriodicJob(
        "atiende.knowledge.review_reminders", timedelta(days=1), setting="KNOWLEDGE_REVIEW_SECONDS"
    ),
    # Remind approvers of approvals pending for long (changes/actions/approvals.py): hourly,
    # each approval at most once a day (ATIENDE_APPROVAL_REMINDER_HOURS: how long is long).
    PeriodicJob(
        "atiende.changes.approval_reminders",
        timedelta(hours=1),
        setting="APPROVAL_REMINDER_SECONDS",
    ),
)


def periodic_jobs(environ: Mapping[str, str] = os.environ) -> tuple[PeriodicJob, ...]:
    """The table with the intervals set in the environment (ATIENDE_SLA_SWEEP_SECONDS=30)."""
    jobs = []
    for job in PERIODIC_JOBS:
        value = environ.get(f"ATIENDE_{job.setting}", "") if job.setting else ""
        if value:
            try:
                seconds = float(value)
            except ValueError:
                raise ValueError(f"ATIENDE_{job.setting} must be a number of seconds") from None
            job = replace(job, every=timedelta(seconds=seconds))
        jobs.append(job)
    return tuple(jobs)


def beat_schedule(jobs: Iterable[PeriodicJob]) -> dict[str, dict[str, Any]]:
    """The Celery beat schedule for `jobs` (settings.CELERY_BEAT_SCHEDULE)."""
    return {
        job.task: {
            "task": job.task,
            "schedule": job.seconds,
            # A run still queued when the next one is sent is pointless: let it expire
            # instead of piling up behind a stalled worker.
            "options": {"expires": job.seconds},
        }
        for job in jobs
    }


def run_task(name: str) -> None:
    """Call the Celery task `name` in this thread (no broker involved)."""
    from django.db import close_old_connections, connections

    from atiende.celery import app

    close_old_connections()
    try:
        app.tasks[name]()
    finally:
        # Database connections are per thread; do not leave this one open between runs.
        connections.close_all()


class EmbeddedRunner:
    """Runs due periodic jobs in a daemon thread of the current process.

    One pass at a time (a second concurrent `run_pending` returns at once), so a job never
    overlaps itself; a job that raises is logged and retried at its next interval; `stop`
    ends the thread between jobs. With `lock_path`, an exclusive file lock makes sure only one
    process on the machine runs the jobs (a second `atiende run` on the same data directory
    stays idle until the first one exits).
    """

    def __init__(
        self,
        jobs: Iterable[PeriodicJob] = PERIODIC_JOBS,
        *,
        run_job: Callable[[str], None] = run_task,
        clock: Callable[[], float] = time.monotonic,
        poll_seconds: float = 1.0,
        lock_path: Path | None = None,
    ) -> None:
        self.jobs = tuple(jobs)
        self._run_job = run_job
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._lock_path = lock_path
        self._lock_file: IO[str] | None = None
        self._next_due: dict[str, float | None] = {job.task: None for job in self.jobs}
        self._pass_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures: dict[str, int] = {job.task: 0 for job in self.jobs}

    # --- one pass ---------------------------------------------------------------------------
    def run_pending(self) -> list[str]:
        """Run every job that is due now, one after another; return the names that ran."""
        if not self._pass_lock.acquire(blocking=False):
            return []  # a pass is already running in another thread
        try:
            if not self._hold_process_lock():
                return []
            ran: list[str] = []
            for job in self.jobs:
                if self._stop.is_set():
                    break
                now = self._clock()
                due = self._next_due[job.task]
                if due is not None and now < due:
                    continue
                # Measured from the start of this run: a slow run delays nothing else and
                # never causes a burst of catch-up runs.
                self._next_due[job.task] = now + job.seconds
                self._run_one(job)
                ran.append(job.task)
            return ran
        finally:
            self._pass_lock.release()

    def _run_one(self, job: PeriodicJob) -> None:
        started = time.monotonic()
        try:
            self._run_job(job.task)
        except Exception:
            self.failures[job.task] += 1
            logger.exception("background job %s failed; next try in %ss", job.task, job.seconds)
        else:
            logger.debug("background job %s ran in %.3fs", job.task, time.monotonic() - started)

    def _hold_process_lock(self) -> bool:
        if self._lock_path is None or self._lock_file is not None:
            return True
        lock_file = self._lock_path.open("a")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            return False
        self._lock_file = lock_file
        return True

    def _release_process_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None

    # --- the thread -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="atiende-background", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to stop after the current job; True once it has stopped."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.run_pending()
                except Exception:  # never let the thread die: the next pass may succeed
                    logger.exception("background runner pass failed")
                self._stop.wait(self._poll_seconds)
        finally:
            with self._pass_lock:
                self._release_process_lock()


def embedded_runner(*, lock_path: Path | None = None, poll_seconds: float = 1.0) -> EmbeddedRunner:
    """The runner `atiende run` starts: every job of the table whose task is installed."""
    from atiende.celery import app

    app.autodiscover_tasks(force=True)  # import each installed app's tasks.py now
    jobs = []
    for job in periodic_jobs():
        if job.task in app.tasks:
            jobs.append(job)
        else:
            logger.warning("background job %s has no task installed; skipped", job.task)
    return EmbeddedRunner(jobs, lock_path=lock_path, poll_seconds=poll_seconds)
