"""SLA happenings appear in the desk timeline, labelled, and never in the portal."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from atiende.sla.actions import sweep_due

from ..factories import make_ticket
from .conftest import at, escalate, make_policy

pytestmark = pytest.mark.usefixtures("desk_default_team")


@pytest.fixture
def breached(office, requester, committed):
    policy = make_policy(office, targets={3: (60, 480, None)})
    escalate(policy, "breach", "notify_team")
    with committed(at(2, 9)):
        ticket = make_ticket(requester, impact=2, urgency=2)
    sweep_due(now=at(2, 10))
    return ticket


def test_desk_timeline_shows_sla_entries(client, agent, breached):
    client.force_login(agent)
    with time_machine.travel(at(2, 10, 5), tick=False):
        page = client.get(reverse("desk:ticket", args=[breached.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "clocks started under Standard (P3)" in html
    assert "first response: target about to be missed" not in html  # skipped: past due
    assert "first response: target missed" in html
    assert "first response: notified the team (1)" in html


def test_portal_timeline_hides_sla_entries(client, requester, breached):
    client.force_login(requester)
    with time_machine.travel(at(2, 10, 5), tick=False):
        page = client.get(reverse("portal:ticket", args=[breached.number]))
    assert page.status_code == 200
    assert "target missed" not in page.content.decode()
    assert "clocks started" not in page.content.decode()
