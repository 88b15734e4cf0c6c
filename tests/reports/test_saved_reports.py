"""Saved reports and their scheduled e-mails: saved from the Reports page (bad input a 422,
nothing written), only their owner's, e-mailed weekly or monthly through the outbox exactly
once per period, composed at delivery in the owner's language with the numbers they may
count."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import Suppress, prepare
from atiende.reports import actions
from atiende.reports.models import SavedReport

from .conftest import at
from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def client_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_save_from_the_page_then_open_and_delete(manager, team):
    client = client_for(manager)
    with time_machine.travel(at(4, 12), tick=False):
        answer = client.post(reverse("reports:save"), {
            "metric": "resolved", "dimension": "agent", "team": team.pk,
            "name": "Resolved by agent", "frequency": "weekly",
        })  # fmt: skip
    assert answer.status_code == 302
    saved = SavedReport.objects.get()
    assert (saved.owner, saved.metric, saved.dimension, saved.filters) == (
        manager,
        "resolved",
        "agent",
        {"team": team.pk},
    )
    # Wednesday 4 March: the next e-mail is Monday 9 March, 07:00 in the owner's zone (UTC).
    assert saved.next_run_at == datetime(2026, 3, 9, 7, tzinfo=UTC)
    page = client.get(reverse("reports:page")).content.decode()
    assert "Resolved by agent" in page and "metric=resolved&amp;dimension=agent&amp;team=" in page
    assert (
        client_for(manager).post(reverse("reports:delete_saved", args=[saved.pk])).status_code
        == 302
    )
    assert not SavedReport.objects.exists()


def test_bad_input_is_a_422_and_writes_nothing(manager, agent):
    client = client_for(manager)
    answer = client.post(reverse("reports:save"), {"metric": "created", "dimension": "team",
                                                   "name": "  ", "frequency": "daily"})  # fmt: skip
    assert answer.status_code == 422
    assert "This field is required." in answer.content.decode() or "Give the report a name." in (
        answer.content.decode()
    )
    answer = client.post(reverse("reports:save"), {"metric": "nope", "name": "X"})
    assert answer.status_code == 422
    assert not SavedReport.objects.exists()
    # Another's saved report: 404, still there.
    saved = actions.saved_report_create(actor=agent, name="Mine", metric="created",
                                        dimension="team")  # fmt: skip
    assert client.post(reverse("reports:delete_saved", args=[saved.pk])).status_code == 404
    assert SavedReport.objects.filter(pk=saved.pk).exists()


def test_schedule_in_the_owners_time_zone():
    madrid = ZoneInfo("Europe/Madrid")
    # Sunday 8 March 23:30 UTC is Monday 00:30 in Madrid: the next run is that Monday 07:00.
    after = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    assert actions.next_run("weekly", after, madrid) == datetime(2026, 3, 9, 7, tzinfo=madrid)
    assert actions.next_run("monthly", after, madrid) == datetime(2026, 4, 1, 7, tzinfo=madrid)
    run = datetime(2026, 3, 9, 7, tzinfo=madrid)
    assert actions.scheduled_period("weekly", run, madrid) == (
        datetime(2026, 3, 2, tzinfo=madrid),
        datetime(2026, 3, 9, tzinfo=madrid),
    )
    assert actions.scheduled_period("monthly", datetime(2026, 4, 1, 7, tzinfo=madrid), madrid) == (
        datetime(2026, 3, 1, tzinfo=madrid),
        datetime(2026, 4, 1, tzinfo=madrid),
    )


def test_due_reports_are_queued_once_and_composed_in_the_owners_language(data, manager, team):
    manager.language, manager.email = "es", "jefa@example.org"
    manager.save()
    with time_machine.travel(at(4, 12), tick=False):
        saved = actions.saved_report_create(actor=manager, name="Resueltos", metric="resolved",
                                            dimension="team", frequency="weekly")  # fmt: skip
        assert actions.scheduled_reports_send() == 0  # not due yet
    with time_machine.travel(at(9, 8), tick=False):
        assert actions.scheduled_reports_send() == 1
        assert actions.scheduled_reports_send() == 0  # claimed: never twice
    row = OutboundMessage.objects.get(kind=OutboundKind.REPORT)
    assert row.recipient == manager and row.params["saved_report"] == saved.pk
    saved.refresh_from_db()
    assert saved.next_run_at == datetime(2026, 3, 16, 7, tzinfo=UTC)
    message, to = prepare(row)
    assert to == "jefa@example.org"
    assert str(message.subject) == "Informe: Resueltos"
    text = message.body
    # The week of 2-8 March: T1, T2 (2 March), T5 (4 March) resolved; T3 on 9 March is not.
    assert "2/3/2026" in text or "2 mar 2026" in text, text
    assert f"{team.name}: 3" in text
    assert "Ver en la mesa de servicio" in text or "/desk/reports/?" in text


def test_a_deleted_report_is_not_sent(manager):
    with time_machine.travel(at(4, 12), tick=False):
        saved = actions.saved_report_create(actor=manager, name="X", metric="created",
                                            dimension="all", frequency="monthly")  # fmt: skip
    with time_machine.travel(at(1, 8, month=4), tick=False):
        assert actions.scheduled_reports_send() == 1
    saved.delete()
    with pytest.raises(Suppress):
        prepare(OutboundMessage.objects.get(kind=OutboundKind.REPORT))
