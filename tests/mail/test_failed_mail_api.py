"""The failed-mail list and mailbox health over the API: managers and admins only, raw
download, retry that turns a fixed failure into a ticket, discard, bounded queries."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage, InboundStatus
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient

pytestmark = pytest.mark.django_db

NO_SENDER = b"To: soporte@example.com\r\nSubject: hola\r\nMessage-ID: <ns@x>\r\n\r\nTexto\r\n"


@pytest.fixture
def failed(mailbox):
    result = receive(NO_SENDER, mailbox=mailbox)
    assert result.outcome == Outcome.FAILED
    return InboundMessage.objects.get(pk=result.message_id)


def test_managers_list_failed_mail_and_download_it_raw(manager, failed, mail, mailbox):
    receive(mail(), mailbox=mailbox)  # processed: not in the list
    api = ApiClient(manager)
    answer = api.get("/mail/failed")
    assert answer.status_code == 200
    (item,) = answer.json()["items"]
    assert item["id"] == failed.pk and item["status"] == "failed"
    assert "sender" in item["error"] and item["subject"] == "hola"
    raw = api.client.get(item["raw_url"])
    assert raw.status_code == 200 and raw["Content-Type"] == "message/rfc822"
    assert raw.content == NO_SENDER
    assert "attachment" in raw["Content-Disposition"]


def test_agents_and_requesters_do_not_see_it(agent, requester, failed):
    for user in (agent, requester):
        api = ApiClient(user)
        assert api.get("/mail/failed").status_code == 404
        assert api.get(f"/mail/failed/{failed.pk}/raw").status_code == 404
        assert api.post(f"/mail/failed/{failed.pk}/retry").status_code == 404
        assert api.get("/mail/health").status_code == 404
    assert ApiClient().get("/mail/failed").status_code == 401


def test_retry_after_the_cause_is_fixed_makes_the_ticket(admin_user, mailbox, mail, monkeypatch):
    from atiende.mail.inbound import intake

    original = intake._new_ticket

    def broken(*args, **kwargs):
        raise RuntimeError("category service down")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    first = receive(mail(message_id="<r@x.org>"), mailbox=mailbox)
    assert first.outcome == Outcome.FAILED and not Ticket.objects.exists()

    api = ApiClient(admin_user)
    still = api.post(f"/mail/failed/{first.message_id}/retry").json()
    assert still["outcome"] == "failed" and still["message"]["attempts"] == 2

    monkeypatch.setattr(intake, "_new_ticket", original)
    answer = api.post(f"/mail/failed/{first.message_id}/retry")
    assert answer.status_code == 200
    body = answer.json()
    assert body["outcome"] == "created" and body["message"]["status"] == "processed"
    assert Ticket.objects.get().pk == body["message"]["ticket"]
    assert api.get("/mail/failed").json()["items"] == []
    # A processed message is no failed mail any more: not found, like a missing one.
    again = api.post(f"/mail/failed/{first.message_id}/retry")
    assert again.status_code == 404


def test_discard_takes_it_off_the_list_but_keeps_the_claim(manager, failed, mailbox):
    api = ApiClient(manager)
    answer = api.post(f"/mail/failed/{failed.pk}/discard")
    assert answer.status_code == 200 and answer.json()["status"] == "discarded"
    assert api.get("/mail/failed").json()["count"] == 0
    assert receive(NO_SENDER, mailbox=mailbox).outcome == Outcome.DUPLICATE


def test_bad_ids_and_cursors_are_4xx(manager):
    api = ApiClient(manager)
    assert api.get("/mail/failed/abc").status_code == 422
    assert api.get("/mail/failed/99999999999999999999999").status_code == 422
    assert api.get("/mail/failed/999999").status_code == 404
    assert api.get("/mail/failed", {"cursor": "garbage"}).status_code == 422
    assert api.get("/mail/failed", {"limit": 0}).status_code == 422


def test_list_pages_with_bounded_queries(manager, mailbox, django_assert_max_num_queries):
    for i in range(30):
        InboundMessage.objects.create(
            mailbox=mailbox, message_id=f"f{i}@x", raw=b"x" * 1000, received_at="2026-01-01T00:00Z",
            status=InboundStatus.FAILED, error="boom",
        )  # fmt: skip
    api = ApiClient(manager)
    with django_assert_max_num_queries(8):
        first = api.get("/mail/failed", {"limit": 20}).json()
    assert len(first["items"]) == 20 and first["next"]
    second = api.client.get(first["next"]).json()
    assert len(second["items"]) == 10 and second["next"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(set(ids)) == 30


def test_health_reports_each_mailbox(manager, mailbox, failed):
    from django.utils import timezone

    mailbox.imap_host = "imap.example.com"
    mailbox.last_error = "connect: ConnectionRefusedError"
    mailbox.last_error_at = timezone.now()
    mailbox.save()
    body = ApiClient(manager).get("/mail/health").json()
    assert body["ok"] is False
    (box,) = body["mailboxes"]
    assert box["state"] == "error" and box["failed"] == 1
    assert "ConnectionRefused" in box["last_error"]


def test_health_shows_the_time_zone_database(manager):
    import tzdata
    from django.test import Client

    body = ApiClient(manager).get("/mail/health").json()
    assert body["tz_database"] == {"version": tzdata.IANA_VERSION, "source": "package"}
    client = Client()
    client.force_login(manager)
    html = client.get("/mail/health/").content.decode()
    assert f"{tzdata.IANA_VERSION} (tzdata package)" in html
