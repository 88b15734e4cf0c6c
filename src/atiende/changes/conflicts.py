"""Schedule conflicts of changes: the rules over plain data (pure, at the top) and the one
database read that feeds them (below).

Two scheduled changes conflict when their windows overlap and they touch the same
configuration item, or items that serve a common service. A change conflicts with a blackout
window (freeze) when their times overlap and the blackout's scope covers it (an empty scope
covers everything). Only emergency changes, or an override with a recorded reason, may be
scheduled inside a blackout.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import DurationField, ExpressionWrapper, F, Max
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.cmdb import graph
from atiende.cmdb.events import TicketItemsChanged
from atiende.cmdb.models import TicketItem
from atiende.cmdb.selectors import services_by_item
from atiende.core import clock
from atiende.core.errors import ValidationFailed
from atiende.core.events import subscribe
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Status

from .models import (
    BlackoutWindow,
    ChangeConflict,
    ChangeDetails,
    ChangeFootprint,
    ChangeType,
    ScheduleBound,
)

SAME_ITEM = "same_item"
SHARED_SERVICE = "shared_service"
BLACKOUT = "blackout"


@dataclass(frozen=True)
class Slot:
    """A change's planned window and what it touches: its items and the services they serve."""

    change_id: int
    start: datetime
    end: datetime
    item_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Freeze:
    """A blackout window; no items and no services in scope means it covers everything."""

    blackout_id: int
    start: datetime
    end: datetime
    item_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()

    @property
    def is_global(self) -> bool:
        return not self.item_ids and not self.service_ids


@dataclass(frozen=True)
class Found:
    """One conflict of the subject change: with another change, or with a blackout."""

    kind: str
    change_id: int | None = None
    blackout_id: int | None = None
    item_ids: frozenset[int] = field(default_factory=frozenset)
    service_ids: frozenset[int] = field(default_factory=frozenset)


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Half-open windows [start, end): one ending when the other starts does not overlap."""
    return start < other_end and other_start < end


def change_conflict(subject: Slot, other: Slot) -> Found | None:
    """The conflict between two changes, or None. Symmetric: the same kind and shared sets
    whichever of the two is the subject."""
    if other.change_id == subject.change_id:
        return None
    if not overlaps(subject.start, subject.end, other.start, other.end):
        return None
    shared_items = subject.item_ids & other.item_ids
    shared_services = subject.service_ids & other.service_ids
    if shared_items:
        return Found(SAME_ITEM, change_id=other.change_id, item_ids=shared_items,
                     service_ids=shared_services)  # fmt: skip
    if shared_services:
        return Found(SHARED_SERVICE, change_id=other.change_id, service_ids=shared_services)
    return None


def blackout_conflict(subject: Slot, freeze: Freeze) -> Found | None:
    """A change inside a blackout it falls under. A change that names no items is treated as
    touching everything: a freeze must not be dodged by leaving the items out."""
    if not overlaps(subject.start, subject.end, freeze.start, freeze.end):
        return None
    if freeze.is_global or not (subject.item_ids or subject.service_ids):
        return Found(BLACKOUT, blackout_id=freeze.blackout_id)
    items = subject.item_ids & freeze.item_ids
    services = subject.service_ids & freeze.service_ids
    if items or services:
        return Found(BLACKOUT, blackout_id=freeze.blackout_id, item_ids=items,
                     service_ids=services)  # fmt: skip
    return None


def find_conflicts(subject: Slot, others: Iterable[Slot], freezes: Iterable[Freeze]) -> list[Found]:
    """Every conflict of `subject`: blackouts first, then changes in start order."""
    found = [c for f in freezes if (c := blackout_conflict(subject, f)) is not None]
    ordered = sorted(others, key=lambda s: (s.start, s.change_id))
    found += [c for o in ordered if (c := change_conflict(subject, o)) is not None]
    return found


# --- reading the schedule and the items graph --------------------------------------------------
# Everything below reads or writes the database; the rules above stay pure.

# Changes whose planned window holds its slot in the schedule: from assessment until done.
WINDOW_STATUSES: tuple[str, ...] = (
    Status.ASSESSMENT,
    Status.AUTHORISATION,
    Status.SCHEDULED,
    Status.IMPLEMENTING,
)
OVERRIDE_REASON_MAX = 2000


def items_by_change(ticket_ids: list[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = TicketItem.objects.filter(ticket_id__in=ticket_ids).values_list("ticket_id", "item_id")
    for ticket_id, item_id in rows:
        found[ticket_id].add(item_id)
    return {ticket_id: frozenset(found.get(ticket_id, ())) for ticket_id in ticket_ids}


@dataclass(frozen=True)
class Footprint:
    """What a change touches: its items and the services they serve, as the impact graph
    of version `graph_version` had them."""

    item_ids: frozenset[int]
    service_ids: frozenset[int]
    graph_version: int | None = None


def walk_footprints(
    items: dict[int, frozenset[int]], version: int | None = None
) -> dict[int, Footprint]:
    """Footprints from the CMDB's impact walk, for all the changes' items at once, labelled
    with the graph `version` read before the walk (read here when not given): if the graph
    moves in between, they are stored under the older version and walked again on their
    next read, never trusted past a change."""
    if version is None:
        version = graph.current().version
    served = services_by_item(frozenset().union(*items.values()) if items else ())
    return {
        ticket_id: Footprint(its, frozenset().union(*(served[i] for i in its)), version)
        for ticket_id, its in items.items()
    }


def footprints_of(
    ticket_ids: list[int], version: int | None = None
) -> tuple[dict[int, Footprint], dict[int, Footprint]]:
    """(every footprint, the ones computed now) of the changes: stored ones walked on the
    impact graph's `version` (read here when not given) are read, the others (the CMDB
    changed since) walked again."""
    found: dict[int, Footprint] = {}
    if version is None:
        version = graph.current().version
    rows = ChangeFootprint.objects.filter(
        ticket_id__in=ticket_ids, graph_version=version
    ).values_list("ticket_id", "item_ids", "service_ids")
    for ticket_id, item_ids, service_ids in rows:
        found[ticket_id] = Footprint(frozenset(item_ids), frozenset(service_ids), version)
    missing = [t for t in ticket_ids if t not in found]
    fresh = walk_footprints(items_by_change(missing), version) if missing else {}
    found.update(fresh)
    return found, fresh


def save_footprints(prints: dict[int, Footprint], *, at: _dt.datetime) -> None:
    ChangeFootprint.objects.bulk_create(
        [
            ChangeFootprint(
                ticket_id=ticket_id,
                item_ids=sorted(p.item_ids),
                service_ids=sorted(p.service_ids),
                graph_version=p.graph_version,
                computed_at=at,
            )
            for ticket_id, p in prints.items()
        ],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["item_ids", "service_ids", "graph_version", "computed_at"],
    )


def freezes_between(start: _dt.datetime, end: _dt.datetime) -> list[Freeze]:
    ids = list(
        BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start).values_list(
            "id", flat=True
        )
    )
    return _freezes_of(ids) if ids else []


def _freezes_of(blackout_ids: list[int]) -> list[Freeze]:
    windows = list(
        BlackoutWindow.objects.filter(pk__in=blackout_ids).values_list("id", "starts_at", "ends_at")
    )
    scope: dict[int, set[int]] = defaultdict(set)
    if windows:
        through = BlackoutWindow.items.through.objects.filter(
            blackoutwindow_id__in=[w[0] for w in windows]
        ).values_list("blackoutwindow_id", "configurationitem_id")
        for blackout_id, item_id in through:
            scope[blackout_id].add(item_id)
    # The scope holds services and items alike (one table): it is matched against both.
    return [
        Freeze(pk, starts, ends, frozenset(scope[pk]), frozenset(scope[pk]))
        for pk, starts, ends in sorted(windows, key=lambda w: (w[1], w[0]))
    ]


# The longest planned window a change may have (docs/change-calendar.md). The calendar's
# range scans reach back by the longest stored window, so no single change may make that
# reach absurd; the actions refuse longer windows (check_window).
MAX_WINDOW = _dt.timedelta(days=366)
# Where a range scan starts when start - longest window is before anything a calendar holds.
EARLIEST = _dt.datetime(1, 1, 2, tzinfo=_dt.UTC)


def check_window(start: _dt.datetime | None, end: _dt.datetime | None) -> None:
    """A planned window the schedule can hold: both ends or neither, the end after the
    start, at most MAX_WINDOW long (ValidationFailed on the field otherwise)."""
    if (start is None) != (end is None):
        name = "planned_end" if end is None else "planned_start"
        raise ValidationFailed.field(name, _("Give both the planned start and end."))
    if start is None or end is None:
        return
    if end <= start:
        raise ValidationFailed.field("planned_end", _("The end must be after the start."))
    if end - start > MAX_WINDOW:
        raise ValidationFailed.field(
            "planned_end",
            _("A change window lasts at most %(days)d days; split longer work into several "
            "changes.") % {"days": MAX_WINDOW.days},
        )  # fmt: skip


def longest_window() -> _dt.timedelta:
    """The longest planned window of any change (see ScheduleBound); computed from the
    changes, and stored, when it is not known yet. A stored bound longer than MAX_WINDOW can
    only come from a change saved before the limit, or a hand-edited row: it is computed
    again (that change may since have been corrected or deleted), so it heals itself."""
    seconds = ScheduleBound.objects.filter(pk=1).values_list("longest_seconds", flat=True).first()
    if seconds is None or seconds > MAX_WINDOW.total_seconds():
        computed = _longest_from_changes()
        if computed != seconds:  # no write on a read page while an old long change remains
            ScheduleBound.objects.update_or_create(pk=1, defaults={"longest_seconds": computed})
        seconds = computed
    return _dt.timedelta(seconds=seconds)


def scan_start(start: _dt.datetime) -> _dt.datetime:
    """The earliest planned start of a change that can overlap a range starting at `start`:
    start - the longest window, never an OverflowError (whatever one row holds, a shared
    page must not fail)."""
    try:
        return max(start - longest_window(), EARLIEST)
    except OverflowError:
        return EARLIEST


def _longest_from_changes() -> int:
    """One aggregate over the changes with a window (cancelled ones too: the calendar shows
    them when asked)."""
    length = ExpressionWrapper(F("planned_end") - F("planned_start"), output_field=DurationField())
    longest = ChangeDetails.objects.filter(
        planned_start__isnull=False, planned_end__isnull=False
    ).aggregate(longest=Max(length))["longest"]
    if longest is None:
        return 0
    return max(0, math.ceil(longest.total_seconds()))


def note_window(start: _dt.datetime | None, end: _dt.datetime | None) -> None:
    """Raise the stored bound when a window longer than it is saved (in the saving
    transaction: callers are the actions' events and the schedule check)."""
    if start is None or end is None or end <= start:
        return
    seconds = math.ceil((end - start).total_seconds())
    if not ScheduleBound.objects.filter(pk=1).exists():
        longest_window()  # computes it (this window included once saved; noted below too)
    ScheduleBound.objects.filter(pk=1, longest_seconds__lt=seconds).update(longest_seconds=seconds)


def window_moved(
    old: tuple[_dt.datetime | None, _dt.datetime | None],
    new: tuple[_dt.datetime | None, _dt.datetime | None],
) -> None:
    """After a change's window was saved as `new` (was `old`): the bound grows with it, and
    is computed again when the old window may have been the longest and it shrank (or was
    cleared), so correcting a too-long window gives the calendar its narrow scan back."""
    note_window(*new)
    old_start, old_end = old
    if old_start is None or old_end is None or old_end <= old_start:
        return
    new_start, new_end = new
    old_length = old_end - old_start
    if new_start is not None and new_end is not None and new_end - new_start >= old_length:
        return
    stored = ScheduleBound.objects.filter(pk=1).values_list("longest_seconds", flat=True).first()
    if stored is not None and old_length.total_seconds() >= stored:
        seconds = _longest_from_changes()
        ScheduleBound.objects.filter(pk=1).update(longest_seconds=seconds)


def overlapping_windows(
    start: _dt.datetime, end: _dt.datetime, *, exclude: int | None = None
) -> list[tuple[int, _dt.datetime, _dt.datetime]]:
    """The in-flight changes whose window overlaps [start, end): one range scan of the
    (planned_start, planned_end) index, from start - the longest window."""
    rows = ChangeDetails.objects.filter(
        planned_start__gte=scan_start(start),
        planned_start__lt=end,
        planned_end__gt=start,
        ticket__status__in=WINDOW_STATUSES,
    )
    if exclude is not None:
        rows = rows.exclude(ticket_id=exclude)
    return [
        (ticket_id, starts, ends)
        for ticket_id, starts, ends in rows.values_list("ticket_id", "planned_start", "planned_end")
        if starts is not None and ends is not None
    ]


def compute(
    ticket_id: int,
    start: _dt.datetime,
    end: _dt.datetime,
    *,
    item_ids: frozenset[int] | None = None,
) -> list[Found]:
    """The conflicts the change would have with the window [start, end)."""
    return _compute(ticket_id, start, end, item_ids=item_ids)[0]


def _compute(
    ticket_id: int,
    start: _dt.datetime,
    end: _dt.datetime,
    *,
    item_ids: frozenset[int] | None = None,
) -> tuple[list[Found], dict[int, Footprint]]:
    """The conflicts, and the footprints computed on the way (to be stored by writers).
    The subject's footprint is always walked afresh; its neighbours' are read."""
    others = overlapping_windows(start, end, exclude=ticket_id)
    own_items = (
        frozenset(item_ids) if item_ids is not None else items_by_change([ticket_id])[ticket_id]
    )
    version = graph.current().version  # one read for the subject and its neighbours
    own = walk_footprints({ticket_id: own_items}, version)[ticket_id]
    prints, fresh = footprints_of([o[0] for o in others], version)
    fresh[ticket_id] = own
    empty = Footprint(frozenset(), frozenset())
    subject = Slot(ticket_id, start, end, own.item_ids, own.service_ids)
    slots = [
        Slot(pk, s, e, prints.get(pk, empty).item_ids, prints.get(pk, empty).service_ids)
        for pk, s, e in others
    ]
    return find_conflicts(subject, slots, freezes_between(start, end)), fresh


def store(ticket_id: int, found: list[Found], *, at: _dt.datetime | None = None) -> None:
    """Replace the stored conflicts of the change (both directions for change pairs)."""
    at = at or clock.now()
    ChangeConflict.objects.filter(change_id=ticket_id).delete()
    ChangeConflict.objects.filter(other_id=ticket_id).delete()
    rows = []
    for conflict in found:
        common = {
            "kind": conflict.kind,
            "item_ids": sorted(conflict.item_ids),
            "service_ids": sorted(conflict.service_ids),
            "detected_at": at,
        }
        if conflict.blackout_id is not None:
            rows.append(ChangeConflict(change_id=ticket_id, blackout_id=conflict.blackout_id,
                                       **common))  # fmt: skip
        elif conflict.change_id is not None:
            rows.append(ChangeConflict(change_id=ticket_id, other_id=conflict.change_id, **common))
            rows.append(ChangeConflict(change_id=conflict.change_id, other_id=ticket_id, **common))
    ChangeConflict.objects.bulk_create(rows)


def refresh(ticket_id: int) -> list[Found]:
    """Recompute and store the change's conflicts from its saved window, items and status
    (none when it has no window or is not in flight). Idempotent."""
    details = (
        ChangeDetails.objects.filter(ticket_id=ticket_id)
        .values_list("planned_start", "planned_end", "ticket__status")
        .first()
    )
    found: list[Found] = []
    at = clock.now()
    if details is not None:
        start, end, status = details
        note_window(start, end)
        if start is not None and end is not None and status in WINDOW_STATUSES:
            found, fresh = _compute(ticket_id, start, end)
            save_footprints(fresh, at=at)
    store(ticket_id, found, at=at)
    return found


def refresh_blackout(blackout_id: int) -> None:
    """After a blackout was created, moved or re-scoped: replace its conflicts. Only this
    blackout's rows change (pairs of changes do not depend on it), so a freeze over
    thousands of changes costs a handful of queries: the changes in its window, their
    footprints (stored ones read, missing or old ones walked together), one insert."""
    now = clock.now()
    ChangeConflict.objects.filter(blackout_id=blackout_id).delete()
    freezes = _freezes_of([blackout_id])
    if not freezes:
        return  # deleted
    freeze = freezes[0]
    windows = overlapping_windows(freeze.start, freeze.end)
    prints, fresh = footprints_of([w[0] for w in windows])
    save_footprints(fresh, at=now)
    empty = Footprint(frozenset(), frozenset())
    rows = []
    for ticket_id, start, end in windows:
        footprint = prints.get(ticket_id, empty)
        slot = Slot(ticket_id, start, end, footprint.item_ids, footprint.service_ids)
        found = blackout_conflict(slot, freeze)
        if found is not None:
            rows.append(
                ChangeConflict(
                    change_id=ticket_id,
                    kind=BLACKOUT,
                    blackout_id=blackout_id,
                    item_ids=sorted(found.item_ids),
                    service_ids=sorted(found.service_ids),
                    detected_at=now,
                )
            )
    ChangeConflict.objects.bulk_create(rows, batch_size=1000)


@dataclass
class ScheduleCheck:
    """What scheduling a change into a window found. `blackouts` are the freezes it falls
    into; `overridden` tells that it was allowed in by an override reason."""

    conflicts: list[Found]
    blackouts: list[BlackoutWindow]
    overridden: bool = False

    @property
    def change_conflicts(self) -> list[Found]:
        return [c for c in self.conflicts if c.kind != BLACKOUT]


def check_schedule(
    change: ChangeDetails,
    start: _dt.datetime,
    end: _dt.datetime,
    *,
    actor: User | None = None,
    override_reason: str = "",
    item_ids: frozenset[int] | None = None,
    record: bool = True,
) -> ScheduleCheck:
    """Called by the action that schedules (or moves) a change, inside its transaction.

    Raises ValidationFailed (on `override_reason`) when the window falls inside a blackout
    and the change is not an emergency and no override reason is given. With an override,
    writes an internal timeline entry (who, when, why). With `record`, stores the conflicts
    found so the calendar, change page and CAB agenda show them.
    """
    check_window(start, end)  # also a window saved before the limit: corrected first
    note_window(start, end)
    found, fresh = _compute(change.ticket_id, start, end, item_ids=item_ids)
    blackout_ids = [f.blackout_id for f in found if f.kind == BLACKOUT]
    blackouts = list(BlackoutWindow.objects.filter(pk__in=blackout_ids).order_by("starts_at"))
    reason = (override_reason or "").strip()
    overridden = False
    if blackouts and change.change_type != ChangeType.EMERGENCY:
        if not reason:
            names = ", ".join(b.name for b in blackouts)
            raise ValidationFailed(
                _("This window falls inside a blackout: %(names)s.") % {"names": names},
                errors={
                    "override_reason": [
                        _(
                            "Only emergency changes may be scheduled inside a blackout; "
                            "give a reason to override it."
                        )
                    ]
                },
            )
        if len(reason) > OVERRIDE_REASON_MAX:
            raise ValidationFailed.field("override_reason", _("This text is too long."))
        overridden = True
    at = clock.now()
    if overridden:
        names = ", ".join(f"“{b.name}”" for b in blackouts)
        timeline.record(
            change.ticket_id,
            actor=actor,
            type=EventType.NOTE,
            at=at,
            public=False,
            body=_("Scheduled inside the blackout window %(names)s. Override reason: %(reason)s")
            % {"names": names, "reason": reason},
        )
    if record:
        store(change.ticket_id, found, at=at)
        save_footprints(fresh, at=at)
    return ScheduleCheck(conflicts=found, blackouts=blackouts, overridden=overridden)


# --- keeping stored conflicts current ----------------------------------------------------------
# The stored conflicts change together with the change's window, status or items, or not at
# all: changes.actions calls `refresh` and `note_window` directly in its transaction (same
# domain); scheduling itself stores them through check_schedule. The items a ticket affects
# belong to the CMDB, whose event this module subscribes to, in the publishing transaction
# (registered when the app is ready: ChangesConfig.ready imports this module).


@subscribe(TicketItemsChanged, in_transaction=True)
def _on_items_changed(event: TicketItemsChanged) -> None:
    refresh(event.ticket_id)  # a ticket that is not a change has no details: nothing is stored
