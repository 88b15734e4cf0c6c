"""The conflict rules over plain data: overlap, same item, shared service, blackout scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from atiende.changes.conflicts import (
    BLACKOUT,
    SAME_ITEM,
    SHARED_SERVICE,
    Freeze,
    Slot,
    blackout_conflict,
    change_conflict,
    find_conflicts,
    overlaps,
)

T = datetime(2026, 12, 7, 9, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def slot(change_id, start, end, items=(), services=()):
    return Slot(change_id, h(start), h(end), frozenset(items), frozenset(services))


def test_windows_touching_end_to_start_do_not_overlap():
    assert overlaps(h(0), h(2), h(1), h(3))
    assert not overlaps(h(0), h(2), h(2), h(4))
    assert overlaps(h(0), h(10), h(2), h(3))  # one inside the other


def test_same_item_wins_over_shared_service():
    found = change_conflict(slot(1, 0, 2, {10}, {100}), slot(2, 1, 3, {10, 11}, {100}))
    assert found is not None
    assert found.kind == SAME_ITEM and found.change_id == 2
    assert found.item_ids == {10} and found.service_ids == {100}


def test_shared_service_without_shared_item():
    found = change_conflict(slot(1, 0, 2, {10}, {100, 101}), slot(2, 1, 3, {11}, {101}))
    assert found is not None and found.kind == SHARED_SERVICE and found.service_ids == {101}


def test_no_conflict_when_nothing_shared_or_no_overlap():
    assert change_conflict(slot(1, 0, 2, {10}, {100}), slot(2, 1, 3, {11}, {101})) is None
    assert change_conflict(slot(1, 0, 2, {10}, {100}), slot(2, 2, 3, {10}, {100})) is None
    assert change_conflict(slot(1, 0, 2, {10}), slot(1, 0, 2, {10})) is None  # itself


def test_blackout_scope():
    everything = Freeze(7, h(0), h(24))
    erp_only = Freeze(8, h(0), h(24), frozenset({100}), frozenset({100}))
    change = slot(1, 5, 6, {10}, {101})
    assert blackout_conflict(change, everything).kind == BLACKOUT
    assert blackout_conflict(change, erp_only) is None
    erp_change = slot(2, 5, 6, {10}, {100})
    assert blackout_conflict(erp_change, erp_only).service_ids == {100}
    # A change that names no items cannot dodge a scoped freeze.
    assert blackout_conflict(slot(3, 5, 6), erp_only) is not None
    # Outside the window: nothing.
    assert blackout_conflict(slot(4, 24, 25, {10}, {100}), everything) is None


def test_find_conflicts_lists_blackouts_then_changes_by_start():
    subject = slot(1, 0, 10, {10}, {100})
    others = [slot(3, 5, 12, {10}), slot(2, 1, 2, set(), {100}), slot(4, 1, 2, {99}, {999})]
    found = find_conflicts(subject, others, [Freeze(7, h(9), h(20))])
    assert [(f.kind, f.change_id, f.blackout_id) for f in found] == [
        (BLACKOUT, None, 7),
        (SHARED_SERVICE, 2, None),
        (SAME_ITEM, 3, None),
    ]


ids = st.frozensets(st.integers(1, 6), max_size=3)
windows = st.tuples(st.integers(0, 20), st.integers(1, 8))


@given(windows, windows, ids, ids, ids, ids)
def test_change_conflicts_are_symmetric(w1, w2, i1, i2, s1, s2):
    a = Slot(1, h(w1[0]), h(w1[0] + w1[1]), i1, s1)
    b = Slot(2, h(w2[0]), h(w2[0] + w2[1]), i2, s2)
    ab, ba = change_conflict(a, b), change_conflict(b, a)
    assert (ab is None) == (ba is None)
    if ab is not None and ba is not None:
        assert (ab.kind, ab.item_ids, ab.service_ids) == (ba.kind, ba.item_ids, ba.service_ids)
        assert overlaps(a.start, a.end, b.start, b.end)
        assert (a.item_ids & b.item_ids) or (a.service_ids & b.service_ids)
