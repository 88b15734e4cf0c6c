"""The failed-mail pages and the health page: managers and admins only, retry and discard
with CSRF-protected forms, bounded queries on the list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage, InboundStatus
from atiende.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NO_SENDER = (
    b"To: soporte@example.com\r\nSubject: sin remitente\r\nMessage-ID: <p@x>\r\n\r\nHola\r\n"
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def failed(mailbox):
    return InboundMessage.objects.get(pk=receive(NO_SENDER, mailbox=mailbox).message_id)


def test_manager_sees_the_list_and_the_detail(manager, failed):
    client = _client(manager)
    page = client.get("/mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "sin remitente" in html and "sender" in html
    detail = client.get(f"/mail/failed/{failed.pk}/")
    assert detail.status_code == 200 and "p@x" in detail.content.decode()
    raw = client.get(f"/mail/failed/{failed.pk}/raw/")
    assert raw.content == NO_SENDER and raw["Content-Type"] == "message/rfc822"


def test_others_get_404(agent, requester, failed):
    for user in (agent, requester):
        client = _client(user)
        for url in ("/mail/", f"/mail/failed/{failed.pk}/", f"/mail/failed/{failed.pk}/raw/",
                    "/mail/health/"):  # fmt: skip
            assert client.get(url).status_code == 404, url
        assert client.post(f"/mail/failed/{failed.pk}/retry/").status_code == 404


def test_retry_and_discard_from_the_page(manager, mailbox, failed, mail, monkeypatch):
    from atiende.mail.inbound import intake

    def broken(*args, **kwargs):
        raise RuntimeError("temporary trouble")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    other = receive(mail(message_id="<q@x>"), mailbox=mailbox)
    assert other.outcome == Outcome.FAILED
    monkeypatch.undo()

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(f"/mail/failed/{other.message_id}/retry/").status_code == 403  # no CSRF
    client = _client(manager)
    answer = client.post(f"/mail/failed/{other.message_id}/retry/", follow=True)
    assert "opened a ticket" in answer.content.decode()
    assert Ticket.objects.count() == 1
    answer = client.post(f"/mail/failed/{failed.pk}/retry/", follow=True)
    assert "failed again" in answer.content.decode()
    client.post(f"/mail/failed/{failed.pk}/discard/")
    failed.refresh_from_db()
    assert failed.status == InboundStatus.DISCARDED
    assert "No failed mail" in client.get("/mail/").content.decode()


def test_list_page_queries_are_bounded(manager, mailbox, django_assert_max_num_queries):
    for i in range(40):
        InboundMessage.objects.create(
            mailbox=mailbox, message_id=f"m{i}@x", raw=b"x", received_at=timezone.now(),
            status=InboundStatus.FAILED, error="boom",
        )  # fmt: skip
    client = _client(manager)
    client.get("/mail/")
    with django_assert_max_num_queries(12):
        page = client.get("/mail/")
    assert page.status_code == 200 and page.content.decode().count("boom") == 25


def test_health_page_shows_a_mailbox_that_cannot_connect(manager, mailbox):
    mailbox.imap_host = "imap.example.com"
    mailbox.last_error = "connect: LoginError: authentication failed"
    mailbox.last_error_at = timezone.now()
    mailbox.save()
    html = _client(manager).get("/mail/health/").content.decode()
    assert "Cannot fetch mail" in html and "authentication failed" in html
