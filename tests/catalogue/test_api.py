"""The catalogue over the API: browse, the form's schema, submit (validation tests in
test_submit.py), the answers of requests filtered by item."""

from __future__ import annotations

from atiende.catalogue import actions

GOOD = {"os": "linux", "distro": "Debian"}


def test_browse_and_schema(laptop, requester, api_as):
    api = api_as(requester)
    items = api.get("/catalogue/items").json()
    assert [i["name"] for i in items] == ["New laptop"]
    assert items[0]["category"]["name"] == "Hardware" and items[0]["delivery_days"] == 5
    detail = api.get(f"/catalogue/items/{laptop.pk}").json()
    props = detail["form"]["properties"]
    assert props["distro"]["x-show-when"] == {"field": "os", "in": ["linux"]}
    assert props["travels"]["type"] == "boolean"
    assert detail["form"]["required"] == ["os"]


def test_spanish_names(laptop, requester, api_as):
    api = api_as(requester)
    items = api.get("/catalogue/items", HTTP_ACCEPT_LANGUAGE="es").json()
    assert items[0]["name"] == "Portátil nuevo"


def test_submit_and_read_answers(laptop, requester, other_requester, agent, api_as):
    api = api_as(requester)
    created = api.post(f"/catalogue/items/{laptop.pk}/requests", {"answers": GOOD})
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["ticket"]["number"]
    assert number.startswith("REQ-") and body["answers"] == GOOD
    assert api.get(f"/catalogue/requests/{number}").json()["answers"] == GOOD
    assert api_as(other_requester).get(f"/catalogue/requests/{number}").status_code == 404
    listed = api_as(agent).get("/catalogue/requests", {"item": laptop.pk}).json()
    assert [r["ticket"]["number"] for r in listed["items"]] == [number]
    assert api_as(agent).get("/catalogue/requests", {"item": laptop.pk + 99}).json()["items"] == []
    assert api_as(other_requester).get("/catalogue/requests").json()["items"] == []


def test_malformed_bodies(laptop, requester, api_as):
    api = api_as(requester)
    url = f"/catalogue/items/{laptop.pk}/requests"
    assert api.post(url, "not json").status_code == 422
    assert "answers" in api.post(url, {"answers": GOOD, "extra": 1}).json()["errors"]
    assert "answers" in api.post(url, {"answers": [1, 2]}).json()["errors"]
    assert api.post(url, {"answers": {"os": {"deep": 1}}}).json()["errors"]["os"]


def test_item_not_requestable_is_404(laptop, manager, requester, api_as):
    actions.item_save(
        actor=manager,
        item_id=laptop.pk,
        category_id=laptop.category_id,
        name=laptop.name,
        roles=["manager"],
    )
    api = api_as(requester)
    assert api.get(f"/catalogue/items/{laptop.pk}").status_code == 404
    assert api.post(f"/catalogue/items/{laptop.pk}/requests", {"answers": GOOD}).status_code == 404
    assert api.get("/catalogue/items").json() == []


def test_the_item_page_names_its_service(laptop, manager, requester):
    from django.test import Client

    from atiende.cmdb import actions as cmdb_actions

    service = cmdb_actions.item_create(actor=manager, name="Workplace", ci_class="business_service")
    actions.item_save(
        actor=manager, item_id=laptop.pk, category_id=laptop.category_id, name=laptop.name,
        service_id=service.pk,
    )  # fmt: skip
    client = Client()
    client.force_login(requester)
    assert (
        "Part of the service: Workplace"
        in client.get(f"/portal/catalogue/items/{laptop.pk}/").content.decode()
    )
