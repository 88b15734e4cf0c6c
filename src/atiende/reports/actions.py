"""The reports' writes: only the reconciliation of the ticket facts (the facts' incremental
updates are subscribers.py → facts.py, inside the tickets' own transactions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from atiende.core import clock
from atiende.sla.models import ClockKind, ClockState, SlaClock
from atiende.tickets.models import Ticket

from . import facts
from .models import ReconcileCursor

SLICE = 2000
# How far back the breach refresh looks at deadlines: a clock is breached at (a sweep after)
# its deadline, so this only needs to cover a stopped scheduler; older ones reach the facts
# through the full pass.
BREACH_LOOKBACK = timedelta(days=30)


def facts_refresh_breaches(*, now: datetime | None = None) -> int:
    """Copy into the facts the SLA clocks the sweep breached (the sweep publishes no event):
    breached clocks whose deadline lies in the look-back window (a range of the index
    sla_clock_state_deadline) and whose ticket's fact does not say so yet. Exact however
    late the job runs; cheap, as only a month's breaches are read. Answers the facts changed."""
    now = now or clock.now()
    breached = ClockState.BREACHED
    not_yet = (Q(kind=ClockKind.FIRST_RESPONSE) & ~Q(ticket__fact__first_response_sla=breached)) | (
        Q(kind=ClockKind.RESOLUTION) & ~Q(ticket__fact__resolution_sla=breached)
    )
    ticket_ids = list(
        SlaClock.objects.filter(
            state=breached, deadline__gte=now - BREACH_LOOKBACK, deadline__lte=now
        )
        .filter(not_yet)
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    written = 0
    for start in range(0, len(ticket_ids), SLICE):
        written += facts.refresh_sla(ticket_ids[start : start + SLICE])
    return written


def facts_reconcile_slice(*, size: int = SLICE) -> int:
    """Reconcile the next `size` tickets after the cursor (then start again from the first):
    missing facts are added, differing ones rewritten (a deleted ticket's fact goes with it:
    CASCADE).
    The slice and the cursor's move commit together."""
    with transaction.atomic():
        cursor, _created = ReconcileCursor.objects.select_for_update().get_or_create(pk=1)
        ids = list(
            Ticket.objects.filter(pk__gt=cursor.after_ticket_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        written = facts.reconcile(ids) if ids else 0
        if len(ids) < size:
            cursor.after_ticket_id = 0
            cursor.passes += 1
        else:
            cursor.after_ticket_id = ids[-1]
        cursor.updated_at = clock.now()
        cursor.save()
        return written


def facts_reconcile_all(*, size: int = SLICE) -> int:
    """One whole pass from the first ticket (the first fill after an upgrade; tests)."""
    ReconcileCursor.objects.update_or_create(pk=1, defaults={"after_ticket_id": 0})
    written = 0
    while True:
        before = ReconcileCursor.objects.get(pk=1).passes
        written += facts_reconcile_slice(size=size)
        if ReconcileCursor.objects.get(pk=1).passes != before:
            return written
