"""On PostgreSQL, search answers the same whichever plan it picks: the match list for
selective queries, the semi-join for common ones, and the semi-join again when the planner's
estimate was too low for the match list."""

import pytest
from django.db import connection

from atiende.tickets import search, selectors
from atiende.tickets.selectors import TicketFilters

from ..factories import make_ticket


@pytest.fixture
def tickets(requester, agent, desk_default_team):
    matching = [make_ticket(requester, title=f"La impresora {i} no imprime") for i in range(5)]
    make_ticket(requester, title="VPN caída")
    return matching


@pytest.mark.parametrize(
    ("selective_rows", "list_max"),
    [(10**9, 10**9), (0, 10**9), (10**9, 2)],
    ids=["match-list", "semi-join", "estimate-too-low"],
)
def test_every_strategy_finds_the_same_tickets(
    tickets, agent, monkeypatch, selective_rows, list_max
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL chooses between plans; SQLite has one FTS5 plan")
    monkeypatch.setattr(search, "PG_SELECTIVE_ROWS", selective_rows)
    monkeypatch.setattr(search, "PG_MATCH_LIST_MAX", list_max)
    found = selectors.tickets_filtered(agent, TicketFilters(q="impresoras"))
    assert sorted(t.pk for t in found) == sorted(t.pk for t in tickets)


@pytest.mark.parametrize(
    ("selective_rows", "list_max"),
    [(10**9, 10**9), (0, 10**9)],
    ids=["match-list-sorted-in-memory", "semi-join-sorted-by-the-database"],
)
@pytest.mark.parametrize("sort", ["-updated", "created", "priority"])
def test_every_strategy_pages_in_the_same_order(
    tickets, agent, monkeypatch, selective_rows, list_max, sort
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL chooses between plans; SQLite has one FTS5 plan")
    monkeypatch.setattr(search, "PG_SELECTIVE_ROWS", selective_rows)
    monkeypatch.setattr(search, "PG_MATCH_LIST_MAX", list_max)
    filters = TicketFilters(q="impresoras", sort=sort)
    expected = list(
        selectors.tickets_filtered(agent, filters)
        .order_by(*selectors.SORTS[sort])
        .values_list("pk", flat=True)
    )
    seen, cursor = [], None
    for _ in range(5):
        page = selectors.ticket_page(agent, filters, cursor=cursor, limit=2)
        seen += [t.pk for t in page.items]
        assert page.count == 5
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
