"""Keyset pagination of ticket lists: every row exactly once, for every sort, with ties."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.core import clock
from atiende.core.pagination import _encode
from atiende.tickets import selectors
from atiende.tickets.models import Ticket
from atiende.tickets.selectors import SORTS, TicketFilters

from ..factories import make_ticket


@pytest.fixture
def tickets(requester, agent, desk_default_team):
    created = [
        make_ticket(requester, actor=agent, impact=1 + n % 3, urgency=1 + (n // 3) % 3)
        for n in range(23)
    ]
    # Ties: groups of tickets share updated_at and created_at to the microsecond.
    base = clock.now()
    for index, ticket in enumerate(created):
        moment = base - timedelta(minutes=index // 4)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=moment, created_at=moment)
    return created


def walk(actor, sort, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = selectors.ticket_page(actor, TicketFilters(sort=sort), cursor=cursor, limit=limit)
        seen.extend(t.pk for t in page.items)
        pages += 1
        assert pages < 100
        if page.next_cursor is None:
            return seen, page
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("limit", [1, 4, 5, 23, 50])
def test_every_row_exactly_once_in_order(tickets, agent, sort, limit):
    seen, last_page = walk(agent, sort, limit)
    expected = list(Ticket.objects.order_by(*SORTS[sort]).values_list("pk", flat=True))
    assert seen == expected
    assert len(set(seen)) == len(tickets)
    assert last_page.count == len(tickets) and last_page.count_exact


def test_unknown_sort_falls_back_to_newest_activity(tickets, agent):
    page = selectors.ticket_page(agent, TicketFilters(sort="title; drop"), cursor=None, limit=5)
    expected = list(Ticket.objects.order_by(*SORTS["-updated"])[:5])
    assert page.items == expected


@pytest.mark.parametrize(
    "cursor", ["garbage", "", "x" * 5000, "W10:1abc:xyz", "eyJ4IjoxfQ:abc", "\x00", "🙂"]
)
def test_tampered_cursor_shows_the_first_page(tickets, agent, cursor):
    first = selectors.ticket_page(agent, TicketFilters(), cursor=None, limit=5)
    page = selectors.ticket_page(agent, TicketFilters(), cursor=cursor, limit=5)
    assert page.items == first.items


def test_cursor_of_another_sort_is_ignored(tickets, agent):
    by_priority = selectors.ticket_page(agent, TicketFilters(sort="priority"), cursor=None, limit=5)
    first = selectors.ticket_page(agent, TicketFilters(sort="-created"), cursor=None, limit=5)
    mixed = selectors.ticket_page(
        agent, TicketFilters(sort="-created"), cursor=by_priority.next_cursor, limit=5
    )
    assert mixed.items == first.items


def test_signed_cursor_with_wrong_types_is_ignored(tickets, agent):
    forged = _encode(["not a date", "not an id"], SORTS["-updated"])
    first = selectors.ticket_page(agent, TicketFilters(), cursor=None, limit=5)
    page = selectors.ticket_page(agent, TicketFilters(), cursor=forged, limit=5)
    assert page.items == first.items


def test_count_is_capped(tickets, agent, monkeypatch):
    from atiende.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    monkeypatch.setattr(pagination.capped_count, "__defaults__", (10,))
    page = selectors.ticket_page(agent, TicketFilters(), cursor=None, limit=5)
    assert (page.count, page.count_exact) == (10, False)


@pytest.mark.parametrize("limit", [0, -5])
def test_non_positive_limit_still_gives_a_page(tickets, agent, limit):
    page = selectors.ticket_page(agent, TicketFilters(), cursor=None, limit=limit)
    assert len(page.items) >= 1


def test_page_respects_visibility(tickets, other_requester):
    page = selectors.ticket_page(other_requester, TicketFilters(), cursor=None, limit=50)
    assert page.items == [] and page.count == 0 and page.next_cursor is None


def test_cursor_of_the_reverse_sort_is_ignored(tickets, agent):
    newest = selectors.ticket_page(agent, TicketFilters(sort="-updated"), cursor=None, limit=5)
    oldest = selectors.ticket_page(agent, TicketFilters(sort="updated"), cursor=None, limit=5)
    mixed = selectors.ticket_page(
        agent, TicketFilters(sort="updated"), cursor=newest.next_cursor, limit=5
    )
    assert mixed.items == oldest.items
