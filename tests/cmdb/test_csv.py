"""CSV export and import: round trip, dry run, line-numbered errors, all or nothing."""

from __future__ import annotations

import pytest

from atiende.cmdb import csv_io
from atiende.cmdb.models import ConfigurationItem, ItemEvent, Relation
from atiende.core.errors import Forbidden, ValidationFailed

from .factories import ItemFactory, ServiceFactory, relate

pytestmark = pytest.mark.django_db

ITEMS = """class,name,status,environment,owner_team,description,attributes
business_service,ERP,active,production,Service Desk,Enterprise resource planning,
database,erp-db-01,active,production,,Main database,"{""engine"": ""postgresql"", ""cores"": 8}"
server,srv-01,maintenance,staging,,,
"""


def test_import_creates_then_updates_by_class_and_name(manager, team):
    result = csv_io.import_items(actor=manager, data=ITEMS.encode())
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    db = ConfigurationItem.objects.get(name="erp-db-01")
    assert db.attributes == {"engine": "postgresql", "cores": 8}
    assert ConfigurationItem.objects.get(name="ERP").owner_team == team
    assert ItemEvent.objects.filter(action="imported").count() == 3

    again = csv_io.import_items(
        actor=manager, data="class,name,status\nserver,SRV-01,active\ndatabase,erp-db-01,active\n"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    srv = ConfigurationItem.objects.get(name="SRV-01")  # the file's spelling wins
    assert srv.status == "active" and srv.environment == "staging"  # left out: unchanged
    assert srv.version == 2


def test_dry_run_previews_and_writes_nothing(manager, team):
    result = csv_io.import_items(actor=manager, data=ITEMS, dry_run=True)
    assert result.created == 3 and result.dry_run
    assert [row["action"] for row in result.preview] == ["create"] * 3
    assert [row["line"] for row in result.preview] == [2, 3, 4]
    assert not ConfigurationItem.objects.exists()


def test_any_bad_row_rejects_the_file_with_line_numbers(manager, team):
    data = (
        "class,name,status,attributes\n"
        "server,ok-1,active,\n"
        "spaceship,enterprise,active,\n"
        "server,,active,\n"
        "server,ok-2,broken,\n"
        "server,OK-1,active,\n"
        'server,ok-3,active,"[1]"\n'
    )
    with pytest.raises(csv_io.ImportRejected) as caught:
        csv_io.import_items(actor=manager, data=data)
    errors = caught.value.errors
    assert caught.value.status_code == 400
    assert set(errors) == {"line 3", "line 4", "line 5", "line 6", "line 7"}
    assert "line 2" in errors["line 6"][0]
    assert not ConfigurationItem.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"name\nonly-a-name\n",
        b"class,name,colour\nserver,a,red\n",
        "class,name\nserver,á\n".encode("latin-1"),
        b"class,name\n",
        b"\x00\x01\x02",
    ],
)
def test_unusable_files_get_a_file_message(manager, data):
    with pytest.raises(ValidationFailed) as caught:
        csv_io.import_items(actor=manager, data=data)
    assert "file" in caught.value.errors


def test_semicolons_and_a_byte_order_mark_are_understood(manager):
    csv_io.import_items(actor=manager, data="\ufeffclass;name\nserver;srv-9\n".encode())
    assert ConfigurationItem.objects.filter(name="srv-9", ci_class="server").exists()


def test_only_managers_import(agent):
    with pytest.raises(Forbidden):
        csv_io.import_items(actor=agent, data=ITEMS)


def test_export_round_trips_and_defuses_formulas(manager):
    ItemFactory(name="=HYPERLINK(evil)", attributes={"ip": "10.0.0.1"})
    ServiceFactory(name="ERP", description="a, b\nc")
    text = "".join(csv_io.export_items(ConfigurationItem.objects.all()))
    assert text.startswith("\ufeffclass,name,")
    assert "'=HYPERLINK(evil)" in text and '"a, b\nc"' in text.replace("\r\n", "\n")
    ConfigurationItem.objects.all().delete()
    result = csv_io.import_items(actor=manager, data=text)
    assert result.created == 2
    assert ConfigurationItem.objects.get(ci_class="server").attributes == {"ip": "10.0.0.1"}


def test_relations_import_adds_new_ones_only(manager):
    erp, db = ServiceFactory(name="ERP"), ItemFactory(name="erp-db", ci_class="database")
    host = ItemFactory(name="host-1")
    relate(erp, "depends_on", db)
    data = (
        "source_class,source,type,target_class,target\n"
        "business_service,ERP,depends_on,database,erp-db\n"
        "database,ERP-DB,runs_on,server,host-1\n"
    )
    preview = csv_io.import_relations(actor=manager, data=data, dry_run=True)
    assert (preview.created, preview.unchanged) == (1, 1)
    assert Relation.objects.count() == 1
    csv_io.import_relations(actor=manager, data=data)
    assert Relation.objects.filter(source=db, type="runs_on", target=host).exists()
    exported = "".join(csv_io.export_relations(Relation.objects.all()))
    assert "database,erp-db,runs_on,server,host-1" in exported


def test_relations_with_unknown_items_reject_the_file(manager):
    ItemFactory(name="host-1")
    data = (
        "source_class,source,type,target_class,target\n"
        "server,host-1,depends_on,server,nowhere\n"
        "server,host-1,loves,server,host-1\n"
        "server,host-1,runs_on,server,host-1\n"
    )
    with pytest.raises(csv_io.ImportRejected) as caught:
        csv_io.import_relations(actor=manager, data=data)
    assert set(caught.value.errors) == {"line 2", "line 3", "line 4"}
    assert "itself" in caught.value.errors["line 4"][0]
    assert not Relation.objects.exists()
