"""core.pagination on a plain model: cursors, ties, caps (independent of tickets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atiende.accounts.models import Organization
from atiende.core.pagination import capped_count, paginate


@pytest.fixture
def organisations(db):
    # Names repeat, so ordering by name alone would tie: the id breaks ties.
    return [Organization.objects.create(name=f"Org {n % 3} #{n}") for n in range(17)]


@pytest.mark.parametrize("bounded", [False, True], ids=["database-sorts", "sorted-in-memory"])
@pytest.mark.parametrize("order", [["name", "id"], ["-name", "-id"], ["-created_at", "-id"]])
def test_walks_every_row_once(organisations, order, bounded):
    seen, cursor = [], None
    for _ in range(50):
        page = paginate(
            Organization.objects.all(), order=order, cursor=cursor, limit=4, bounded=bounded
        )
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


@pytest.mark.parametrize(
    "order", [["created_at", "-id"], ["-created_at", "id"], ["-created_at", "-id"]]
)
def test_sorting_in_memory_matches_the_database_with_ties_and_mixed_directions(db, order):
    """A bounded result (a selective search) is sorted in Python: ties on the first key and
    keys in opposite directions must come out exactly as ORDER BY gives them."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(13):
        organisation = Organization.objects.create(name=f"Org {n}")
        # Three instants shared four or five times each.
        Organization.objects.filter(pk=organisation.pk).update(
            created_at=start + timedelta(hours=n % 3)
        )
    expected = list(Organization.objects.order_by(*order).values_list("pk", flat=True))
    seen, cursor = [], None
    while True:
        page = paginate(
            Organization.objects.all(), order=order, cursor=cursor, limit=5, bounded=True
        )
        seen += [o.pk for o in page.items]
        assert page.count == 13 and page.count_exact
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
