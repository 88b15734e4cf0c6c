"""The continual improvement register through the pages and the API: create, edit, history,
filters, bad input (4xx, nothing written) and who may do what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.audit.models import AuditEntry
from atiende.improvement.models import ImprovementItem, ItemStatus

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "title": "Self-service password resets",
    "description": "Half of the calls are password resets.",
    "owner": "agent",
    "status": "proposed",
    "priority": "1",
    "expected_benefit": "Fewer calls",
    "metric": "incidents_created",
    "baseline_value": "120",
    "baseline_start": "2026-01-01",
    "baseline_end": "2026-01-31",
    "current_value": "",
    "measured_at": "",
    "tickets": "",
    "trends": "",
}


def test_create_edit_and_history_through_the_pages(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    client = _client(agent)
    assert client.get(reverse("improvement:new")).status_code == 200
    response = client.post(reverse("improvement:new"), {**FORM, "tickets": ticket.number})
    item = ImprovementItem.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "improvement:item", args=[item.pk]
    )
    assert (item.owner, item.metric, str(item.baseline_value)) == (
        agent,
        "incidents_created",
        "120.0000",
    )
    assert list(item.tickets.all()) == [ticket]
    edit = reverse("improvement:edit", args=[item.pk])
    assert "120" in client.get(edit).content.decode()
    changed = {**FORM, "tickets": ticket.number, "status": "in_progress", "current_value": "80.5",
               "measured_at": "2026-03-01", "version": "1"}  # fmt: skip
    assert client.post(edit, changed).status_code == 302
    item.refresh_from_db()
    assert (item.status, str(item.current_value), item.version) == ("in_progress", "80.5000", 2)
    entries = AuditEntry.objects.filter(object_id=item.pk, content_type__model="improvementitem")
    assert entries.count() == 2
    updated = entries.get(action="updated")
    assert updated.changes["status"] == ["proposed", "in_progress"]
    page = client.get(reverse("improvement:item", args=[item.pk])).content.decode()
    assert "in_progress" in page and ticket.number in page and "80.5" in page


def test_bad_input_on_the_form_writes_nothing(agent):
    client = _client(agent)
    bad = {**FORM, "title": "", "baseline_value": "lots", "baseline_start": "2026-02-01",
           "baseline_end": "2026-01-01", "owner": "nobody", "tickets": "INC-999999"}  # fmt: skip
    response = client.post(reverse("improvement:new"), bad)
    assert response.status_code == 422
    assert not ImprovementItem.objects.exists() and not AuditEntry.objects.exists()
    response = client.post(reverse("improvement:new"), {**FORM, "tickets": "INC-999999"})
    assert response.status_code == 422 and "INC-999999" in response.content.decode()
    response = client.post(reverse("improvement:new"), {**FORM, "baseline_value": "x"})
    assert response.status_code == 422
    assert not ImprovementItem.objects.exists()


def test_a_stale_edit_is_refused(agent):
    client = _client(agent)
    client.post(reverse("improvement:new"), FORM)
    item = ImprovementItem.objects.get()
    edit = reverse("improvement:edit", args=[item.pk])
    assert client.post(edit, {**FORM, "title": "One", "version": "1"}).status_code == 302
    assert client.post(edit, {**FORM, "title": "Two", "version": "1"}).status_code == 422
    item.refresh_from_db()
    assert item.title == "One"


def test_only_managers_approve_and_delete(agent, manager):
    client = _client(agent)
    assert (
        client.post(reverse("improvement:new"), {**FORM, "status": "approved"}).status_code == 403
    )
    client.post(reverse("improvement:new"), FORM)
    item = ImprovementItem.objects.get()
    edit = reverse("improvement:edit", args=[item.pk])
    assert client.post(edit, {**FORM, "status": "approved"}).status_code == 403
    assert _client(manager).post(edit, {**FORM, "status": "approved"}).status_code == 302
    delete = reverse("improvement:delete", args=[item.pk])
    client.post(delete)
    assert ImprovementItem.objects.exists()
    _client(manager).post(delete)
    assert not ImprovementItem.objects.exists()


def test_requesters_see_nothing(requester, agent):
    _client(agent).post(reverse("improvement:new"), FORM)
    item = ImprovementItem.objects.get()
    client = _client(requester)
    assert client.get(reverse("improvement:list")).status_code == 302  # sent to the portal
    assert client.get(reverse("improvement:item", args=[item.pk])).status_code == 404
    assert client.post(reverse("improvement:new"), FORM).status_code == 404
    assert ImprovementItem.objects.count() == 1
    api = ApiClient(requester)
    assert api.get("/improvement/items").status_code == 404
    assert api.get(f"/improvement/items/{item.pk}").status_code == 404
    assert api.post("/improvement/items", {"title": "x"}).status_code == 404
    assert api.get("/improvement/trends").status_code == 404
    assert ImprovementItem.objects.count() == 1


def test_list_filters(agent, manager):
    for title, status, metric in [("A", "proposed", "reopen_rate"), ("B", "done", "csat_score")]:
        _client(manager).post(
            reverse("improvement:new"), {**FORM, "title": title, "status": status, "metric": metric}
        )
    client = _client(agent)
    body = client.get(reverse("improvement:list"), {"status": "done"}).content.decode()
    assert ">B</a>" in body and ">A</a>" not in body
    body = client.get(reverse("improvement:list"), {"metric": "reopen_rate"}).content.decode()
    assert ">A</a>" in body and ">B</a>" not in body


def test_the_register_in_spanish(agent):
    client = _client(agent)
    client.cookies["django_language"] = "es"
    body = client.get(reverse("improvement:list"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Registro de mejoras" in body and "Nueva mejora" in body and "Tendencias" in body


# --- API ------------------------------------------------------------------------------------------


def test_api_crud(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester)
    api = ApiClient(agent)
    body = {"title": "Knowledge articles for VPN", "owner": agent.pk, "metric": "first_contact_resolution",
            "baseline_value": "41.5", "baseline_start": "2026-01-01", "baseline_end": "2026-03-31",
            "tickets": [ticket.number], "priority": 2}  # fmt: skip
    created = api.post("/improvement/items", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["owner"]["id"] == agent.pk and data["tickets"][0]["number"] == ticket.number
    assert data["baseline_value"] in ("41.5000", 41.5) and data["version"] == 1
    item_id = data["id"]
    listed = api.get("/improvement/items", {"metric": "first_contact_resolution"}).json()
    assert [i["id"] for i in listed["items"]] == [item_id]
    patched = api.patch(f"/improvement/items/{item_id}",
                        {"version": 1, "current_value": 55, "status": "in_progress"})  # fmt: skip
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert_error(api.patch(f"/improvement/items/{item_id}", {"version": 1, "title": "x"}), 409)
    assert api.get(f"/improvement/items/{item_id}").json()["status"] == "in_progress"
    assert api.delete(f"/improvement/items/{item_id}").status_code == 403
    assert ApiClient(manager).delete(f"/improvement/items/{item_id}").status_code == 204
    assert api.get(f"/improvement/items/{item_id}").status_code == 404
    metrics = api.get("/improvement/metrics").json()
    assert {
        "key": "reopen_rate",
        "label": "Reopen rate",
        "unit": "percent",
        "better": "lower",
    } in metrics


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "metric": "happiness"}, "metric"),
        ({"title": "x", "status": "finished"}, "status"),
        ({"title": "x", "priority": 9}, "priority"),
        ({"title": "x", "owner": 999999}, "owner"),
        ({"title": "x", "tickets": ["INC-424242"]}, "tickets"),
        ({"title": "x", "trends": [999999]}, "trends"),
        ({"title": "x", "baseline_value": "1e20"}, "baseline_value"),
        (
            {"title": "x", "baseline_start": "2026-02-01", "baseline_end": "2026-01-01"},
            "baseline_end",
        ),
        ({"title": "x", "surprise": 1}, None),
    ],
)
def test_api_bad_input_is_422_and_writes_nothing(agent, body, field):
    api = ApiClient(agent)
    audited = AuditEntry.objects.count()  # the token's creation is audited
    response = api.post("/improvement/items", body)
    assert_error(response, 422, field)
    assert not ImprovementItem.objects.exists() and AuditEntry.objects.count() == audited


def test_api_owner_must_be_an_agent(agent, requester):
    response = ApiClient(agent).post("/improvement/items", {"title": "x", "owner": requester.pk})
    assert_error(response, 422, "owner")


def test_api_list_filters_are_checked(agent):
    api = ApiClient(agent)
    assert_error(api.get("/improvement/items", {"status": "nope"}), 422, "status")
    assert_error(api.get("/improvement/items", {"cursor": "garbage"}), 422, "cursor")
    assert_error(api.get("/improvement/trends", {"status": "nope"}), 422, "status")


def test_api_pages_with_a_cursor(agent):
    api = ApiClient(agent)
    for n in range(3):
        api.post("/improvement/items", {"title": f"Item {n}"})
    first = api.get("/improvement/items", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["count"] == 3 and first["next"]
    second = api.client.get(first["next"]).json()
    assert [i["title"] for i in second["items"]] == ["Item 0"] and second["next"] is None
    assert ItemStatus.PROPOSED in {i["status"] for i in first["items"]}


def test_api_measured_at_is_read_in_the_callers_zone_and_bad_dates_are_422(agent):
    api = ApiClient(agent)
    created = api.post("/improvement/items", {"title": "x", "measured_at": "2026-03-01"})
    assert created.status_code == 201
    assert created.json()["measured_at"].startswith("2026-03-01T00:00:00")
    assert_error(
        api.post("/improvement/items", {"title": "y", "measured_at": "0001-01-01"}),
        422,
        "measured_at",
    )
    assert_error(
        api.post("/improvement/items", {"title": "y", "baseline_start": "yesterday"}),
        422,
        "baseline_start",
    )
    assert ImprovementItem.objects.count() == 1
