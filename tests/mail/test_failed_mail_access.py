"""Who reads a received message: only failed ones, and only managers and admins who may see
what it concerns. A processed message, or a failed reply to a ticket the caller cannot see,
answers 404 on every route (API and pages, detail, raw, retry, discard), like a missing one."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.mail.inbound import intake
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage, InboundStatus

from ..api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _api_codes(user, pk: int) -> dict[str, int]:
    api = ApiClient(user)
    return {
        "get": api.get(f"/mail/failed/{pk}").status_code,
        "raw": api.get(f"/mail/failed/{pk}/raw").status_code,
        "retry": api.post(f"/mail/failed/{pk}/retry").status_code,
        "discard": api.post(f"/mail/failed/{pk}/discard").status_code,
    }


def _page_codes(user, pk: int) -> dict[str, int]:
    client = Client()
    client.force_login(user)
    return {
        "detail": client.get(f"/mail/failed/{pk}/").status_code,
        "raw": client.get(f"/mail/failed/{pk}/raw/").status_code,
        "retry": client.post(f"/mail/failed/{pk}/retry/").status_code,
        "discard": client.post(f"/mail/failed/{pk}/discard/").status_code,
    }


def _listed(user) -> list[int]:
    return [item["id"] for item in ApiClient(user).get("/mail/failed").json()["items"]]


def test_a_processed_message_is_not_readable_as_failed_mail(admin_user, mailbox, mail):
    done = receive(mail(), mailbox=mailbox)
    assert done.outcome == Outcome.CREATED
    # Even an admin, who sees the ticket: the message lives on as the ticket, not as mail.
    assert set(_api_codes(admin_user, done.message_id).values()) == {404}
    assert set(_page_codes(admin_user, done.message_id).values()) == {404}
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED


def test_an_ignored_message_is_not_readable_either(manager, mailbox, mail):
    bounce = mail(sender="MAILER-DAEMON@example.org", subject="Undelivered Mail Returned")
    row = InboundMessage.objects.get(pk=receive(bounce, mailbox=mailbox).message_id)
    assert row.status == InboundStatus.IGNORED
    assert set(_api_codes(manager, row.pk).values()) == {404}


@pytest.fixture
def failed_reply(mailbox, mail, other_team, monkeypatch):
    """A reply to a ticket of another team that could not be added: failed, tied to it."""
    first = receive(mail(message_id="<hr-1@x.org>", subject="Salary slip"), mailbox=mailbox)
    from atiende.tickets.models import Ticket

    Ticket.objects.filter(pk=first.ticket_id).update(team=other_team)

    def broken(*args, **kwargs):
        raise RuntimeError("comment store down")

    monkeypatch.setattr(intake, "_reply", broken)
    reply = receive(
        mail(message_id="<hr-2@x.org>", in_reply_to="<hr-1@x.org>", body="My salary is..."),
        mailbox=mailbox,
    )
    assert reply.outcome == Outcome.FAILED
    row = InboundMessage.objects.get(pk=reply.message_id)
    assert row.ticket_id == first.ticket_id  # tied to the ticket it answers
    return row


def test_a_failed_reply_to_a_ticket_the_manager_cannot_see_is_404(manager, failed_reply):
    assert _listed(manager) == []
    assert set(_api_codes(manager, failed_reply.pk).values()) == {404}
    assert set(_page_codes(manager, failed_reply.pk).values()) == {404}
    failed_reply.refresh_from_db()
    assert failed_reply.status == InboundStatus.FAILED and failed_reply.attempts == 1


def test_who_sees_the_ticket_reads_the_failed_reply(admin_user, manager, other_team, failed_reply):
    from ..factories import add_to_team

    assert _listed(admin_user) == [failed_reply.pk]
    raw = ApiClient(admin_user).get(f"/mail/failed/{failed_reply.pk}/raw")
    assert raw.status_code == 200 and b"My salary is" in raw.content
    add_to_team(manager, other_team)
    assert _listed(manager) == [failed_reply.pk]
    assert Client().get(f"/mail/failed/{failed_reply.pk}/raw/").status_code == 302  # sign in


def test_failed_mail_tied_to_no_ticket_is_for_every_manager(manager, mailbox):
    row = InboundMessage.objects.get(
        pk=receive(b"Subject: hola\r\n\r\nsin remitente\r\n", mailbox=mailbox).message_id
    )
    assert row.status == InboundStatus.FAILED and row.ticket_id is None
    assert _listed(manager) == [row.pk]
    assert ApiClient(manager).get(f"/mail/failed/{row.pk}/raw").status_code == 200


def test_retry_answers_with_the_message_it_processed(admin_user, mailbox, mail, monkeypatch):
    original = intake._new_ticket
    monkeypatch.setattr(intake, "_new_ticket", lambda *a, **k: 1 / 0)
    first = receive(mail(), mailbox=mailbox)
    monkeypatch.setattr(intake, "_new_ticket", original)
    body = ApiClient(admin_user).post(f"/mail/failed/{first.message_id}/retry").json()
    assert body["outcome"] == "created" and body["message"]["status"] == "processed"
    # From now on it is the ticket's: no longer inspectable as failed mail.
    assert ApiClient(admin_user).get(f"/mail/failed/{first.message_id}/raw").status_code == 404
