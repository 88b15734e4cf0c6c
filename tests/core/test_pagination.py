"""core.pagination on a plain model: cursors, ties, caps (independent of tickets)."""

from __future__ import annotations

import pytest

from atiende.accounts.models import Organization
from atiende.core.pagination import capped_count, paginate


@pytest.fixture
def organisations(db):
    # Names repeat, so ordering by name alone would tie: the id breaks ties.
    return [Organization.objects.create(name=f"Org {n % 3} #{n}") for n in range(17)]


@pytest.mark.parametrize("order", [["name", "id"], ["-name", "-id"], ["-created_at", "-id"]])
def test_walks_every_row_once(organisations, order):
    seen, cursor = [], None
    for _ in range(50):
        page = paginate(Organization.objects.all(), order=order, cursor=cursor, limit=4)
        seen += [o.pk for o in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(Organization.objects.order_by(*order).values_list("pk", flat=True))


def test_capped_count(organisations):
    assert capped_count(Organization.objects.all(), cap=5) == (5, False)
    assert capped_count(Organization.objects.all(), cap=17) == (17, True)
    assert capped_count(Organization.objects.all(), cap=100) == (17, True)


def test_without_count(organisations):
    page = paginate(
        Organization.objects.all(), order=["id"], cursor=None, limit=3, with_count=False
    )
    assert len(page.items) == 3 and page.count_exact is False


def test_last_page_has_no_cursor(organisations):
    page = paginate(Organization.objects.all(), order=["id"], cursor=None, limit=17)
    assert page.next_cursor is None and len(page.items) == 17
