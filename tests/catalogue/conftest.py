from __future__ import annotations

import pytest
from django.test import Client

from atiende.catalogue import actions
from atiende.catalogue.models import CatalogueItem, FieldType, FormField
from tests.api.conftest import ApiClient


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def laptop(manager, desk_default_team) -> CatalogueItem:
    """ "New laptop": an operating system choice; "Which Linux?" shown only for Linux; a
    number, a date, a yes/no, extra software (multiple choice) and an optional file."""
    category = actions.category_save(actor=manager, name="Hardware", name_es="Equipos")
    item = actions.item_save(
        actor=manager,
        category_id=category.pk,
        name="New laptop",
        name_es="Portátil nuevo",
        description="A laptop for a new or current employee.",
        delivery_days=5,
    )
    add = lambda **kw: actions.field_save(actor=manager, item_id=item.pk, **kw)  # noqa: E731
    os_field = add(
        key="os",
        type=FieldType.CHOICE,
        label="Operating system",
        label_es="Sistema operativo",
        required=True,
        choices="windows | Windows | Windows\nmac | macOS | macOS\nlinux | Linux | Linux",
    )
    add(
        key="distro",
        type=FieldType.TEXT,
        label="Which Linux?",
        label_es="¿Qué Linux?",
        required=True,
        condition_field_id=os_field.pk,
        condition_values=["linux"],
    )
    add(key="screens", type=FieldType.NUMBER, label="Screens", label_es="Pantallas")
    add(key="needed_by", type=FieldType.DATE, label="Needed by", label_es="Para cuándo")
    add(key="travels", type=FieldType.YES_NO, label="Travels often", label_es="Viaja a menudo")
    add(
        key="software",
        type=FieldType.MULTI_CHOICE,
        label="Software",
        label_es="Programas",
        choices="office | Office | Office\nvpn | VPN | VPN",
    )
    add(key="quote", type=FieldType.ATTACHMENT, label="Quote", label_es="Presupuesto")
    item.refresh_from_db()
    return item


@pytest.fixture
def fields(laptop) -> list[FormField]:
    return list(laptop.fields.order_by("position", "id"))


@pytest.fixture
def portal(requester) -> Client:
    client = Client()
    client.force_login(requester)
    return client
