"""Celery tasks of the improvement domain. The scheduler runs `atiende.improvement.trends`
(core/background.py); the scan is idempotent (actions.trends_record), so a second run on the
same day, an overlapping run or a redelivered message changes nothing."""

from __future__ import annotations

from celery import shared_task

from .actions import trends_record


@shared_task(name="atiende.improvement.trends", ignore_result=True)
def trends_scan() -> dict[str, int]:
    result = trends_record()
    return {"created": result.created, "updated": result.updated, "skipped": result.skipped}
