"""The reports' periodic jobs (core/background.py, PERIODIC_JOBS): keep the ticket facts
equal to their raw rows. Idempotent: they write values recomputed from the raw rows, never
increments, so running one twice, or on several workers at once, changes nothing more."""

from __future__ import annotations

from celery import shared_task

from .actions import (
    daily_reconcile_slice,
    facts_catch_up,
    facts_reconcile_slice,
    facts_refresh_breaches,
    scheduled_reports_send,
)

# About 10-25 s of work (0.4-1.3 ms a ticket, bench/reports.py --action-cost).
CATCH_UP_PER_RUN = 20_000


@shared_task(name="atiende.reports.catch_up", ignore_result=True)
def reports_catch_up() -> int:
    """Recompute the facts of the tickets changed since the last run (PendingFact), at most
    CATCH_UP_PER_RUN: a backlog (an import, a mass closing) is worked off over several runs
    without holding the embedded runner's other jobs for minutes."""
    return facts_catch_up(limit=CATCH_UP_PER_RUN)


@shared_task(name="atiende.reports.reconcile", ignore_result=True)
def reports_reconcile() -> dict[str, int]:
    return {
        "breaches": facts_refresh_breaches(),
        "caught_up": facts_catch_up(limit=CATCH_UP_PER_RUN),
        "reconciled": facts_reconcile_slice(),
        "daily": daily_reconcile_slice(),
    }


@shared_task(name="atiende.reports.send_scheduled", ignore_result=True)
def reports_send_scheduled() -> int:
    """Queue the saved reports' e-mails that are due (weekly, monthly)."""
    return scheduled_reports_send()
