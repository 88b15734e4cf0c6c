"""The portal's catalogue and request form, the answers on both ticket pages, the desk
queue's item filter, and the managers' editor with its preview."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.catalogue import actions
from atiende.catalogue.models import FieldType, FormField

GOOD = {"f_os": "linux", "f_distro": "Debian", "f_travels": "yes"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_portal_home_leads_to_the_catalogue(portal):
    page = portal.get("/portal/").content.decode()
    assert 'href="/portal/catalogue/"' in page


def test_catalogue_home_groups_items_and_keeps_other_request(laptop, portal):
    page = portal.get("/portal/catalogue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hardware" in html and "New laptop" in html
    assert "/portal/new/?kind=request" in html  # the generic "Other request"


def test_catalogue_in_spanish(laptop, requester):
    requester.language = "es"
    requester.save()
    html = _client(requester).get("/portal/catalogue/").content.decode()
    assert "Equipos" in html and "Portátil nuevo" in html and "Solicitar un servicio" in html


def test_other_request_has_no_incident_hint(portal):
    html = portal.get("/portal/new/?kind=request").content.decode()
    assert "What you need, for whom, and by when." in html
    assert "What happened, since when" not in html


def test_item_page_marks_conditions_for_the_script(laptop, portal):
    html = portal.get(f"/portal/catalogue/items/{laptop.pk}/").content.decode()
    assert 'data-when="f_os"' in html and "&quot;linux&quot;" in html
    assert "catalogue/conditions.js" in html
    assert 'enctype="multipart/form-data"' in html


def test_submit_then_answers_on_the_portal_and_desk_pages(laptop, requester, portal, agent):
    response = portal.post(f"/portal/catalogue/items/{laptop.pk}/", GOOD)
    assert response.status_code == 302
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert number.startswith("REQ-")
    mine = portal.get(response["Location"]).content.decode()
    assert "Request details" in mine and "Which Linux?" in mine and "Debian" in mine
    desk = _client(agent).get(f"/desk/tickets/{number}/").content.decode()
    assert "Request details" in desk and "Debian" in desk


def test_item_not_requestable_is_404(laptop, manager, portal):
    actions.item_save(
        actor=manager,
        item_id=laptop.pk,
        category_id=laptop.category_id,
        name=laptop.name,
        roles=["agent"],
    )
    assert portal.get(f"/portal/catalogue/items/{laptop.pk}/").status_code == 404
    assert portal.post(f"/portal/catalogue/items/{laptop.pk}/", GOOD).status_code == 404


def test_desk_queue_filters_by_item(laptop, requester, portal, agent):
    portal.post(f"/portal/catalogue/items/{laptop.pk}/", GOOD)
    client = _client(agent)
    html = client.get(f"/desk/?view=recent&catalogue_item={laptop.pk}").content.decode()
    assert "REQ-000001" in html
    assert "Catalogue item" in html
    other = laptop.pk + 1000
    assert client.get(f"/desk/?view=recent&catalogue_item={other}").status_code == 400


# --- managers ---------------------------------------------------------------------------------


def test_editor_is_for_managers_only(laptop, agent, portal):
    assert _client(agent).get("/portal/catalogue/manage/").status_code == 404
    assert portal.get("/portal/catalogue/manage/").status_code == 302  # to the catalogue


def test_manager_builds_an_item_and_its_form(manager, desk_default_team):
    client = _client(manager)
    assert client.get("/portal/catalogue/manage/").status_code == 200
    response = client.post("/portal/catalogue/manage/", {"cat-name": "Access", "cat-position": 1})
    assert response.status_code == 302
    from atiende.catalogue.models import CatalogueCategory, CatalogueItem

    category = CatalogueCategory.objects.get(name="Access")
    response = client.post(
        "/portal/catalogue/manage/items/new/",
        {"category_id": category.pk, "name": "VPN access", "position": 0, "is_active": "on"},
    )
    assert response.status_code == 302
    item = CatalogueItem.objects.get(name="VPN access")
    base = f"/portal/catalogue/manage/items/{item.pk}/"
    assert client.get(base).status_code == 200
    response = client.post(
        base + "fields/new/",
        {
            "key": "why",
            "type": "choice",
            "label": "Why",
            "choices": "work | Work | Trabajo\nhome | Home | Casa",
        },
    )
    assert response.status_code == 302
    why = FormField.objects.get(item=item, key="why")
    assert why.choices[1] == {"value": "home", "label": "Home", "label_es": "Casa"}
    response = client.post(
        base + "fields/new/",
        {
            "key": "address",
            "type": "text",
            "label": "Home address",
            "condition_field_id": why.pk,
            "condition_values": "home",
            "required": "on",
        },
    )
    assert response.status_code == 302
    address = FormField.objects.get(item=item, key="address")
    assert address.condition_field == why and address.condition_values == ["home"]
    # A condition must name answers the question has.
    response = client.post(
        base + f"fields/{address.pk}/",
        {"key": "address", "type": "text", "label": "Home address",
         "condition_field_id": why.pk, "condition_values": "office"},
    )  # fmt: skip
    assert response.status_code == 422
    # The question that shows another cannot move below it.
    response = client.post(base + f"fields/{address.pk}/move/", {"up": "1"}, follow=True)
    assert "must stay below" in response.content.decode()
    preview = client.get(base + "preview/").content.decode()
    assert "Home address" in preview and 'data-when="f_why"' in preview and "disabled" in preview
    response = client.post(base + f"fields/{why.pk}/delete/")
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.condition_field is None  # now always shown


@pytest.mark.parametrize("key", ["1bad", "with space", "a" * 41, ""])
def test_field_keys_are_checked(laptop, manager, key):
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        actions.field_save(
            actor=manager, item_id=laptop.pk, key=key, type=FieldType.TEXT, label="X"
        )
    assert "key" in caught.value.errors


def test_a_saved_view_keeps_the_item_filter(laptop, requester, portal, agent):
    from atiende.tickets import actions as ticket_actions
    from tests.factories import make_ticket

    portal.post(f"/portal/catalogue/items/{laptop.pk}/", GOOD)
    make_ticket(requester, title="Printer jam on floor 2")
    client = _client(agent)
    page = client.get(f"/desk/?view=recent&catalogue_item={laptop.pk}").content.decode()
    assert f"catalogue_item={laptop.pk}" in page  # what "Save this view" would keep
    view = ticket_actions.saved_view_create(
        actor=agent, name="Laptops", query=f"view=recent&catalogue_item={laptop.pk}"
    )
    html = client.get(f"/desk/?saved={view.pk}").content.decode()
    assert "REQ-000001" in html and "Printer jam" not in html
    assert "Printer jam" in client.get("/desk/?view=recent").content.decode()


def test_managers_export_an_items_requests(laptop, requester, portal, manager, agent):
    portal.post(f"/portal/catalogue/items/{laptop.pk}/", {**GOOD, "f_software": ["vpn", "office"]})
    portal.post(f"/portal/catalogue/items/{laptop.pk}/", {"f_os": "linux", "f_distro": "=cmd()"})
    response = _client(manager).get(f"/portal/catalogue/manage/items/{laptop.pk}/requests.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("number,created_at,status,requester,organisation,os,distro")
    assert lines[1].startswith("REQ-000001,") and ",linux,Debian," in lines[1]
    assert "office; vpn" in lines[1] and ",yes," in lines[1]
    assert ",'=cmd()," in lines[2]  # never run as a formula by a spreadsheet
    url = f"/portal/catalogue/manage/items/{laptop.pk}/requests.csv"
    assert _client(agent).get(url).status_code == 404


def test_an_answer_that_shows_a_question_cannot_be_removed(laptop, manager):
    from atiende.core.errors import ValidationFailed

    os_field = laptop.fields.get(key="os")
    with pytest.raises(ValidationFailed) as caught:
        actions.field_save(
            actor=manager, item_id=laptop.pk, field_id=os_field.pk, key="os",
            type=FieldType.CHOICE, label="OS", choices="windows | Windows\nmac | macOS",
        )  # fmt: skip
    assert "distro" in caught.value.errors["choices"][0]
    with pytest.raises(ValidationFailed):
        actions.field_save(
            actor=manager, item_id=laptop.pk, field_id=os_field.pk, key="os",
            type=FieldType.YES_NO, label="OS",
        )  # fmt: skip


def test_manager_renames_a_category(laptop, manager):
    client = _client(manager)
    category = laptop.category
    page = client.get(f"/portal/catalogue/manage/?category={category.pk}").content.decode()
    assert 'value="Hardware"' in page and "Save changes" in page
    response = client.post(
        "/portal/catalogue/manage/",
        {"cat-category_id": category.pk, "cat-name": "Devices", "cat-name_es": "Dispositivos",
         "cat-position": 0, "cat-is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.name_es) == ("Devices", "Dispositivos")
