"""The SLA admin without JSON: opening hours as a weekday grid, a time zone picker,
checkboxes for kinds/priorities/pausing statuses, and targets in hours and minutes. Each
reads and writes what the models store; bad input is an error on the field, never a 500."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.forms import modelform_factory
from django.urls import reverse

from atiende.audit.models import AuditEntry
from atiende.sla.calendar import WeeklyHours
from atiende.sla.forms import (
    BusinessCalendarForm,
    SlaPolicyForm,
    SlaTargetForm,
    WeeklyHoursField,
    compact,
)
from atiende.sla.models import BusinessCalendar, SlaPolicy, SlaTarget

from .conftest import make_policy

INPUT = re.compile(r'<input type="time" name="(hours_[a-z]+_\d+_(?:from|to))"[^>]*value="([^"]*)"')


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _calendar_post(calendar: BusinessCalendar, html: str, **changes) -> dict:
    data = {
        "name": calendar.name, "time_zone": calendar.time_zone, "country": calendar.country,
        "subdivision": calendar.subdivision,
        "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "0", "closures-INITIAL_FORMS": "0",
    }  # fmt: skip
    if calendar.is_24x7:
        data["is_24x7"] = "on"
    data.update(INPUT.findall(html))
    data.update(changes)
    return data


OTHER_WEEKS = [
    {"mon-fri": "08:00-14:00, 15:00-18:00", "sat": "10:00-24:00"},
    {"0": "9:00-17:00", "fri": "09:00-13:00"},  # numbers, one-digit hours: kept as written
    {"mon": "07:00-09:00, 10:00-12:00, 13:00-15:00"},  # three intervals: three columns
    {},
]


def test_every_calendar_renders_as_a_grid_and_resaves_unchanged(admin_client):
    for i, hours in enumerate(OTHER_WEEKS):
        BusinessCalendar.objects.create(name=f"Week {i}", time_zone="Europe/Madrid", hours=hours)
    calendars = list(BusinessCalendar.objects.all())
    assert {"24x7", "Office hours (Mon-Fri 09:00-17:00)"} <= {c.name for c in calendars}
    for calendar in calendars:
        url = reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
        html = admin_client.get(url).content.decode()
        form_html = html[html.index('class="sla-weekly-hours"') : html.index("</table>")]
        assert "style=" not in form_html and "<script" not in form_html
        response = admin_client.post(url, _calendar_post(calendar, html))
        assert response.status_code == 302, (calendar.name, response.content.decode()[:3000])
        saved = BusinessCalendar.objects.get(pk=calendar.pk)
        assert saved.hours == calendar.hours, calendar.name
        assert saved.time_zone == calendar.time_zone
    kind = ContentType.objects.get_for_model(BusinessCalendar)
    assert not AuditEntry.objects.filter(content_type=kind, action="updated").exists()


def test_the_grid_shows_stored_hours_and_midnight_as_00_00(admin_client, office):
    office.hours = {"mon-fri": "09:00-17:00", "sat": "10:00-24:00"}
    office.save()
    html = admin_client.get(reverse("admin:sla_businesscalendar_change", args=[office.pk]))
    values = dict(INPUT.findall(html.content.decode()))
    assert values["hours_wed_0_from"] == "09:00" and values["hours_wed_0_to"] == "17:00"
    assert values["hours_sat_0_to"] == "00:00"
    assert values["hours_sun_0_from"] == "" and values["hours_mon_1_from"] == ""


def test_a_changed_grid_is_saved_compactly_and_audited(admin_client, office):
    url = reverse("admin:sla_businesscalendar_change", args=[office.pk])
    html = admin_client.get(url).content.decode()
    data = _calendar_post(
        office, html, hours_sat_0_from="10:00", hours_sat_0_to="00:00",
        hours_mon_1_from="", hours_fri_0_to="14:00",
    )  # fmt: skip
    assert admin_client.post(url, data).status_code == 302
    office.refresh_from_db()
    assert office.hours == {"mon-thu": "09:00-17:00", "fri": "09:00-14:00", "sat": "10:00-24:00"}
    entry = AuditEntry.objects.get(object_id=office.pk, action="updated")
    assert entry.changes["hours"][1] == office.hours


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours_mon_0_to": ""}, "give both the opening and the closing time"),
        ({"hours_mon_0_from": "18:00"}, "Invalid opening hours"),
        ({"hours_tue_1_from": "12:00", "hours_tue_1_to": "13:00"}, "overlap"),
        ({"hours_wed_0_from": "25:00"}, "is not a time like 09:00"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_invalid_grid_or_zone_is_a_form_error(admin_client, office, changes, message):
    url = reverse("admin:sla_businesscalendar_change", args=[office.pk])
    html = admin_client.get(url).content.decode()
    response = admin_client.post(url, _calendar_post(office, html, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    office.refresh_from_db()
    assert office.hours == {"mon-fri": "09:00-17:00"}


def test_compact_joins_consecutive_days_with_the_same_hours():
    weekly = WeeklyHours.parse({"mon": "9:00-17:00", "tue-wed": "09:00-17:00", "sun": "1:00-2:00"})
    assert compact(weekly) == {"mon-wed": "09:00-17:00", "sun": "01:00-02:00"}
    assert WeeklyHoursField(required=False).clean([[["", ""]]] * 7) == {}


CalendarForm = modelform_factory(
    BusinessCalendar, form=BusinessCalendarForm, fields=["name", "time_zone", "hours"]
)


def test_time_zone_picker_is_grouped_and_keeps_a_legacy_zone(office):
    form = CalendarForm(instance=office)
    assert '<optgroup label="Europe">' in str(form["time_zone"])
    office.time_zone = "EST5EDT"  # valid for zoneinfo, not offered by the picker
    legacy = CalendarForm(instance=office)
    assert '<option value="EST5EDT" selected>' in str(legacy["time_zone"])


PolicyForm = modelform_factory(
    SlaPolicy,
    form=SlaPolicyForm,
    fields=["name", "position", "calendar", "kinds", "priorities", "pause_statuses",
            "warn_at_percent"],
)  # fmt: skip


def test_policy_conditions_are_checkboxes_of_the_ticket_choices(office):
    policy = make_policy(office, kinds=["incident"], priorities=[2, 1])
    html = str(PolicyForm(instance=policy)["kinds"])
    assert 'type="checkbox"' in html and 'value="incident" id="id_kinds_0" checked' in html
    same = {"name": policy.name, "position": 0, "calendar": office.pk, "warn_at_percent": 75,
            "kinds": ["incident"], "priorities": ["1", "2"], "pause_statuses": ["pending"]}  # fmt: skip
    form = PolicyForm(same, instance=policy)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["priorities"] == [2, 1]  # the stored list, untouched
    changed = PolicyForm({**same, "priorities": ["3"], "kinds": []}, instance=policy)
    assert changed.is_valid(), changed.errors
    assert changed.save().priorities == [3] and changed.instance.kinds == []
    bad = PolicyForm({**same, "pause_statuses": ["sleeping"]}, instance=policy)
    assert not bad.is_valid() and "pause_statuses" in bad.errors


TargetForm = modelform_factory(
    SlaTarget,
    form=SlaTargetForm,
    fields=["policy", "priority", "first_response_minutes", "resolution_minutes",
            "next_response_minutes"],
)  # fmt: skip


def test_targets_are_hours_and_minutes(office):
    policy = make_policy(office)
    data = {"policy": policy.pk, "priority": 3,
            "first_response_minutes_hours": "1", "first_response_minutes_minutes": "30",
            "resolution_minutes_hours": "8", "resolution_minutes_minutes": "",
            "next_response_minutes_hours": "", "next_response_minutes_minutes": ""}  # fmt: skip
    form = TargetForm(data)
    assert form.is_valid(), form.errors
    target = form.save()
    assert (target.first_response_minutes, target.resolution_minutes) == (90, 480)
    assert target.next_response_minutes is None
    html = str(TargetForm(instance=target)["first_response_minutes"])
    assert 'value="1"' in html and 'value="30"' in html
    assert not TargetForm({**data, "first_response_minutes_minutes": "75"}).is_valid()
    assert not TargetForm({**data, "resolution_minutes_hours": ""}).is_valid()
    zero = TargetForm(
        {**data, "first_response_minutes_hours": "0", "first_response_minutes_minutes": "0"}
    )
    assert not zero.is_valid() and "first_response_minutes" in zero.errors
