"""Admin for SLA configuration: calendars preview their next working periods; policies edit
their targets and escalations inline; clocks are read-only; the seeded defaults exist."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from atiende.sla.models import BusinessCalendar, CalendarHoliday

from .conftest import at, make_policy


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_calendar_preview_lists_the_next_working_periods(admin_client, office):
    CalendarHoliday.objects.create(calendar=office, date=at(3, 0).date(), name="Local feast")
    office.save()  # as the admin does when an inline changes: refreshes the cached calendar
    url = reverse("admin:sla_businesscalendar_change", args=[office.pk])
    with time_machine.travel(at(2, 18), tick=False):  # Monday after closing
        html = admin_client.get(url).content.decode()
    assert "Next working periods" in html
    # Tuesday 3 is a holiday: the next period is Wednesday's.
    assert "Wed 2026-03-04 09:00 – Wed 2026-03-04 17:00 UTC" in html
    assert "Tue 2026-03-03" not in html


def test_calendar_with_bad_hours_is_refused_with_a_message(admin_client):
    url = reverse("admin:sla_businesscalendar_add")
    response = admin_client.post(url, {
        "name": "Broken", "time_zone": "UTC", "hours_mon_0_from": "17:00", "hours_mon_0_to": "09:00",
        "country": "", "subdivision": "",
        "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "0", "closures-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Invalid opening hours" in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="Broken").exists()


def test_policy_and_clock_pages_load(admin_client, office):
    policy = make_policy(office, targets={3: (60, 480, None)})
    assert (
        admin_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:sla_slaclock_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:sla_slaclock_add")).status_code == 403


def test_policies_are_deactivated_never_deleted(admin_client, office):
    """Every process holds the active policies in memory: a deleted one would fail the next
    ticket's clocks there. Deactivating takes effect the same way, without that risk."""
    from atiende.sla.models import SlaPolicy

    policy = make_policy(office, targets={3: (60, 480, None)})
    delete = reverse("admin:sla_slapolicy_delete", args=[policy.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    page = admin_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk])).content
    assert b'name="is_active"' in page


def test_seeded_defaults_start_clocks(seeded_policies, requester, agent, committed,
                                       desk_default_team):  # fmt: skip
    """The data migration's 24x7 and 8x5 calendars and ordered policies work out of the box:
    a P1 incident gets the 24x7 policy, anything else the office-hours one."""
    from ..factories import make_ticket
    from .conftest import clock_of

    with committed(at(6, 16)):  # Friday 16:00
        critical = make_ticket(requester, actor=agent, impact=1, urgency=1)
        normal = make_ticket(requester, actor=agent, impact=2, urgency=2)
    # 24x7: 15 min after 16:00 (Friday night counts).
    assert clock_of(critical, "first_response").deadline == at(6, 16, 15)
    assert clock_of(critical, "first_response").policy.name == "Critical incidents (24x7)"
    # Office hours, P3: 120 min = Fri 16:00-17:00 + Mon 09:00-10:00 -> Monday 10:00.
    assert clock_of(normal, "first_response").deadline == at(9, 10)
    assert clock_of(normal, "resolution").policy.name == "Standard (office hours)"
