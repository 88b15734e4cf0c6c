"""Conflicts read from the database: the range query, the items graph, blackouts, the
schedule check (refusal, emergency, override with its timeline entry) and stored conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.changes import conflicts
from atiende.changes.models import (
    ChangeConflict,
    ChangeFootprint,
    ChangeType,
    ConflictKind,
    ScheduleBound,
)
from atiende.cmdb import graph
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import EventType, Status, TicketEvent

from ..cmdb.factories import relate
from .calendar_support import at, make_blackout, make_change, small_estate


@pytest.fixture
def estate(db):
    return small_estate()


def kinds(found):
    return sorted((f.kind, f.change_id, f.blackout_id) for f in found)


def test_same_ci_and_shared_service_and_unrelated(agent, estate):
    a = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    same = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    shared = make_change(agent, start=at(1), end=at(3), items=[estate["erp_app"]])
    via_host = make_change(agent, start=at(1), end=at(3), items=[estate["mail_app"]])
    unrelated = make_change(agent, start=at(1), end=at(3), items=[estate["printer"]])
    later = make_change(agent, start=at(2), end=at(3), items=[estate["erp_db"]])
    found = conflicts.compute(a.pk, at(0), at(2))
    assert kinds(found) == sorted(
        [("same_item", same.pk, None), ("shared_service", shared.pk, None)]
    )
    assert unrelated.pk not in {f.change_id for f in found}
    assert later.pk not in {f.change_id for f in found}  # starts when `a` ends
    # host-1 serves ERP and Mail: a change on it conflicts with both applications' changes.
    host = make_change(agent, start=at(1), end=at(2), items=[estate["host1"]])
    found = {f.change_id: f for f in conflicts.compute(host.pk, at(1), at(2))}
    assert found[via_host.pk].kind == "shared_service"
    assert found[via_host.pk].service_ids == {estate["mail"].pk}
    assert found[a.pk].service_ids == {estate["erp"].pk}


def test_only_changes_in_flight_count(agent, estate):
    a = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    for status in (Status.CANCELLED, Status.CLOSED, Status.REJECTED, Status.NEW):
        make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]], status=status)
    assert conflicts.compute(a.pk, at(0), at(2)) == []


def test_refresh_stores_both_directions_and_clears_when_moved(agent, estate):
    a = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    b = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    conflicts.refresh(a.pk)
    pairs = set(ChangeConflict.objects.values_list("change_id", "other_id", "kind"))
    assert pairs == {(a.pk, b.pk, "same_item"), (b.pk, a.pk, "same_item")}
    # b moves away: recomputing b removes the pair for both.
    b.change.planned_start, b.change.planned_end = at(5), at(6)
    b.change.save()
    conflicts.refresh(b.pk)
    assert not ChangeConflict.objects.exists()
    # Idempotent.
    conflicts.refresh(b.pk)
    conflicts.refresh(a.pk)
    assert not ChangeConflict.objects.exists()


def test_cancelled_change_loses_its_conflicts(agent, estate):
    a = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    b = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    conflicts.refresh(a.pk)
    assert ChangeConflict.objects.filter(change=b).exists()
    type(b).objects.filter(pk=b.pk).update(status=Status.CANCELLED)
    conflicts.refresh(b.pk)
    assert not ChangeConflict.objects.exists()


def test_blackout_refuses_a_normal_change_without_reason(agent, estate):
    make_blackout(start=at(-1), end=at(48))
    change = make_change(agent, status=Status.AUTHORISATION, items=[estate["erp_db"]])
    with pytest.raises(ValidationFailed) as refused:
        conflicts.check_schedule(change.change, at(0), at(2), actor=agent)
    assert "override_reason" in refused.value.errors
    assert "Year-end freeze" in refused.value.detail
    assert not ChangeConflict.objects.exists()


def test_blackout_admits_emergency_changes(agent, estate):
    blackout = make_blackout(start=at(-1), end=at(48))
    change = make_change(
        agent, status=Status.AUTHORISATION, change_type=ChangeType.EMERGENCY,
        items=[estate["erp_db"]],
    )  # fmt: skip
    check = conflicts.check_schedule(change.change, at(0), at(2), actor=agent)
    assert check.blackouts == [blackout] and not check.overridden
    stored = ChangeConflict.objects.get(change=change)
    assert stored.kind == ConflictKind.BLACKOUT and stored.blackout == blackout


def test_override_reason_is_recorded_in_the_timeline(agent, estate):
    make_blackout("Black Friday", start=at(-1), end=at(48))
    change = make_change(agent, status=Status.AUTHORISATION, items=[estate["erp_db"]])
    check = conflicts.check_schedule(
        change.change, at(0), at(2), actor=agent, override_reason="Security fix, CVE-2026-1"
    )
    assert check.overridden
    note = TicketEvent.objects.get(ticket=change, type=EventType.NOTE)
    assert note.actor == agent and not note.public
    assert "Black Friday" in note.body and "Security fix, CVE-2026-1" in note.body


def test_scoped_blackout_only_covers_its_services(agent, estate):
    make_blackout("ERP freeze", start=at(-1), end=at(48), items=[estate["erp"]])
    mail_change = make_change(agent, status=Status.AUTHORISATION, items=[estate["mail_app"]])
    assert conflicts.check_schedule(mail_change.change, at(0), at(2)).blackouts == []
    erp_change = make_change(agent, status=Status.AUTHORISATION, items=[estate["erp_db"]])
    with pytest.raises(ValidationFailed):
        conflicts.check_schedule(erp_change.change, at(0), at(2))


def test_end_before_start_is_refused(agent, estate):
    change = make_change(agent, status=Status.AUTHORISATION)
    with pytest.raises(ValidationFailed) as refused:
        conflicts.check_schedule(change.change, at(2), at(1))
    assert "planned_end" in refused.value.errors


def test_refresh_blackout_recomputes_the_changes_it_covers(agent, estate):
    change = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    blackout = make_blackout(start=at(-1), end=at(1))
    conflicts.refresh_blackout(blackout.pk)
    assert ChangeConflict.objects.filter(change=change, blackout=blackout).exists()
    blackout.starts_at, blackout.ends_at = at(10), at(12)
    blackout.save()
    conflicts.refresh_blackout(blackout.pk)
    assert not ChangeConflict.objects.exists()


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_conflict_check_queries_do_not_grow_with_neighbours(agent, estate):
    """The CMDB's impact graph is read from memory for all neighbours together; stored
    footprints spare even that for the neighbours."""
    graph.current()  # loaded once per process (and after each CMDB change)
    subject = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    others = [
        make_change(agent, start=at(0), end=at(4), items=[estate["erp_app"], estate["host1"]])
        for _n in range(3)
    ]
    few = _queries(lambda: conflicts.compute(subject.pk, at(0), at(2)))
    others += [
        make_change(agent, start=at(1), end=at(4), items=[estate["erp_app"], estate["host1"]])
        for _n in range(12)
    ]
    many = _queries(lambda: conflicts.compute(subject.pk, at(0), at(2)))
    assert many == few <= 10
    assert len(conflicts.compute(subject.pk, at(0), at(2))) == 15
    for other in others:
        conflicts.refresh(other.pk)
    stored = _queries(lambda: conflicts.compute(subject.pk, at(0), at(2)))
    assert stored < many


def test_footprints_are_stored_and_walked_again_when_the_cmdb_changes(agent, estate):
    a = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    b = make_change(agent, start=at(1), end=at(3), items=[estate["mail_app"]])
    conflicts.refresh(b.pk)
    footprint = ChangeFootprint.objects.get(ticket=b)
    assert footprint.item_ids == [estate["mail_app"].pk]
    assert footprint.service_ids == [estate["mail"].pk]
    assert conflicts.compute(a.pk, at(0), at(2)) == []  # ERP and Mail share nothing here
    # While the CMDB stays as it was, b's stored footprint is read, not walked again.
    ChangeFootprint.objects.filter(ticket=b).update(service_ids=[estate["erp"].pk])
    assert [f.change_id for f in conflicts.compute(a.pk, at(0), at(2))] == [b.pk]
    ChangeFootprint.objects.filter(ticket=b).update(service_ids=[estate["mail"].pk])
    assert conflicts.compute(a.pk, at(0), at(2)) == []
    # mail-app now also serves ERP: the graph moved, so b's footprint is walked again at once.
    relate(estate["erp"], "depends_on", estate["mail_app"])
    assert [f.change_id for f in conflicts.compute(a.pk, at(0), at(2))] == [b.pk]
    # The subject's own footprint is always walked afresh.
    assert [f.change_id for f in conflicts.compute(b.pk, at(1), at(3))] == [a.pk]


def test_long_changes_are_found_whatever_their_start(agent, estate):
    """Range scans start at `start - the longest window`: a long change that began weeks
    before still overlaps, and the bound follows windows as they are saved."""
    short = make_change(agent, start=at(0), end=at(2), items=[estate["erp_db"]])
    assert conflicts.longest_window() == timedelta(hours=2)
    long = make_change(agent, start=at(0, days=-40), end=at(1), items=[estate["erp_db"]])
    assert conflicts.longest_window() == timedelta(days=40, hours=1)
    assert [f.change_id for f in conflicts.compute(short.pk, at(0), at(2))] == [long.pk]
    # A bound lost (or never stored) is recomputed from the changes.
    ScheduleBound.objects.all().delete()
    assert conflicts.longest_window() == timedelta(days=40, hours=1)


def test_a_freeze_over_many_changes_costs_a_few_queries(agent, estate):
    changes = [
        make_change(agent, start=at(n), end=at(n + 1), items=[estate["erp_db"]]) for n in range(20)
    ]
    conflicts.refresh(changes[0].pk)
    pairs = ChangeConflict.objects.filter(blackout__isnull=True).count()
    blackout = make_blackout("Freeze", start=at(0), end=at(24), items=[estate["erp"]])
    few = _queries(lambda: conflicts.refresh_blackout(blackout.pk))
    assert few <= 12  # whatever the number of changes it covers (walks the footprints once)
    assert ChangeConflict.objects.filter(blackout=blackout).count() == 20
    assert ChangeConflict.objects.filter(blackout__isnull=True).count() == pairs  # untouched
    assert _queries(lambda: conflicts.refresh_blackout(blackout.pk)) < few  # footprints stored
