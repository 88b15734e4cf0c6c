"""Review reminders: when an article's review date comes, its owner is told once for that
date (in the app and by e-mail, as their preferences say, in their language), by the daily
periodic job; archived articles and future dates are left alone; the desk lists what is due."""

from __future__ import annotations

from datetime import date

import pytest

from atiende.core.background import PERIODIC_JOBS
from atiende.knowledge import actions, tasks
from atiende.knowledge.models import Article, Status
from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.notifications.models import Channel, Notification, Preference

TODAY = date(2027, 3, 10)


@pytest.fixture
def owner(agent):
    agent.language = "es"
    agent.save(update_fields=["language"])
    return agent


def _article(owner, title, review_on, **kw):
    return actions.article_create(
        actor=owner, title=title, body="Texto.", language="es", review_on=review_on, **kw
    )


def test_owner_is_told_once_per_review_date(owner):
    due = _article(owner, "VPN antigua", date(2027, 3, 1))
    _article(owner, "Wi-Fi nueva", date(2028, 4, 1))  # not yet

    assert actions.review_reminders_send(today=TODAY) == 1
    note = Notification.objects.get(user=owner, verb="article_review")
    assert note.ticket_id is None
    assert note.params["title"] == "VPN antigua"
    assert note.params["path"] == f"/desk/kb/{due.pk}/"
    mailed = OutboundMessage.objects.get(recipient=owner, kind=OutboundKind.NOTIFICATION)
    assert mailed.ticket_id is None and mailed.params["verb"] == "article_review"

    # Again the same day, or the next: nothing more for that date.
    assert actions.review_reminders_send(today=TODAY) == 0
    assert tasks.knowledge_review_reminders() == 0  # the job, today (2026): nothing due
    assert Notification.objects.filter(verb="article_review").count() == 1

    # A new review date is reminded again when it comes.
    Article.objects.filter(pk=due.pk).update(review_on=date(2027, 6, 1))
    assert actions.review_reminders_send(today=date(2027, 6, 1)) == 1
    assert Notification.objects.filter(verb="article_review").count() == 2


def test_archived_and_inactive_owners_are_skipped(owner, manager):
    archived = _article(owner, "Retirada", date(2027, 1, 1))
    Article.objects.filter(pk=archived.pk).update(status=Status.ARCHIVED)
    orphan = _article(owner, "Sin dueño activo", date(2027, 1, 1), owner_id=manager.pk)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert actions.review_reminders_send(today=TODAY) == 0
    assert not Notification.objects.filter(verb="article_review").exists()
    assert orphan.review_reminded_on is None


def test_preferences_decide_the_channels(owner):
    Preference.objects.create(user=owner, event="article_review", channel=Channel.EMAIL,
                              enabled=False)  # fmt: skip
    _article(owner, "VPN antigua", date(2027, 3, 1))
    assert actions.review_reminders_send(today=TODAY) == 1
    assert Notification.objects.filter(user=owner, verb="article_review").exists()
    assert not OutboundMessage.objects.filter(recipient=owner).exists()


def test_mail_and_notification_read_in_the_owners_language(owner, client, settings):
    from atiende.mail.outbound.delivery import prepare

    settings.SITE_URL = "https://desk.example.org"
    due = _article(owner, "VPN antigua", date(2027, 3, 1))
    actions.review_reminders_send(today=TODAY)
    sent, to = prepare(OutboundMessage.objects.get(recipient=owner))
    assert to == owner.email
    assert "VPN antigua" in sent.subject and "(1 mar 2027)" in sent.subject  # the date in Spanish
    assert f"https://desk.example.org/desk/kb/{due.pk}/" in sent.body

    client.force_login(owner)
    html = client.get("/notifications/").content.decode()
    assert "VPN antigua" in html and f'href="/desk/kb/{due.pk}/"' not in html  # unread: a form
    note = Notification.objects.get(verb="article_review")
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == f"/desk/kb/{due.pk}/"


def test_the_job_is_daily_and_registered():
    from atiende.celery import app

    jobs = {job.task: job.every.total_seconds() for job in PERIODIC_JOBS}
    assert jobs["atiende.knowledge.review_reminders"] == 24 * 3600
    assert "atiende.knowledge.review_reminders" in app.tasks


def test_due_for_review_leaves_archived_out(owner, client):
    _article(owner, "Vence hoy", date(2020, 1, 1))
    gone = _article(owner, "Archivada vencida", date(2020, 1, 1))
    Article.objects.filter(pk=gone.pk).update(status=Status.ARCHIVED)
    client.force_login(owner)
    html = client.get("/desk/kb/", {"due": "1"}).content.decode()
    assert "Vence hoy" in html and "Archivada vencida" not in html
