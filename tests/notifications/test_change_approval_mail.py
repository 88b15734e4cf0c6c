"""Approvers of a change are told in the app and, when their e-mail notifications are on, by
e-mail through the outbox: in their language, with the change page and their approvals list."""

from __future__ import annotations

import pytest

from atiende.changes.models import Board
from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound.delivery import deliver_due
from atiende.notifications.models import Notification

from ..changes.factories import make_change, to_authorisation
from ..factories import AgentFactory, add_to_team
from ..mail.smtp_server import smtp_server_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def approvers(team):
    """The change managers' board: one approver in Spanish, one in English who turned e-mail
    off, one in English."""
    board = Board.objects.get(name__startswith="Change managers")
    carmen = AgentFactory(username="carmen", first_name="Carmen", email="carmen@example.com",
                          language="es")  # fmt: skip
    quiet = AgentFactory(username="quiet", email="quiet@example.com", email_notifications=False)
    john = AgentFactory(username="john", first_name="John", email="john@example.com",
                        language="en")  # fmt: skip
    for user in (carmen, quiet, john):
        add_to_team(user, team)
        board.members.add(user)
    return carmen, quiet, john


def _approval_mail() -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(kind=OutboundKind.CHANGE_APPROVAL).order_by("recipient_id")
    )


def test_approvers_with_email_on_are_mailed_in_their_language(
    agent, approvers, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://desk.example.com"
    carmen, quiet, john = approvers
    change = make_change(agent)
    with django_capture_on_commit_callbacks(execute=True):
        to_authorisation(agent, change, "medium")
    told = set(Notification.objects.filter(verb="change_approval").values_list("user", flat=True))
    assert {carmen.pk, quiet.pk, john.pk} <= told  # everyone is told in the app
    rows = _approval_mail()
    assert {r.recipient_id for r in rows} >= {carmen.pk, john.pk}
    assert quiet.pk not in {r.recipient_id for r in rows}  # e-mail off: no mail queued
    assert all(r.ticket_id == change.pk for r in rows)

    deliver_due()
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert "quiet@example.com" not in by_address
    spanish, english = by_address["carmen@example.com"], by_address["john@example.com"]
    assert spanish["Subject"].strip() == f"[{change.number}] Aprobación solicitada: {change.title}"
    assert english["Subject"] == f"[{change.number}] Approval requested: {change.title}"
    assert spanish["Auto-Submitted"] == "auto-generated"
    text = spanish.get_body(preferencelist=("plain",)).get_content()
    assert f"Se solicita su aprobación para el cambio {change.number}." in text
    assert f"https://desk.example.com/changes/{change.number}/" in text
    assert "https://desk.example.com/changes/approvals/" in text
    html = english.get_body(preferencelist=("html",)).get_content()
    assert f'href="https://desk.example.com/changes/{change.number}/"' in html
    assert 'href="https://desk.example.com/changes/approvals/"' in html
    assert {r.status for r in _approval_mail()} == {OutboundStatus.SENT}


def test_turning_email_off_after_queueing_suppresses_at_delivery(
    agent, approvers, smtp_server, django_capture_on_commit_callbacks
):
    carmen, _quiet, _john = approvers
    change = make_change(agent)
    with django_capture_on_commit_callbacks(execute=True):
        to_authorisation(agent, change, "medium")
    carmen.email_notifications = False
    carmen.save()
    deliver_due()
    row = OutboundMessage.objects.get(kind=OutboundKind.CHANGE_APPROVAL, recipient=carmen)
    assert row.status == OutboundStatus.SUPPRESSED
    assert "carmen@example.com" not in {m["To"] for m in smtp_server.messages}


def test_the_notification_and_the_mail_commit_together(agent, approvers, monkeypatch):
    """A failure while queueing the mail leaves no half-told approver: the request for
    approval, the notification and the mail are one transaction."""
    from atiende.mail.outbound import outbox

    change = make_change(agent)
    carmen = approvers[0]

    def broken(rows):
        list(rows)
        raise RuntimeError("outbox down")

    monkeypatch.setattr(outbox, "queue_many", broken)
    with pytest.raises(RuntimeError):
        to_authorisation(agent, change, "medium")
    change.refresh_from_db()
    assert change.status == "assessment"
    assert not Notification.objects.filter(user=carmen, verb="change_approval").exists()
