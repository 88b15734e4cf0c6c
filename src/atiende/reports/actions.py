"""The reports' writes: the ticket facts (queued by the tickets' own transactions,
recomputed by the catch-up, checked by the reconciliation job), and saved reports with
their scheduled e-mails."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from atiende.accounts.models import User
from atiende.core import bulk, clock
from atiende.core.errors import NotFound, ValidationFailed
from atiende.sla.models import ClockKind, ClockState, SlaClock
from atiende.tickets.models import Ticket

from . import aggregates, facts
from .models import Frequency, PendingFact, ReconcileCursor, SavedReport, TicketFact

SLICE = 2000
# How far back the breach refresh looks at deadlines: a clock is breached at (a sweep after)
# its deadline, so this only needs to cover a stopped scheduler; older ones reach the facts
# through the full pass.
BREACH_LOOKBACK = timedelta(days=30)


# Tickets recomputed per catch-up transaction: a few hundred milliseconds of work at most,
# so an action waiting for one of these tickets' locks never waits long.
CATCH_UP_BATCH = 500


def facts_queue(ticket_ids: Iterable[int]) -> None:
    """Queue tickets for the recomputation of their facts (PendingFact), in the caller's
    transaction: one statement, whatever the number; a ticket already queued stays as it is.
    This is all a ticket action pays for its reports."""
    bulk.insert_spread(
        PendingFact, {"queued_at": clock.now()}, "ticket_id", sorted(set(ticket_ids)),
        unless_conflict=True,
    )  # fmt: skip


def facts_catch_up(*, limit: int | None = None) -> int:
    """Recompute the facts of the queued tickets, CATCH_UP_BATCH per transaction
    (facts.reconcile: lock, dequeue, recompute, write with the aggregates' delta), until the
    queue is empty or `limit` tickets were done. Run by the periodic job and before the
    reports are read, so a report shows every committed change. Answers the tickets done."""
    done = 0
    while limit is None or done < limit:
        size = CATCH_UP_BATCH if limit is None else min(CATCH_UP_BATCH, limit - done)
        ids = list(PendingFact.objects.order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            break
        facts.reconcile(ids)
        done += len(ids)
    return done


# What a reader recomputes before a report (facts_current): all of the usual queue; after
# a bulk change of thousands of tickets the rest is the periodic job's, seconds later.
READ_CATCH_UP = 2000


def facts_current(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a view or endpoint that reads the facts: the queued tickets are recomputed
    first, so a report shows the reader's own last change."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        facts_catch_up(limit=READ_CATCH_UP)
        return view(*args, **kwargs)

    return wrapper


def facts_refresh_breaches(*, now: datetime | None = None) -> int:
    """Queue the tickets whose SLA clock the sweep breached and whose fact does not say so
    yet (a safety net: the sweep's SlaBreached queues them as it breaches): breached clocks
    whose deadline lies in the look-back window (a range of the index
    sla_clock_state_deadline). Exact however late the job runs; cheap, as only a month's
    breaches are read. Answers the tickets queued."""
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
    facts_queue(ticket_ids)
    return len(ticket_ids)


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


DAILY_SLICE_DAYS = 7


def daily_reconcile_slice(*, days: int = DAILY_SLICE_DAYS, today: date | None = None) -> int:
    """Rebuild the daily aggregates of the next `days` UTC days, walking back from today to
    the oldest fact, then again from today (aggregates.rebuild: the rows of those days made
    equal to the facts, the difference added). The rebuild and the cursor's move commit
    together. Answers the rows changed."""
    today = today or clock.now().astimezone(UTC).date()
    with transaction.atomic():
        cursor, _created = ReconcileCursor.objects.select_for_update().get_or_create(pk=1)
        last = cursor.daily_before - timedelta(days=1) if cursor.daily_before else today
        oldest = TicketFact.objects.order_by("created_at").values_list("created_at", flat=True)
        first_fact = oldest.first()
        if first_fact is None or last < first_fact.astimezone(UTC).date():
            last = today
        first = last - timedelta(days=days - 1)
        written = aggregates.rebuild(first, last)
        cursor.daily_before = first
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


# -- saved reports and their scheduled e-mails ---------------------------------------------------

SAVED_MAX = 20  # per person
SEND_AT = time(7, 0)  # local time of the owner
SEND_BATCH = 200


def _tz(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def next_run(frequency: str, after: datetime, tz: ZoneInfo) -> datetime:
    """The next e-mail strictly after `after`: Monday (weekly) or the 1st (monthly) at
    07:00 in the owner's time zone."""
    day = after.astimezone(tz).date()
    for _step in range(2):
        if frequency == Frequency.WEEKLY:
            candidate = day + timedelta(days=(7 - day.weekday()) % 7)
        else:
            candidate = (
                day if day.day == 1 else (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            )
        moment = datetime.combine(candidate, SEND_AT, tzinfo=tz)
        if moment > after:
            return moment
        day = candidate + timedelta(days=1)
    raise AssertionError("unreachable")  # pragma: no cover


def scheduled_period(frequency: str, run_at: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """What an e-mail sent at `run_at` covers, in the owner's time zone: the last complete
    week (Monday to Sunday) or the last complete calendar month."""
    day = run_at.astimezone(tz).date()
    if frequency == Frequency.WEEKLY:
        end = day - timedelta(days=day.weekday())
        start = end - timedelta(days=7)
    else:
        end = day.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.min, tzinfo=tz),
    )


def saved_report_create(
    *,
    actor: Any,
    name: str,
    metric: str,
    dimension: str,
    filters: dict[str, Any] | None = None,
    frequency: str = "",
) -> SavedReport:
    """Save a report for `actor` (an agent), optionally e-mailed to them weekly or monthly."""
    from .metrics import FILTERS
    from .selectors import Period, can_read_reports, check_report

    if not can_read_reports(actor):
        raise NotFound()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [gettext("Give the report a name.")]
    elif len(name) > 120:
        errors["name"] = [gettext("Use at most 120 characters.")]
    if frequency not in ("", *Frequency.values):
        errors["frequency"] = [gettext("Choose weekly, monthly or no e-mail.")]
    now = clock.now()
    try:
        check_report(metric, dimension, Period(now - timedelta(days=1), now))
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationFailed(errors=errors)
    kept = {k: v for k, v in (filters or {}).items() if k in FILTERS and v not in (None, "")}
    with transaction.atomic():
        # Lock the owner's row so two saves cannot both pass the limit.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if SavedReport.objects.filter(owner_id=actor.pk).count() >= SAVED_MAX:
            raise ValidationFailed.field(
                "name",
                gettext("You have %(n)d saved reports, the most there can be.") % {"n": SAVED_MAX},
            )
        return SavedReport.objects.create(
            owner_id=actor.pk, name=name, metric=metric, dimension=dimension, filters=kept,
            frequency=frequency,
            next_run_at=next_run(frequency, now, _tz(actor)) if frequency else None,
            created_at=now,
        )  # fmt: skip


def saved_report_delete(*, actor: Any, report_id: Any) -> None:
    """Delete one of `actor`'s saved reports (another's is a 404, as a missing one)."""
    with transaction.atomic():
        deleted, _rows = SavedReport.objects.filter(pk=report_id, owner_id=actor.pk).delete()
    if not deleted:
        raise NotFound()


def scheduled_reports_send(*, now: datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Queue the due report e-mails in the outbox (the mail is composed at delivery, in the
    owner's language: mailing.py). Each due report is claimed with a conditional UPDATE that
    moves its next run, in the same transaction as its outbox row: several workers never
    send one twice, and a crash sends it on the next run. Answers the e-mails queued."""
    from atiende.mail.models import OutboundKind
    from atiende.mail.outbound.outbox import queue

    now = now or clock.now()
    due = list(
        SavedReport.objects.filter(next_run_at__lte=now)
        .select_related("owner")
        .order_by("next_run_at", "id")[:limit]
    )
    sent = 0
    for report in due:
        if report.next_run_at is None or report.frequency not in Frequency.values:
            continue
        tz = _tz(report.owner)
        start, end = scheduled_period(report.frequency, report.next_run_at, tz)
        with transaction.atomic():
            claimed = SavedReport.objects.filter(
                pk=report.pk, next_run_at=report.next_run_at
            ).update(next_run_at=next_run(report.frequency, now, tz), last_sent_at=now)
            if not claimed:
                continue  # another worker took it
            queue(
                kind=OutboundKind.REPORT,
                recipient_id=report.owner_id,
                params={"saved_report": report.pk, "start": start.isoformat(),
                        "end": end.isoformat()},
                thread=False,
            )  # fmt: skip
            sent += 1
    return sent
