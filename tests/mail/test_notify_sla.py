"""SLA warnings and breaches by e-mail go to exactly the people the SLA escalation told in the
app (the assignee, or the team's agents when nobody is assigned), once, in their language and
time zone; the decision of who is told stays in the SLA domain."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import deliver_due
from atiende.notifications.actions import notify
from atiende.notifications.models import Notification
from atiende.sla.actions import sweep_due
from atiende.sla.models import BusinessCalendar, EscalationAction, SlaPolicy, Trigger
from atiende.tickets.models import DeskSettings

from ..factories import AgentFactory, RequesterFactory, add_to_team, make_ticket
from ..sla.conftest import escalate, make_policy
from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)  # a Monday


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextmanager
    def run(when: datetime):
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return run


@pytest.fixture
def setup(db, team, committed):
    SlaPolicy.objects.all().delete()
    office = BusinessCalendar.objects.create(
        name="Office", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    policy = make_policy(office, targets={3: (60, 480, None)})
    escalate(policy, Trigger.WARNING, EscalationAction.NOTIFY_ASSIGNEE)
    escalate(policy, Trigger.BREACH, EscalationAction.NOTIFY_ASSIGNEE)
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    luis = add_to_team(
        AgentFactory(email="luis@example.com", first_name="Luis", language="es",
                     time_zone="America/Mexico_City"),
        team,
    )  # fmt: skip
    kim = add_to_team(AgentFactory(email="kim@example.com", first_name="Kim"), team)
    requester = RequesterFactory(email="ana@example.org")
    with committed(at(9)):
        ticket = make_ticket(requester, impact=2, urgency=2)
    OutboundMessage.objects.all().delete()  # the acknowledgement is not what this is about
    return ticket, luis, kim


def test_an_unassigned_tickets_warning_goes_to_the_teams_agents_once(setup, smtp_server, settings):
    ticket, luis, kim = setup
    assert sweep_due(now=at(9, 45)).warned == 1
    assert sweep_due(now=at(9, 50)).warned == 0
    told = set(Notification.objects.filter(verb="sla_warning").values_list("user_id", flat=True))
    rows = OutboundMessage.objects.filter(kind=OutboundKind.SLA_WARNING)
    assert set(rows.values_list("recipient_id", flat=True)) == told == {luis.pk, kim.pk}

    deliver_due()
    by_address = {r.rcpt_tos[0]: r.message for r in smtp_server.received}
    assert set(by_address) == {"luis@example.com", "kim@example.com"}
    spanish = by_address["luis@example.com"]
    assert spanish["Subject"] == f"[{ticket.number}] Aviso de SLA: {ticket.title}"
    assert spanish["Auto-Submitted"] == "auto-generated"
    text = spanish.get_body(preferencelist=("plain",)).get_content()
    assert "primera respuesta" in text and "a punto de incumplirse" in text
    assert "04:00" in text and "America/Mexico_City" in text  # 10:00 UTC in Mexico City (UTC-6)
    assert f"/desk/tickets/{ticket.number}/" in text
    english = by_address["kim@example.com"].get_body(preferencelist=("plain",)).get_content()
    assert "first response target" in english and "2 March 2026, 10:00 (UTC)" in english


def test_a_breach_of_an_assigned_ticket_goes_to_the_assignee_only(setup, committed):
    from atiende.tickets import actions

    ticket, luis, _kim = setup
    with committed(at(9, 10)):
        actions.ticket_update(
            actor=luis, ticket_id=ticket.pk, version=None, changes={"assignee": luis.pk}
        )
    OutboundMessage.objects.all().delete()
    sweep_due(now=at(10, 1))
    rows = OutboundMessage.objects.filter(kind=OutboundKind.SLA_BREACH)
    assert list(rows.values_list("recipient_id", flat=True)) == [luis.pk]


def test_sla_mail_can_be_turned_off(setup, settings):
    settings.MAIL_SLA_NOTIFICATIONS = False
    sweep_due(now=at(9, 45))
    assert Notification.objects.filter(verb="sla_warning").exists()
    assert not OutboundMessage.objects.exists()


def test_single_notifications_follow_too(setup):
    ticket, luis, _kim = setup
    notify(
        user_ids=[luis.pk], verb="sla_breach", ticket_id=ticket.pk, params={"clock": "resolution"}
    )
    row = OutboundMessage.objects.get()
    assert (row.kind, row.recipient_id, row.params) == (
        "sla_breach",
        luis.pk,
        {"clock": "resolution"},
    )
