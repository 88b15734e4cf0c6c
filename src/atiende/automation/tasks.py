"""Celery tasks of automation. The scheduler runs `atiende.automation.sweep` every minute
(core/background.py); each time rule acts exactly once per ticket and period however many
workers run it at once (actions.sweep_time_rules)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import connection

from .actions import sweep_time_rules


@shared_task(name="atiende.automation.sweep", ignore_result=True)
def automation_sweep() -> dict[str, int]:
    """The periodic sweep. On workers with PostgreSQL it first sends AUTOMATION_SWEEPERS - 1
    more sweeps (`automation_sweep_part`) to the other worker slots: they share the due
    tickets, each passing over those another holds (actions._run_batch), so a sweep of
    thousands finishes in a fraction of the time (docs/performance.md, "Time rules on
    1,000,000 tickets"). Without a broker (the embedded runner) or on SQLite (one writer
    at a time), it sweeps alone."""
    if settings.BROKER_URL and connection.vendor == "postgresql":
        for _ in range(settings.AUTOMATION_SWEEPERS - 1):
            automation_sweep_part.delay()
    return automation_sweep_part()


@shared_task(name="atiende.automation.sweep_part", ignore_result=True, expires=60)
def automation_sweep_part() -> dict[str, int]:
    """One worker's share of a sweep: the whole sweep, sharing the tickets with the others."""
    result = sweep_time_rules()
    return {"acted": result.acted, "skipped": result.skipped}
