"""Service-level configuration over the API: managers create, change and delete calendars and
policies; agents read them; requesters are refused. The models' rules (shared with the
admin) answer 422 on the field, stale versions 409, and every write is in the audit log."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from atiende.audit.models import Action, AuditEntry
from atiende.sla.models import BusinessCalendar, CalendarHoliday, SlaPolicy, SlaTarget

from .conftest import assert_error

pytestmark = pytest.mark.django_db

CALENDAR = {
    "name": "Madrid office",
    "time_zone": "Europe/Madrid",
    "country": "ES",
    "subdivision": "MD",
    "hours": {"mon-thu": "08:00-14:00, 15:00-18:00", "fri": "08:00-15:00"},
    "holidays": [{"date": "2026-06-12", "name": "Anniversary"}],
    "closures": [{"start": "2026-12-24T14:00", "end": "2026-12-24T18:00", "reason": "Eve"}],
}


def _entries(model, pk=None):
    found = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return found.filter(object_id=pk) if pk is not None else found


@pytest.fixture
def calendar(manager, api_as):
    response = api_as(manager).post("/sla/calendars", CALENDAR)
    assert response.status_code == 201, response.content
    return response.json()


def _policy_body(calendar_id, **extra):
    return {
        "name": "VIP incidents",
        "calendar": calendar_id,
        "position": 5,
        "kinds": ["incident"],
        "priorities": [1, 2],
        "pause_statuses": ["pending"],
        "targets": [
            {"priority": 1, "first_response_minutes": 15, "resolution_minutes": 240},
            {
                "priority": 2,
                "first_response_minutes": 30,
                "resolution_minutes": 480,
                "next_response_minutes": 60,
            },
        ],
        "escalations": [{"trigger": "breach", "action": "notify_managers"}],
        **extra,
    }


# --- calendars -----------------------------------------------------------------------------------


def test_manager_creates_a_calendar_with_holidays_and_closures(calendar, manager):
    assert calendar["hours"] == CALENDAR["hours"]
    assert calendar["holidays"] == [{"date": "2026-06-12", "name": "Anniversary"}]
    # A naive time is the caller's (UTC here) and comes back aware.
    assert calendar["closures"][0]["start"].startswith("2026-12-24T14:00")
    assert calendar["version"] == 1
    created = _entries(BusinessCalendar, calendar["id"]).get()
    assert created.action == Action.CREATED and created.actor == manager
    assert created.changes["time_zone"] == [None, "Europe/Madrid"]
    assert _entries(CalendarHoliday).filter(action=Action.CREATED).count() == 1


def test_agent_reads_calendars_but_cannot_write(calendar, agent, api_as):
    client = api_as(agent)
    listed = client.get("/sla/calendars").json()
    assert calendar["id"] in [c["id"] for c in listed["items"]]
    assert listed["count"] == len(listed["items"])
    assert client.get(f"/sla/calendars/{calendar['id']}").json()["name"] == "Madrid office"
    assert_error(client.post("/sla/calendars", {**CALENDAR, "name": "Mine"}), 403)
    assert_error(client.patch(f"/sla/calendars/{calendar['id']}", {"name": "X"}), 403)
    assert_error(client.delete(f"/sla/calendars/{calendar['id']}"), 403)
    assert BusinessCalendar.objects.get(pk=calendar["id"]).name == "Madrid office"


def test_requester_is_refused_everything(calendar, requester, api_as):
    """Lists are 403; one calendar or policy is a 404 (denied looks like missing)."""
    client = api_as(requester)
    policy = SlaPolicy.objects.first()
    assert_error(client.get("/sla/calendars"), 403)
    assert_error(client.get("/sla/policies"), 403)
    assert_error(client.get(f"/sla/calendars/{calendar['id']}"), 404)
    assert_error(client.get(f"/sla/policies/{policy.pk}"), 404)
    assert_error(client.patch(f"/sla/policies/{policy.pk}", {"name": "Mine"}), 404)
    assert_error(client.delete(f"/sla/calendars/{calendar['id']}"), 404)
    assert_error(client.post("/sla/calendars", {**CALENDAR, "name": "Mine"}), 403)
    assert_error(client.post("/sla/policies", _policy_body(calendar["id"])), 403)
    assert not BusinessCalendar.objects.filter(name="Mine").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": {"mon-fri": "17:00-09:00"}}, "hours"),
        ({"hours": {"funday": "09:00-17:00"}}, "hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "24x7"}, "name"),  # taken by the seeded calendar
        ({"holidays": [{"date": "1850-01-01"}]}, "holidays.0.date"),
        ({"holidays": [{"date": "2026-01-06"}, {"date": "2026-01-06"}]}, "holidays.1"),
        ({"closures": [{"start": "2026-05-02", "end": "2026-05-01"}]}, "closures.0.end"),
        ({"closures": [{"start": "2026-01-01", "end": "2028-01-01"}]}, "closures.0.end"),
        ({"country": "XX"}, "__all__"),
    ],
)
def test_invalid_calendars_are_422_on_the_field_and_change_nothing(
    calendar, manager, api_as, change, field
):
    client = api_as(manager)
    before = AuditEntry.objects.count()
    assert_error(client.patch(f"/sla/calendars/{calendar['id']}", change), 422, field)
    assert_error(client.post("/sla/calendars", {**CALENDAR, "name": "New", **change}), 422)
    assert client.get(f"/sla/calendars/{calendar['id']}").json() == calendar
    assert AuditEntry.objects.count() == before


def test_patch_replaces_lists_and_records_only_what_changed(calendar, manager, api_as):
    client = api_as(manager)
    url = f"/sla/calendars/{calendar['id']}"
    same = client.patch(url, {"holidays": CALENDAR["holidays"], "hours": CALENDAR["hours"]})
    assert same.status_code == 200 and same.json()["version"] == 1  # nothing changed
    count = AuditEntry.objects.count()
    changed = client.patch(
        url,
        {"version": 1, "holidays": [{"date": "2026-06-12", "name": "Founding day"},
                                    {"date": "2026-11-03"}]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["version"] == 2
    assert [h["date"] for h in body["holidays"]] == ["2026-06-12", "2026-11-03"]
    new = AuditEntry.objects.order_by("pk")[count:]
    # The rows are recorded as themselves (as the admin's inlines are); the calendar's own
    # fields did not change, so it has no entry.
    assert sorted((e.content_type.model, e.action) for e in new) == [
        ("calendarholiday", Action.CREATED),
        ("calendarholiday", Action.UPDATED),
    ]


def test_a_stale_version_is_a_conflict(calendar, manager, api_as):
    client = api_as(manager)
    url = f"/sla/calendars/{calendar['id']}"
    assert client.patch(url, {"version": 1, "is_24x7": True}).status_code == 200
    body = assert_error(client.patch(url, {"version": 1, "name": "Late"}), 409)
    assert body["current_version"] == 2
    assert_error(client.delete(url + "?version=1"), 409)


def test_null_for_a_required_field_is_422(calendar, manager, api_as):
    assert_error(
        api_as(manager).patch(f"/sla/calendars/{calendar['id']}", {"name": None}), 422, "name"
    )


def test_delete_refuses_a_calendar_in_use_and_deletes_an_unused_one(calendar, manager, api_as):
    client = api_as(manager)
    in_use = BusinessCalendar.objects.get(name="24x7")
    assert SlaPolicy.objects.filter(calendar=in_use).exists()
    assert_error(client.delete(f"/sla/calendars/{in_use.pk}"), 409)
    assert client.delete(f"/sla/calendars/{calendar['id']}").status_code == 204
    assert not BusinessCalendar.objects.filter(pk=calendar["id"]).exists()
    assert _entries(BusinessCalendar, calendar["id"]).filter(action=Action.DELETED).exists()
    assert_error(client.get(f"/sla/calendars/{calendar['id']}"), 404)


# --- policies ------------------------------------------------------------------------------------


def test_manager_creates_a_policy_and_agents_read_it(calendar, manager, agent, team, api_as):
    response = api_as(manager).post("/sla/policies", _policy_body(calendar["id"], teams=[team.pk]))
    assert response.status_code == 201, response.content
    policy = response.json()
    assert policy["calendar"] == {"id": calendar["id"], "name": "Madrid office"}
    assert policy["teams"] == [{"id": team.pk, "name": team.name}]
    assert [t["priority"] for t in policy["targets"]] == [1, 2]
    assert policy["escalations"] == [
        {"trigger": "breach", "clock": "any", "action": "notify_managers", "team": None}
    ]
    entry = _entries(SlaPolicy, policy["id"]).get()
    assert entry.changes["teams"] == [None, [team.name]]
    assert _entries(SlaTarget).filter(action=Action.CREATED).count() == 2
    read = api_as(agent).get(f"/sla/policies/{policy['id']}").json()
    assert read == policy
    assert_error(api_as(agent).patch(f"/sla/policies/{policy['id']}", {"position": 1}), 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kinds": ["incident", "gossip"]}, "kinds"),
        ({"kinds": ["incident", "incident"]}, "kinds"),
        ({"priorities": [0]}, "priorities"),
        ({"pause_statuses": ["sleeping"]}, "pause_statuses"),
        ({"calendar": 999999}, "calendar"),
        ({"teams": [999999]}, "teams"),
        ({"escalations": [{"trigger": "breach", "action": "reassign_team"}]}, "escalations.0.team"),
        ({"escalations": [{"trigger": "often", "action": "notify_team"}]}, "escalations.0.trigger"),
        ({"targets": [{"priority": 3, "first_response_minutes": 0,
                       "resolution_minutes": 60}]}, "targets.0.first_response_minutes"),
        ({"targets": [{"priority": 3, "first_response_minutes": 5, "resolution_minutes": 60},
                      {"priority": 3, "first_response_minutes": 5, "resolution_minutes": 60}]},
         "targets.1"),
    ],
)  # fmt: skip
def test_invalid_policies_are_422_on_the_field(calendar, manager, api_as, change, field):
    client = api_as(manager)
    assert_error(client.post("/sla/policies", _policy_body(calendar["id"], **change)), 422, field)
    assert not SlaPolicy.objects.filter(name="VIP incidents").exists()
    policy = SlaPolicy.objects.get(name="Standard (office hours)")
    before = AuditEntry.objects.count()
    assert_error(client.patch(f"/sla/policies/{policy.pk}", change), 422, field)
    assert AuditEntry.objects.count() == before


def test_policy_patch_changes_targets_by_priority_and_deactivates(calendar, manager, api_as):
    client = api_as(manager)
    policy = client.post("/sla/policies", _policy_body(calendar["id"])).json()
    url = f"/sla/policies/{policy['id']}"
    count = AuditEntry.objects.count()
    response = client.patch(
        url,
        {"version": policy["version"], "is_active": False,
         "targets": [{"priority": 1, "first_response_minutes": 10, "resolution_minutes": 240}]},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_active"] is False and body["version"] == policy["version"] + 1
    assert body["targets"] == [{"priority": 1, "first_response_minutes": 10,
                                "resolution_minutes": 240, "next_response_minutes": None}]  # fmt: skip
    actions = sorted(
        (e.content_type.model, e.action) for e in AuditEntry.objects.order_by("pk")[count:]
    )
    assert actions == [
        ("slapolicy", Action.UPDATED),
        ("slatarget", Action.DELETED),
        ("slatarget", Action.UPDATED),
    ]
    assert_error(client.patch(url, {"version": policy["version"], "name": "x"}), 409)


def test_policies_cannot_be_deleted_over_the_api(manager, api_as):
    policy = SlaPolicy.objects.first()
    assert api_as(manager).delete(f"/sla/policies/{policy.pk}").status_code == 405
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_lists_cost_the_same_queries_whatever_their_length(
    calendar, manager, team, api_as, django_assert_max_num_queries
):
    client = api_as(manager)
    for i in range(5):
        body = _policy_body(calendar["id"], name=f"Policy {i}", teams=[team.pk])
        body["escalations"] = [{"trigger": "breach", "action": "notify_team", "team": team.pk}]
        assert client.post("/sla/policies", body).status_code == 201
        assert client.post("/sla/calendars", {**CALENDAR, "name": f"Cal {i}"}).status_code == 201
    # Authentication (token, user) + the rows and one query per prefetched relation.
    with django_assert_max_num_queries(12):
        policies = client.get("/sla/policies").json()
    assert policies["count"] >= 5
    with django_assert_max_num_queries(7):
        calendars = client.get("/sla/calendars").json()
    assert calendars["count"] >= 6
