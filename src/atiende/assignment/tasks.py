"""Celery task of assignment. The scheduler runs `atiende.assignment.retry` every minute
(core/background.py): tickets that automatic assignment found nobody for are given out,
oldest first and a bounded batch per run, once someone is free; each ticket exactly once
however many workers run it at once (actions.retry_waiting, under the policy's lock)."""

from __future__ import annotations

from celery import shared_task

from .actions import retry_waiting


@shared_task(name="atiende.assignment.retry", ignore_result=True)
def assignment_retry() -> dict[str, int]:
    result = retry_waiting()
    return {"tried": result.tried, "assigned": result.assigned}
