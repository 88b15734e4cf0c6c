"""The knowledge base's periodic job (core/background.py, PERIODIC_JOBS): review reminders.
Idempotent: an article is reminded once per review date, whoever runs it and how often."""

from __future__ import annotations

from celery import shared_task

from .actions import review_reminders_send


@shared_task(name="atiende.knowledge.review_reminders", ignore_result=True)
def knowledge_review_reminders() -> int:
    """Tell owners about the articles whose review date has come (batch after batch)."""
    total = 0
    while (count := review_reminders_send(limit=BATCH)) > 0:
        total += count
        if count < BATCH:
            break
    return total


BATCH = 500
