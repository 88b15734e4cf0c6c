"""The outbox in Django admin: the list says when SMTP is not configured and what failed; the
retry action queues failed messages again; rows cannot be added or edited by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.mail.models import OutboundMessage, OutboundStatus

from ..factories import RequesterFactory, make_ticket

LIST = "admin:mail_outboundmessage_changelist"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def queued(db):
    make_ticket(RequesterFactory(email="ana@example.org"))
    return OutboundMessage.objects.get()


def test_the_list_says_that_mail_waits_without_smtp(admin_client, queued, settings):
    settings.OUTBOX_DELIVERY = False
    response = admin_client.get(reverse(LIST))
    assert response.status_code == 200
    assert "no SMTP server is configured" in response.content.decode()
    assert "1 message is waiting" in response.content.decode()


def test_failed_messages_are_listed_and_can_be_retried(
    admin_client, queued, settings, django_assert_max_num_queries
):
    settings.OUTBOX_DELIVERY = True
    OutboundMessage.objects.filter(pk=queued.pk).update(
        status=OutboundStatus.FAILED, attempts=8, last_error="550 5.1.1 unknown user"
    )
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(LIST), {"status__exact": "failed"})
    body = response.content.decode()
    assert "550 5.1.1 unknown user" in body and "1 message could not be delivered" in body
    response = admin_client.post(
        reverse(LIST),
        {"action": "retry_messages", "_selected_action": [queued.pk]},
        follow=True,
    )
    assert "1 message queued again" in response.content.decode()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboundStatus.QUEUED, 0)


def test_rows_are_not_edited_by_hand(admin_client, queued):
    assert admin_client.get(reverse("admin:mail_outboundmessage_add")).status_code == 403
    change = reverse("admin:mail_outboundmessage_change", args=[queued.pk])
    assert admin_client.get(change).status_code == 200  # read-only view
    assert admin_client.post(change, {"status": "sent"}).status_code == 403
