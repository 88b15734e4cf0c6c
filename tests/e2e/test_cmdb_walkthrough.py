"""The CMDB as people use it: a manager records a service and the server it runs on, reads
the impact of the server (list and diagram), an agent links the server to an incident from
the desk ticket page and exports the CSV; a requester finds no CMDB at all."""

from __future__ import annotations

import csv
import io

import pytest

from atiende.cmdb.models import ConfigurationItem, Relation, TicketItem

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _create_item(page, *, name: str, ci_class: str) -> ConfigurationItem:
    page.goto("/cmdb/")
    page.click("text=New item")
    page.wait_for_load_state()
    page.fill("#id_name", name)
    page.select_option("#id_ci_class", ci_class)
    page.fill("#id_attributes", '{"ip": "10.0.0.5"}' if ci_class == "server" else "")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    item = ConfigurationItem.objects.get(name=name)
    assert page.url.endswith(f"/cmdb/items/{item.pk}/")
    assert "Item created." in page.content()
    return item


def test_manager_records_a_service_and_its_server_and_reads_the_impact(
    new_page, manager, agent, requester, desk_default_team, tmp_path
):
    desk = new_page()
    sign_in(desk, manager.username, PASSWORD)
    service = _create_item(desk, name="Payroll", ci_class="business_service")
    server = _create_item(desk, name="srv-pay-01", ci_class="server")
    assert server.attributes == {"ip": "10.0.0.5"}
    assert desk.locator(".ci-attributes dt", has_text="ip").is_visible()

    # On the server's page: "Payroll … runs on this item".
    desk.select_option("#id_direction", "in")
    desk.select_option("#id_type", "runs_on")
    desk.fill("#rel-other", "Payroll")
    desk.click("text=Add relation")
    desk.wait_for_load_state()
    assert "Relation added." in desk.content()
    assert Relation.objects.filter(source=service, type="runs_on", target=server).exists()
    incoming = desk.locator(".ci-relations").nth(1)
    assert "Payroll" in incoming.inner_text() and "runs on" in incoming.inner_text()
    history = desk.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Payroll runs on this item" in history  # told from the server's side
    services_card = desk.locator("section[aria-labelledby=services-title]")
    assert services_card.locator("a", has_text="Payroll").is_visible()

    # A name that matches nothing is a field error, not a 500.
    desk.fill("#rel-other", "no-such-thing")
    desk.click("text=Add relation")
    desk.wait_for_load_state()
    assert "No service or CI has this name." in desk.content()

    # The impact page: the service in the list and a node of the SVG diagram.
    desk.goto(f"/cmdb/items/{server.pk}/")
    desk.click(".page-head >> text=Impact")
    desk.wait_for_load_state()
    assert desk.locator("h1").inner_text() == "Impact of srv-pay-01"
    assert desk.locator(".ci-chips a", has_text="Payroll").is_visible()
    rows = desk.locator("section[aria-labelledby=impact-list] tbody tr")
    assert rows.count() == 1 and "Payroll" in rows.first.inner_text()
    svg = desk.locator("svg.ci-diagram")
    assert svg.is_visible()
    assert svg.locator("rect.ci-node-root").count() == 1
    assert svg.locator("rect.ci-node-service").count() == 1
    assert svg.locator("path.ci-edge").count() == 1
    assert "Payroll" in svg.locator("text.ci-node-label").all_text_contents()

    # An agent links the server to an incident from the desk ticket page.
    ticket = make_ticket(requester, title="Payslips do not load")
    agent_page = new_page()
    sign_in(agent_page, agent.username, PASSWORD)
    agent_page.goto(f"/desk/tickets/{ticket.number}/")
    assert "None yet." in agent_page.locator("#affected").inner_text()
    agent_page.fill("#affected-name", "srv-pay-1")  # a typo: the card says so, on its own page
    agent_page.click("#affected button[type=submit]:has-text('Link')")
    agent_page.wait_for_load_state()
    assert agent_page.locator("#affected-error").inner_text() == "No service or CI has this name."
    assert agent_page.locator("#affected-name").input_value() == "srv-pay-1"
    agent_page.screenshot(path=str(tmp_path / "ticket-items-error.png"), full_page=True)
    assert agent_page.locator(".ci-narrow").bounding_box()["width"] <= 480
    agent_page.fill("#affected-name", "srv-pay-01")
    agent_page.click("#affected button[type=submit]:has-text('Link')")
    agent_page.wait_for_load_state()
    assert agent_page.url.endswith(f"/desk/tickets/{ticket.number}/#affected")
    assert agent_page.locator("#affected a", has_text="srv-pay-01").is_visible()
    assert TicketItem.objects.filter(ticket=ticket, item=server).exists()

    # The CI page lists the open incident; the agent reads but may not edit.
    agent_page.click("#affected a:has-text('srv-pay-01')")
    agent_page.wait_for_load_state()
    assert agent_page.locator("a", has_text=ticket.number).is_visible()
    assert agent_page.locator(".page-head a", has_text="Edit").count() == 0
    assert agent_page.locator("text=Add relation").count() == 0

    # The list: more filters folded under "Filters" as in the desk queue.
    agent_page.goto("/cmdb/")
    assert agent_page.locator("#id_ci_class").is_hidden()
    agent_page.click("summary:has-text('Filters')")
    agent_page.select_option("#id_ci_class", "server")
    agent_page.click("text=Apply filters")
    agent_page.wait_for_load_state()
    names = agent_page.locator("table.cmdb-table tbody td.title a").all_inner_texts()
    assert names == ["srv-pay-01"]
    assert agent_page.locator("details.filters-more[open] .pill").inner_text() == "1"
    agent_page.click("text=Clear filters")
    agent_page.wait_for_load_state()
    assert agent_page.locator("table.cmdb-table tbody tr").count() == 2

    # The CSV export, as downloaded from the list.
    with agent_page.expect_download() as info:
        agent_page.click("text=Export CSV")
    download = info.value
    assert download.suggested_filename == "configuration-items.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows_csv = list(csv.DictReader(io.StringIO(handle.read())))
    assert {row["name"] for row in rows_csv} == {"Payroll", "srv-pay-01"}


def test_requester_gets_404_on_every_cmdb_page(new_page, manager, requester):
    from atiende.cmdb import actions

    item = actions.item_create(actor=manager, name="srv-x", ci_class="server")
    page = new_page()
    sign_in(page, requester.username, PASSWORD)
    for url in (
        "/cmdb/",
        "/cmdb/new/",
        "/cmdb/items.csv",
        f"/cmdb/items/{item.pk}/",
        f"/cmdb/items/{item.pk}/impact/",
        "/cmdb/import/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        assert "srv-x" not in page.content()
    # Nothing in the navigation points there either.
    page.goto("/portal/")
    assert page.locator("a[href^='/cmdb/']").count() == 0


def test_manager_previews_then_imports_a_csv(new_page, manager, tmp_path):
    csv_file = tmp_path / "items.csv"
    csv_file.write_text(
        "class,name,status\nserver,srv-imp-01,active\nbusiness_service,Intranet,planned\n",
        encoding="utf-8",
    )
    page = new_page(width=390, height=844)  # from a phone
    sign_in(page, manager.username, PASSWORD)
    page.goto("/cmdb/import/")
    page.set_input_files("#id_file", str(csv_file))
    page.click("button[type=submit].primary")  # "Only check" is ticked by default
    page.wait_for_load_state()
    preview = page.locator("section[aria-labelledby=result-title]")
    assert "Preview: nothing was written" in preview.inner_text()
    assert preview.locator("tbody tr").count() == 2
    assert "srv-imp-01 (Server)" in preview.inner_text()
    assert "New" in preview.locator("tbody tr").first.inner_text()
    assert not ConfigurationItem.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.set_input_files("#id_file", str(csv_file))
    page.uncheck("#id_dry_run")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert "Imported: 2 created, 0 updated, 0 unchanged." in page.content()
    assert set(ConfigurationItem.objects.values_list("name", flat=True)) == {
        "srv-imp-01",
        "Intranet",
    }


def test_impact_page_fits_a_phone(new_page, manager):
    from atiende.cmdb import actions

    host = actions.item_create(actor=manager, name="host-9", ci_class="server")
    previous = host
    for depth in range(5):  # a chain wider than a phone
        item = actions.item_create(
            actor=manager, name=f"layer-{depth}-with-a-long-name", ci_class="application"
        )
        actions.relation_add(
            actor=manager, source_id=item.pk, type="depends_on", target_id=previous.pk
        )
        previous = item
    page = new_page(width=390, height=844, locale="es-ES")
    sign_in(page, manager.username, PASSWORD)
    page.goto(f"/cmdb/items/{host.pk}/impact/")
    assert page.locator("h1").inner_text() == "Impacto de host-9"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.locator(".ci-diagram-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # the diagram scrolls inside
    for entry in page.locator(".ci-legend-entry").all():  # each key stays with its words
        box = entry.bounding_box()
        assert box is not None and box["height"] < 30


def test_item_page_fits_a_phone_and_tells_its_history_in_spanish(new_page, manager):
    from atiende.cmdb import actions

    manager.language = "es"
    manager.save()
    erp = actions.item_create(actor=manager, name="ERP", ci_class="business_service")
    app = actions.item_create(
        actor=manager, name="erp-app-with-a-long-name", ci_class="application"
    )
    host = actions.item_create(actor=manager, name="host-1", ci_class="server")
    actions.relation_add(actor=manager, source_id=erp.pk, type="depends_on", target_id=app.pk)
    actions.relation_add(actor=manager, source_id=app.pk, type="runs_on", target_id=host.pk)
    page = new_page(width=390, height=844, locale="es-ES")
    sign_in(page, manager.username, PASSWORD)
    page.goto(f"/cmdb/items/{app.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    history = page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Este elemento se ejecuta en host-1" in history
    assert "ERP depende de este elemento" in history
