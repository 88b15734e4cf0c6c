"""The CMDB API: access rules, validation, pages without N+1, impact, CSV, ticket items."""

from __future__ import annotations

import pytest

from atiende.cmdb.models import ConfigurationItem, Relation, TicketItem
from tests.api.conftest import ApiClient, assert_error
from tests.factories import make_ticket

from .factories import ItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(manager):
    return ApiClient(manager)


@pytest.fixture
def as_agent(agent):
    return ApiClient(agent)


def test_manager_creates_reads_updates_and_deletes(as_manager, team):
    created = as_manager.post(
        "/cmdb/items",
        {"name": "erp-db-01", "ci_class": "database", "owner_team": team.pk,
         "attributes": {"engine": "postgresql"}},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner_team"] == {"id": team.pk, "name": team.name}
    assert body["is_service"] is False and body["version"] == 1
    item_id = body["id"]
    assert as_manager.get(f"/cmdb/items/{item_id}").json()["name"] == "erp-db-01"

    patched = as_manager.patch(
        f"/cmdb/items/{item_id}", {"version": 1, "status": "maintenance", "owner_team": None}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["owner_team"] is None and patched.json()["version"] == 2
    stale = as_manager.patch(f"/cmdb/items/{item_id}", {"version": 1, "name": "x"})
    assert_error(stale, 409)
    assert stale.json()["current_version"] == 2
    assert_error(as_manager.patch(f"/cmdb/items/{item_id}", {"name": None}), 422, "name")
    assert_error(as_manager.patch(f"/cmdb/items/{item_id}", {"colour": "red"}), 422)

    assert as_manager.delete(f"/cmdb/items/{item_id}").status_code == 204
    assert_error(as_manager.get(f"/cmdb/items/{item_id}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "ci_class": "server"}, "name"),
        ({"name": "a", "ci_class": "nope"}, "ci_class"),
        ({"name": "a", "ci_class": "server", "owner_team": 0}, "owner_team"),
        ({"name": "a", "ci_class": "server", "owner_team": 99999}, "owner_team"),
        ({"name": "a", "ci_class": "server", "attributes": {"x": [1]}}, "attributes"),
        ({"ci_class": "server"}, "name"),
    ],
)
def test_bad_items_get_field_errors(as_manager, body, field):
    assert_error(as_manager.post("/cmdb/items", body), 422, field)
    assert not ConfigurationItem.objects.exists()


def test_agents_read_but_cannot_write_and_requesters_see_nothing(as_agent, requester):
    item = ItemFactory()
    assert as_agent.get(f"/cmdb/items/{item.pk}").status_code == 200
    assert_error(as_agent.post("/cmdb/items", {"name": "a", "ci_class": "server"}), 403)
    assert_error(as_agent.patch(f"/cmdb/items/{item.pk}", {"name": "b"}), 403)
    assert_error(as_agent.delete(f"/cmdb/items/{item.pk}"), 403)
    as_requester = ApiClient(requester)
    assert as_requester.get("/cmdb/items").json()["items"] == []
    for path in (f"/cmdb/items/{item.pk}", f"/cmdb/items/{item.pk}/impact"):
        assert_error(as_requester.get(path), 404)
    assert_error(as_requester.delete(f"/cmdb/items/{item.pk}"), 404)
    assert_error(ApiClient().get("/cmdb/items"), 401)


def test_list_filters_and_pages_in_a_fixed_number_of_queries(
    as_agent, team, django_assert_max_num_queries
):
    for n in range(30):
        ItemFactory(
            name=f"srv-{n:02d}", owner_team=team, environment="staging" if n % 2 else "production"
        )
    ServiceFactory(name="ERP")
    with django_assert_max_num_queries(8):
        page = as_agent.get("/cmdb/items", {"ci_class": "server", "limit": 10}).json()
    assert [i["name"] for i in page["items"]] == [f"srv-{n:02d}" for n in range(10)]
    assert page["count"] == 30 and page["next"]
    second = as_agent.get(page["next"].split("/api/v1")[1]).json()
    assert second["items"][0]["name"] == "srv-10"
    staging = as_agent.get("/cmdb/items", {"environment": "staging", "q": "SRV-1"}).json()
    assert {i["name"] for i in staging["items"]} == {f"srv-{n}" for n in range(11, 20, 2)}
    services = as_agent.get("/cmdb/items", {"services": "true"}).json()
    assert [i["name"] for i in services["items"]] == ["ERP"]
    assert_error(as_agent.get("/cmdb/items", {"status": "dead"}), 422, "status")
    assert_error(as_agent.get("/cmdb/items", {"cursor": "junk"}), 422, "cursor")


def test_relations_and_impact(as_manager, estate):
    host = estate["host1"]
    made = as_manager.post(
        "/cmdb/relations",
        {"source": estate["mail_app"].pk, "type": "depends_on", "target": estate["erp_db"].pk},
    )
    assert made.status_code == 201, made.content
    assert made.json()["source"]["name"] == "mail-app"
    assert_error(
        as_manager.post(
            "/cmdb/relations",
            {"source": estate["mail_app"].pk, "type": "depends_on", "target": estate["erp_db"].pk},
        ),
        422,
        "target",
    )
    impact = as_manager.get(f"/cmdb/items/{host.pk}/impact").json()
    assert {s["name"] for s in impact["services"]} == {"ERP", "E-mail"}
    assert impact["items"][0]["depth"] == 1 and impact["total"] == 6
    assert len(impact["edges"]) >= 6
    listed = as_manager.get("/cmdb/relations", {"item": estate["erp_db"].pk}).json()
    assert listed["count"] == 3
    relation_id = made.json()["id"]
    assert as_manager.delete(f"/cmdb/relations/{relation_id}").status_code == 204
    assert_error(as_manager.delete(f"/cmdb/relations/{relation_id}"), 404)


def test_csv_export_and_import_through_the_api(as_manager):
    ItemFactory(name="srv-1")
    exported = as_manager.get("/cmdb/items.csv", {"ci_class": "server"})
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("server,srv-1,active,production")

    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(content: bytes, **form):
        file = SimpleUploadedFile("items.csv", content, content_type="text/csv")
        return as_manager.upload("/cmdb/import", {"file": file, **form})

    preview = upload(b"class,name\nserver,srv-2\nserver,srv-1\n", dry_run="true")
    assert preview.status_code == 200, preview.content
    assert preview.json()["created"] == 1 and preview.json()["unchanged"] == 1
    assert not ConfigurationItem.objects.filter(name="srv-2").exists()
    bad = upload(b"class,name\nserver,srv-3\nrobot,r2d2\n")
    assert_error(bad, 400, "line 3")
    assert not ConfigurationItem.objects.filter(name="srv-3").exists()
    done = upload(
        b"source_class,source,type,target_class,target\nserver,srv-1,connected_to,server,srv-1\n",
        kind="relations",
    )
    assert_error(done, 400, "line 2")
    assert_error(upload(b"class,name\nserver,a\n", kind="things"), 422)


def test_ticket_items(as_agent, agent, requester, desk_default_team, django_assert_max_num_queries):
    ticket = make_ticket(requester)
    erp, db = ServiceFactory(name="ERP"), ItemFactory(name="erp-db")
    answer = as_agent.post(f"/tickets/{ticket.pk}/items", {"add": [erp.pk, db.pk]})
    assert answer.status_code == 200, answer.content
    assert [row["item"]["name"] for row in answer.json()] == ["ERP", "erp-db"]
    with django_assert_max_num_queries(6):
        listed = as_agent.get(f"/tickets/{ticket.number}/items").json()
    assert listed[0]["added_by"]["id"] == agent.pk
    as_agent.post(f"/tickets/{ticket.pk}/items", {"remove": [db.pk]})
    assert list(TicketItem.objects.values_list("item__name", flat=True)) == ["ERP"]
    assert_error(as_agent.post(f"/tickets/{ticket.pk}/items", {"add": [999999]}), 422, "item")
    assert_error(as_agent.post(f"/tickets/{ticket.pk}/items", {"add": ["x"]}), 422)
    as_requester = ApiClient(requester)
    assert_error(as_requester.get(f"/tickets/{ticket.pk}/items"), 404)
    assert_error(as_requester.post(f"/tickets/{ticket.pk}/items", {"add": [erp.pk]}), 404)
    assert_error(as_agent.get("/tickets/nonsense\x00/items"), 422, "ticket_id")


def test_openapi_documents_the_cmdb(as_agent):
    paths = as_agent.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/cmdb/items", "/api/v1/cmdb/items/{item_id}/impact", "/api/v1/cmdb/import",
                 "/api/v1/cmdb/relations", "/api/v1/tickets/{ticket_id}/items"):  # fmt: skip
        assert path in paths
    assert Relation.objects.count() == 0
