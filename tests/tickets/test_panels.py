"""The ticket pages' panel registry (tickets.panels): the one way a domain adds a card or a
queue column; the cards keep their order; loaders run once per page; requesters never get
an agents-only panel; tickets' views import nothing of SLA for display."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest
from django.urls import reverse

import atiende
from atiende.tickets import panels
from atiende.tickets.panels import Audience, Panel, Placement

from ..factories import make_ticket

SRC = Path(atiende.__file__).parent
SECRET = "AGENTS-ONLY-PANEL-DATA"
TEMPLATES = {
    "test/secret.html": '<section id="secret-panel">{{ panel.secret }}</section>',
    "test/cell.html": '<td class="c-test">{{ panel.text }}</td>',
    "test/card.html": '<section class="card" id="{{ panel.name }}">{{ panel.text }}</section>',
}


@pytest.fixture
def test_templates(settings):
    """The panels' templates of this file, from memory (the app templates stay)."""
    engines = copy.deepcopy(settings.TEMPLATES)
    engines[0]["APP_DIRS"] = False
    engines[0]["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", TEMPLATES),
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = engines


@pytest.fixture
def extra_panels(test_templates):
    """Register panels for one test, and take them away again."""
    names: list[str] = []

    def add(panel: Panel) -> Panel:
        names.append(panel.name)
        return panels.register(panel)

    yield add
    for name in names:
        panels.unregister(name)


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, impact=2, urgency=2, title="Printer jam")


def side_card_ids(html: str) -> list[str]:
    aside = html.split('<aside class="ticket-side"', 1)[1].split("</aside>", 1)[0]
    return re.findall(r'<(?:section|form) class="card[^"]*"[^>]*\bid="([^"]+)"', aside)


def test_the_desk_ticket_page_shows_every_domains_cards_in_their_order(client, agent, ticket):
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert side_card_ids(html) == [
        "status",
        "macros",
        "sla",
        "details",
        "tags",
        "links",
        "followers",
        "participants",
        "affected",
        "kb-suggested",
    ]
    assert html.index('class="card requester"') < html.index('id="links"')
    # The jump links follow the cards that have one.
    jumps = html.split('class="jump-links"', 1)[1].split("</ul>", 1)[0]
    assert [part.split('"')[0] for part in jumps.split('href="#')[1:]] == [
        "status",
        "sla",
        "details",
        "reply",
    ]


def test_a_registered_panel_takes_its_place_by_order(client, agent, ticket, extra_panels):
    extra_panels(
        Panel(
            name="test-card",
            template="test/card.html",
            placement=Placement.SIDE,
            order=250,
            load=lambda actor, tickets: {
                t.pk: {"name": "test-card", "text": t.number} for t in tickets
            },
        )
    )
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert side_card_ids(html) == [
        "status",
        "macros",
        "sla",
        "test-card",
        "details",
        "tags",
        "links",
        "followers",
        "participants",
        "affected",
        "kb-suggested",
    ]
    assert f'<section class="card" id="test-card">{ticket.number}</section>' in html


def test_a_queue_column_is_loaded_once_for_the_whole_page(
    client, agent, requester, desk_default_team, extra_panels
):
    tickets = [make_ticket(requester, title=f"Ticket {i}") for i in range(4)]
    calls: list[list[int]] = []

    def load(actor, page):
        calls.append([t.pk for t in page])
        return {t.pk: {"text": f"cell of {t.number}"} for t in page}

    extra_panels(
        Panel(
            name="test-column",
            template="test/cell.html",
            placement=Placement.QUEUE_COLUMN,
            order=300,
            load=load,
            heading="Test column",
        )
    )
    client.force_login(agent)
    html = client.get(reverse("desk:queue"), {"view": "open"}).content.decode()
    assert len(calls) == 1 and sorted(calls[0]) == sorted(t.pk for t in tickets)
    for t in tickets:
        assert f'<td class="c-test">cell of {t.number}</td>' in html
    # After SLA's column (order 200), in the header as in the rows.
    assert html.index(">SLA</th>") < html.index(">Test column</th>")
    assert html.count('<td class="c-sla"') == 4


def test_requesters_never_receive_an_agents_only_panel(
    client, agent, requester, ticket, extra_panels
):
    loaded_for: list[str] = []

    def load(actor, tickets):
        loaded_for.append(actor.username)
        return {t.pk: {"secret": SECRET} for t in tickets}

    for placement in (Placement.MAIN, Placement.SIDE):
        extra_panels(
            Panel(
                name=f"test-secret-{placement}",
                template="test/secret.html",
                placement=placement,
                order=1,
                audience=Audience.AGENTS,
                load=load,
            )
        )
    client.force_login(requester)
    html = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert SECRET not in html and "secret-panel" not in html
    assert loaded_for == []  # not even loaded for them
    # Nor any agents-only panel the apps ship (SLA's clocks, the CMDB's items...).
    for placement in Placement:
        assert all(p.audience != Audience.AGENTS for p in panels.registered(placement, requester))
    assert 'id="sla"' not in html and 'id="affected"' not in html

    # The same panel is there for an agent.
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert html.count(SECRET) == 2
    assert loaded_for == [agent.username, agent.username]


def test_requesters_panels_stay_on_the_portal(client, agent, requester, ticket):
    client.force_login(requester)
    html = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "expectations" in html  # SLA's panel for requesters
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "We aim to" not in html
    assert all(p.audience != Audience.REQUESTERS for p in panels.registered(Placement.MAIN, agent))


def test_panel_names_are_unique_and_a_second_registration_replaces_the_first(extra_panels, agent):
    extra_panels(Panel(name="test-twice", template="a.html", placement=Placement.SIDE, order=1))
    extra_panels(Panel(name="test-twice", template="b.html", placement=Placement.SIDE, order=2))
    found = [p for p in panels.registered(Placement.SIDE, agent) if p.name == "test-twice"]
    assert [p.template for p in found] == ["b.html"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_tickets_display_code_does_not_know_sla_or_the_cmdb():
    """Other domains plug into the ticket pages through the registry, not the reverse."""
    for path in sorted((SRC / "tickets" / "views").glob("*.py")):
        imported = _imports(path)
        assert not {m for m in imported if m.startswith(("atiende.sla", "atiende.cmdb"))}, path
    for path in sorted((SRC / "tickets" / "templates").rglob("*.html")):
        text = path.read_text()
        assert '"sla/' not in text and '"cmdb/' not in text, path
        assert "_sla_" not in text and 'event.type == "sla"' not in text, path


def _page(client, path: str) -> str:
    html = client.get(path).content.decode()
    # A new masked CSRF token per response; the live poll token is signed with the time.
    return re.sub(r"[\w:-]{40,}", "token", html)


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_cards_without_rows_render_as_their_loaders_would(client, agent, requester, ticket, who,
                                                          monkeypatch):  # fmt: skip
    """A panel's `only_with` probe skips its loader for a ticket without rows: the page is
    the one the loaders' answers for no rows drew, card for card."""
    viewer = agent if who == "agent" else requester
    client.force_login(viewer)
    path = (reverse("desk:ticket", args=[ticket.number]) if who == "agent"
            else reverse("portal:ticket", args=[ticket.number]))  # fmt: skip
    probed = _page(client, path)
    every = {ref for p in panels._registry.values() for ref in p.only_with}
    # Every reference answered present, the page's own (its attachments) included.
    monkeypatch.setattr(
        panels, "_present", lambda ps, ts, also=(): {(r, t.pk) for r in every | {*also} for t in ts}
    )
    loaded = _page(client, path)
    assert probed == loaded


def test_a_card_with_rows_is_loaded(client, agent, ticket, django_assert_max_num_queries):
    """The probe finds the rows: the followers card lists the follower."""
    from atiende.tickets import actions

    actions.ticket_follow(actor=agent, ticket_id=ticket.pk)
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "Unfollow" in html and "Nobody follows this ticket." not in html
