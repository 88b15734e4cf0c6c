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
