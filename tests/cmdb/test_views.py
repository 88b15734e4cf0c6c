"""The CMDB pages: who sees them, list filters without N+1, CI page, forms, impact diagram,
import, and the affected-items card of the desk ticket page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.cmdb.models import ConfigurationItem, Relation, TicketItem
from tests.factories import make_ticket

from .factories import ItemFactory, ServiceFactory, relate

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_requesters_get_404_everywhere(client, requester, estate):
    client.force_login(requester)
    item = estate["erp"]
    for url in (
        reverse("cmdb:list"),
        reverse("cmdb:item", args=[item.pk]),
        reverse("cmdb:impact", args=[item.pk]),
        reverse("cmdb:export"),
        reverse("cmdb:new"),
    ):
        assert client.get(url).status_code == 404, url


def test_agents_see_the_list_but_no_edit_buttons(agent_client, estate):
    page = agent_client.get(reverse("cmdb:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "erp-app" in body and reverse("cmdb:new") not in body
    assert agent_client.get(reverse("cmdb:new")).status_code == 404
    assert reverse("cmdb:list") + '" aria-current' in body  # the navigation link


def test_list_filters_and_keeps_queries_flat(agent_client, team, django_assert_max_num_queries):
    for n in range(60):
        ItemFactory(name=f"srv-{n:02d}", owner_team=team)
    ServiceFactory(name="ERP", owner_team=team)
    with django_assert_max_num_queries(12):
        page = agent_client.get(reverse("cmdb:list"), {"ci_class": "server"})
    body = page.content.decode()
    assert "srv-00" in body and "srv-49" in body and "srv-50" not in body and "ERP" not in body
    assert "Next page" in body
    services = agent_client.get(reverse("cmdb:list"), {"ci_class": "services"}).content.decode()
    assert "ERP" in services and "srv-00" not in services
    found = agent_client.get(reverse("cmdb:list"), {"q": "SRV-5"}).content.decode()
    assert "srv-55" in found and "srv-44" not in found
    # Unknown filter values are ignored, never a 500.
    assert agent_client.get(reverse("cmdb:list"), {"status": "zzz", "team": "x"}).status_code == 200


def test_item_page_shows_relations_tickets_and_impacted_services(
    agent_client, agent, requester, desk_default_team, estate
):
    ticket = make_ticket(requester, title="ERP is slow")
    TicketItem.objects.create(ticket=ticket, item=estate["erp_db"], created_at=ticket.created_at)
    body = agent_client.get(reverse("cmdb:item", args=[estate["erp_db"].pk])).content.decode()
    assert "host-1" in body and "ERP" in body  # runs on host-1; ERP depends on it
    assert ticket.number in body and "ERP is slow" in body


def test_manager_creates_edits_and_deletes_through_forms(manager_client, team):
    answer = manager_client.post(
        reverse("cmdb:new"),
        {"name": "vpn-gw-01", "ci_class": "network_device", "status": "active",
         "environment": "production", "owner_team": team.pk, "attributes": '{"ip": "10.0.0.1"}'},
    )  # fmt: skip
    item = ConfigurationItem.objects.get(name="vpn-gw-01")
    assert answer.status_code == 302 and item.attributes == {"ip": "10.0.0.1"}
    bad = manager_client.post(
        reverse("cmdb:edit", args=[item.pk]),
        {"name": "vpn-gw-01", "ci_class": "network_device", "status": "active",
         "environment": "production", "attributes": "{oops", "version": 1},
    )  # fmt: skip
    assert bad.status_code == 422 and "JSON object" in bad.content.decode()
    stale = manager_client.post(
        reverse("cmdb:edit", args=[item.pk]),
        {"name": "vpn-gw-02", "ci_class": "network_device", "status": "active",
         "environment": "production", "version": 7},
    )  # fmt: skip
    assert stale.status_code == 409
    ok = manager_client.post(
        reverse("cmdb:edit", args=[item.pk]),
        {"name": "vpn-gw-02", "ci_class": "network_device", "status": "retired",
         "environment": "production", "version": 1},
    )  # fmt: skip
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.name == "vpn-gw-02" and item.status == "retired" and item.attributes == {}
    assert manager_client.post(reverse("cmdb:delete", args=[item.pk])).status_code == 302
    assert not ConfigurationItem.objects.exists()


def test_relations_from_the_item_page(manager_client, estate):
    url = reverse("cmdb:relation_add", args=[estate["mail_app"].pk])
    answer = manager_client.post(url, {"direction": "out", "type": "runs_on", "other": "HOST-1"})
    assert answer.status_code == 302
    relation = Relation.objects.get(source=estate["mail_app"], target=estate["host1"])
    missing = manager_client.post(url, {"direction": "in", "type": "runs_on", "other": "nowhere"})
    assert (
        missing.status_code == 422 and "No service or CI has this name" in missing.content.decode()
    )
    again = manager_client.post(url, {"direction": "out", "type": "runs_on", "other": "host-1"})
    assert again.status_code == 422 and "already exists" in again.content.decode()
    remove = reverse("cmdb:relation_remove", args=[estate["mail_app"].pk, relation.pk])
    assert manager_client.post(remove).status_code == 302
    assert not Relation.objects.filter(pk=relation.pk).exists()


def test_impact_page_draws_the_graph(agent_client, estate):
    page = agent_client.get(reverse("cmdb:impact", args=[estate["host1"].pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<rect ") == 5  # host-1 + vm-1, erp-db, erp-app, ERP
    assert body.count('class="ci-edge') == 5
    assert "ci-node-root" in body and "ci-node-service" in body


def test_impact_diagram_is_truncated_beyond_fifty_nodes(agent_client, db):
    base = ItemFactory(name="core-switch")
    for n in range(70):
        relate(ItemFactory(name=f"host-{n:02d}"), "depends_on", base)
    body = agent_client.get(reverse("cmdb:impact", args=[base.pk])).content.decode()
    assert body.count("<rect ") == 50
    assert "21 more items are not drawn" in body
    assert "host-69" in body  # still in the list


def test_import_page_previews_and_reports_lines(manager_client):
    def upload(content: bytes, dry_run: bool):
        data = {"kind": "items", "file": SimpleUploadedFile("a.csv", content, "text/csv")}
        if dry_run:
            data["dry_run"] = "on"
        return manager_client.post(reverse("cmdb:import"), data)

    preview = upload(b"class,name\nserver,srv-1\n", dry_run=True)
    assert preview.status_code == 200 and "Preview" in preview.content.decode()
    assert not ConfigurationItem.objects.exists()
    bad = upload(b"class,name\nserver,srv-1\nrobot,r2\n", dry_run=False)
    assert bad.status_code == 400 and "line 3" in bad.content.decode()
    assert upload(b"class,name\nserver,srv-1\n", dry_run=False).status_code == 200
    assert ConfigurationItem.objects.filter(name="srv-1").exists()


def test_csv_export_from_the_list(agent_client, estate):
    answer = agent_client.get(reverse("cmdb:export"), {"ci_class": "services"})
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1:] == [
        "business_service,E-mail,active,production,,,",
        "business_service,ERP,active,production,,,",
    ]


def test_ticket_page_card_links_and_unlinks(agent_client, requester, desk_default_team, estate):
    ticket = make_ticket(requester)
    page = agent_client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "Affected services and CIs" in page
    url = reverse("cmdb:ticket_items", args=[ticket.number])
    assert agent_client.post(url, {"name": "erp"}).status_code == 302
    assert TicketItem.objects.filter(ticket=ticket, item=estate["erp"]).exists()
    page = agent_client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert reverse("cmdb:item", args=[estate["erp"].pk]) in page
    wrong = agent_client.post(url, {"name": "nope"})
    assert wrong.status_code == 422 and "No service or CI has this name" in wrong.content.decode()
    assert agent_client.post(url, {"remove": estate["erp"].pk}).status_code == 302
    assert not TicketItem.objects.exists()


def test_ticket_items_of_an_invisible_ticket_are_404(
    client, other_agent, requester, desk_default_team, estate
):
    ticket = make_ticket(requester)
    client.force_login(other_agent)
    url = reverse("cmdb:ticket_items", args=[ticket.number])
    assert client.post(url, {"name": "ERP"}).status_code == 404
    assert not TicketItem.objects.exists()


def test_suggestions(agent_client, estate):
    body = agent_client.get(reverse("cmdb:suggest"), {"name": "erp"}).content.decode()
    assert 'value="ERP"' in body and 'value="erp-db"' in body and "mail" not in body


def test_history_reads_in_words(manager_client, manager):
    from atiende.cmdb import actions

    a = actions.item_create(actor=manager, name="app-1", ci_class="application")
    b = actions.item_create(actor=manager, name="vm-1", ci_class="virtual_machine")
    actions.relation_add(actor=manager, source_id=a.pk, type="runs_on", target_id=b.pk)
    actions.item_update(actor=manager, item_id=a.pk, changes={"status": "maintenance"})
    body = manager_client.get(reverse("cmdb:item", args=[a.pk])).content.decode()
    assert "runs on vm-1" in body and "status: Active → In maintenance" in body
    other = manager_client.get(reverse("cmdb:item", args=[b.pk])).content.decode()
    assert "app-1 runs on" in other


def test_item_and_impact_pages_use_a_fixed_number_of_queries(
    agent_client, agent, requester, desk_default_team, estate, django_assert_max_num_queries
):
    for n in range(10):
        ticket = make_ticket(requester, title=f"Host down {n}")
        TicketItem.objects.create(ticket=ticket, item=estate["host1"], created_at=ticket.created_at)
    with django_assert_max_num_queries(14):
        page = agent_client.get(reverse("cmdb:item", args=[estate["host1"].pk]))
    assert page.content.decode().count("Host down") == 10
    with django_assert_max_num_queries(10):
        agent_client.get(reverse("cmdb:impact", args=[estate["host1"].pk]))
