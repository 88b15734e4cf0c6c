"""axe-core (from the npm registry, installed by `make assets`) finds no serious or critical
accessibility problem on the main pages, in Spanish, on the demo data (queues, a ticket, a
change and its risk form, the calendar's three views, the CAB agenda, a CI and its impact,
the portal): contrast, labels, names that contain the visible text, landmarks, ARIA."""

from __future__ import annotations

from pathlib import Path

import pytest

from atiende import demo
from atiende.cmdb.models import ConfigurationItem
from atiende.tickets.models import Ticket

from ..servers import unavailable
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESK = (
    "/desk/", "/desk/?view=unassigned", "/desk/new/", "/changes/", "/changes/approvals/",
    "/changes/new/", "/changes/calendar/", "/changes/calendar/?view=week",
    "/changes/calendar/?view=list", "/changes/cab/",
    "/cmdb/", "/mail/", "/notifications/", "/account/",
)  # fmt: skip
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        unavailable("The accessibility tests need axe-core: `make assets` installs it with npm")
    return AXE.read_text()


def _problems(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_main_pages_have_no_serious_accessibility_problem(new_page, axe_source, width):
    demo.load(tickets_per_template=1)
    incident = Ticket.objects.filter(kind="incident", priority__lte=2).order_by("id").first()
    own = Ticket.objects.filter(requester__username="ana").order_by("id").first()
    assert incident is not None and own is not None
    page = new_page(width=width, height=900, locale="es-ES", bypass_csp=True)
    problems: dict[str, list[str]] = {}

    page.goto("/login/")
    problems["/login/"] = _problems(page, axe_source)
    sign_in(page, "manager", demo.PASSWORD)
    change = Ticket.objects.filter(kind="change", status="authorisation").order_by("id").first()
    item = ConfigurationItem.objects.order_by("id").first()
    assert change is not None and item is not None
    pages = (
        *DESK, f"/desk/tickets/{incident.number}/", f"/changes/{change.number}/",
        f"/changes/{change.number}/risk/", f"/cmdb/items/{item.pk}/",
        f"/cmdb/items/{item.pk}/impact/",
    )  # fmt: skip
    for url in pages:
        page.goto(url)
        problems[url] = _problems(page, axe_source)
    page.context.clear_cookies()
    sign_in(page, "ana", demo.PASSWORD)
    for url in ("/portal/", "/portal/new/", f"/portal/tickets/{own.number}/"):
        page.goto(url)
        problems[url] = _problems(page, axe_source)
    assert {url: found for url, found in problems.items() if found} == {}
