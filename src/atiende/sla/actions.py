"""The only code that changes SLA clocks, and the SLA domain's own audit writes.

Clock actions are called by subscribers.py after a ticket change commits. Each runs in one
transaction holding row locks on the ticket's clocks (never on the ticket itself, so it cannot
deadlock with the sweep, which locks clocks and then, for reassignments, the ticket).

`sweep_due` finds clocks due to warn or to breach through the partial indexes, claims them
with one conditional UPDATE ... RETURNING (a clock already claimed by another worker no
longer satisfies the WHERE clause, so it is skipped), and in the same transaction writes the
timeline events, the notifications and the escalations: each warning and breach happens
exactly once, or not at all if the transaction fails (and then the next sweep retries).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

from atiende.accounts.actions import system_actor
from atiende.accounts.models import Role, TeamMembership, User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import bulk, events
from atiende.core import clock as wallclock
from atiende.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from atiende.core.queries import loaded_related
from atiende.core.versions import check_version
from atiende.notifications.actions import notify_many
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Status, Ticket

from . import clocks
from .calendar import Calendar
from .events import ClocksMoved, SlaBreached, SlaWarned
from .models import (
    BusinessCalendar,
    CalendarClosure,
    CalendarHoliday,
    ClockKind,
    ClockState,
    EscalationAction,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaTarget,
    Trigger,
)

logger = logging.getLogger(__name__)

FINISHED = (ClockState.MET, ClockState.STOPPED)
POLICY_FIELDS = frozenset({"kind", "priority", "team", "category", "organization"})
CLOCK_FIELDS = [
    "policy",
    "target_minutes",
    "warn_at_percent",
    "state",
    "started_at",
    "running_since",
    "elapsed",
    "paused_since",
    "deadline",
    "warn_at",
    "met_at",
]
SWEEP_BATCH = 1000
NEW_CLOCK_FIELDS = [f.attname for f in SlaClock._meta.concrete_fields if not f.primary_key]


# --- the SLA audit trail ------------------------------------------------------------------------


@dataclass(frozen=True)
class Happening:
    """One SLA entry of a ticket's timeline. `what` is a code the timeline template labels:
    started, warning, breach, policy_changed, or an escalation action."""

    ticket_id: int
    what: str
    at: datetime
    clock: str = ""
    detail: str = ""
    before: str = ""


def record(happenings: Iterable[Happening]) -> int:
    """Write SLA happenings to the ticket timelines (internal, by the system; in bulk)."""
    return timeline.record_many(
        timeline.Row(
            h.ticket_id, EventType.SLA.value, None, h.at, False, h.clock, h.before, h.what, h.detail
        )
        for h in happenings
    )


# --- clocks following the ticket ----------------------------------------------------------------


def _calendar(policy: SlaPolicy | None) -> Calendar:
    return policy.calendar.to_calendar() if policy else Calendar.always_open()


def _locked_clocks(ticket_id: int | Sequence[int]) -> list[SlaClock]:
    """A ticket's clocks (or several tickets': a list of ids), locked, in id order."""
    ids = [ticket_id] if isinstance(ticket_id, int) else list(ticket_id)
    return list(
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("policy__calendar")
        .filter(ticket_id__in=ids)
        .order_by("id")
    )


def _save(clock: SlaClock) -> None:
    clock.save(update_fields=CLOCK_FIELDS)


def _new_clock(
    ticket: Ticket, kind: str, policy: SlaPolicy, minutes: int, at: datetime
) -> SlaClock:
    clock = SlaClock(
        ticket=ticket,
        kind=kind,
        policy=policy,
        target_minutes=minutes,
        warn_at_percent=policy.warn_at_percent,
    )
    clocks.start(clock, _calendar(policy), at)
    if ticket.status in (policy.pause_statuses or []):
        clocks.pause(clock, _calendar(policy), at)
    return clock


def _start_clocks(
    ticket: Ticket, policy: SlaPolicy, target: SlaTarget, at: datetime
) -> list[SlaClock]:
    new = [
        _new_clock(ticket, ClockKind.FIRST_RESPONSE, policy, target.first_response_minutes, at),
        _new_clock(ticket, ClockKind.RESOLUTION, policy, target.resolution_minutes, at),
    ]
    # Written as plain rows (no ids read back: nobody needs them in this transaction, and
    # bulk_create's machinery cost more than the insert on every ticket's creation).
    bulk.insert(
        SlaClock, NEW_CLOCK_FIELDS, [tuple(getattr(c, f) for f in NEW_CLOCK_FIELDS) for c in new]
    )
    record(
        [
            Happening(
                ticket.pk,
                "started",
                at,
                clock="policy",
                detail=f"{policy.name} (P{target.priority})",
            )
        ]
    )
    return new


def clocks_start_new(*, ticket: Ticket) -> list[SlaClock]:
    """Start the clocks of a ticket being created, inside its transaction: the ticket and its
    clocks commit together (never a ticket without its service level), with no re-read and
    no extra commit. The caller guarantees the ticket is new, so it has no clocks yet."""
    matched = clocks.match_policy(clocks.PolicyFacts.of(ticket)) if ticket.is_open else None
    started = [] if matched is None else _start_clocks(ticket, *matched, at=ticket.created_at)
    # The new ticket's `sla_clocks`, loaded as prefetch_related would: whoever shows it next
    # (the API's 201) reads `ticket.sla_clocks.all()` without a query.
    loaded_related(ticket, "sla_clocks", started)
    return started


def _moved(ticket_ids: Iterable[int]) -> None:
    events.publish(ClocksMoved(ticket_ids=tuple(sorted(set(ticket_ids)))))


def clocks_follow_status(*, ticket_id: int, old: str, new: str) -> None:
    """Pause in a pausing status, resume when leaving it, meet resolution at resolved, resume
    resolution on reopen (elapsed time kept), stop everything when cancelled or closed."""
    clocks_follow_status_many([(ticket_id, old, new)])


def clocks_follow_status_many(moves: Sequence[tuple[int, str, str]]) -> None:
    """`clocks_follow_status` of many tickets' moves (ticket id, old, new): their clocks
    locked in one query, the changed ones written in one UPDATE; a ticket left with a running
    clock is then checked at once for a warning or breach due (`_act_now`)."""
    now = wallclock.now()
    running: list[int] = []
    with transaction.atomic():
        found: dict[int, list[SlaClock]] = defaultdict(list)
        for clock in _locked_clocks([move[0] for move in moves]):
            found[clock.ticket_id].append(clock)
        changed = []
        for ticket_id, old, new in moves:
            for clock in found.get(ticket_id, ()):
                if _follow(clock, old, new, now):
                    changed.append(clock)
            if any(c.state == ClockState.RUNNING for c in found.get(ticket_id, ())):
                running.append(ticket_id)
        if changed:
            bulk.update(changed, CLOCK_FIELDS)
            _moved(c.ticket_id for c in changed)
    for ticket_id in running:  # (a clock not running is never due)
        _act_now(ticket_id, now)


def _follow(clock: SlaClock, old: str, new: str, now: datetime) -> bool:
    """Move one clock for a status move; answers whether it changed."""
    calendar = _calendar(clock.policy)
    pausing = set(clock.policy.pause_statuses or []) if clock.policy else set()
    if new == Status.RESOLVED:
        # Resolving answers the requester too: it meets first and next response.
        return clocks.finish(clock, calendar, now, ClockState.MET)
    if new in (Status.CANCELLED, Status.CLOSED):
        return clocks.finish(clock, calendar, now, ClockState.STOPPED)
    if old in (Status.RESOLVED, Status.CLOSED):
        changed = False
        if clock.kind == ClockKind.RESOLUTION:
            changed = clocks.reopen(clock, calendar, now)
            if changed and new in pausing:
                clocks.pause(clock, calendar, now)
        return changed
    if new in pausing and old not in pausing:
        return clocks.pause(clock, calendar, now)
    if old in pausing and new not in pausing:
        return clocks.resume(clock, calendar, now)
    return False


def clocks_follow_reply(
    *, ticket_id: int, actor_id: int | None, public: bool, by_agent: bool | None = None
) -> None:
    """An agent's public reply meets first response (and a running next response); an internal
    note meets nothing. A requester's public reply starts a next-response clock when the
    target has one and first response is already met (one running at a time)."""
    if not public or actor_id is None:
        return
    if by_agent is None:  # not told by the event: read who wrote
        actor = User.objects.filter(pk=actor_id).first()
        if actor is None:
            return
        by_agent = actor.is_agent
    now = wallclock.now()
    with transaction.atomic():
        existing = _locked_clocks(ticket_id)
        if by_agent:
            met = False
            for clock in existing:
                answered = clock.kind in (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE)
                if answered and clocks.finish(clock, _calendar(clock.policy), now, ClockState.MET):
                    _save(clock)
                    met = True
            if met:
                _moved([ticket_id])
            return
        first = next((c for c in existing if c.kind == ClockKind.FIRST_RESPONSE), None)
        waiting = any(
            c.kind == ClockKind.NEXT_RESPONSE and c.met_at is None and c.state not in FINISHED
            for c in existing
        )
        if first is None or first.met_at is None or waiting or first.policy is None:
            return
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None or not ticket.is_open:
            return
        target = first.policy.targets.filter(priority=ticket.priority).first()
        if target is None or not target.next_response_minutes:
            return
        _new_clock(
            ticket, ClockKind.NEXT_RESPONSE, first.policy, target.next_response_minutes, now
        ).save()
        _moved([ticket_id])


def clocks_follow_policy(*, ticket_id: int) -> None:
    """Re-match the policy after a change of kind, priority, team, category or organisation.

    The rule (never loses elapsed time): every unfinished clock keeps the business time it has
    counted; its new deadline is now + (new target - elapsed) in business time, so a clock
    already past the new target is due at once (the breach is then recorded right away). A
    recorded warning or breach is never undone. If no policy matches any more, the clocks keep
    their old policy (a ticket never silently loses its service level)."""
    now = wallclock.now()
    with transaction.atomic():
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None or not ticket.is_open:
            return
        existing = _locked_clocks(ticket_id)
        matched = clocks.match_policy(clocks.PolicyFacts.of(ticket))
        if matched is None:
            return
        policy, target = matched
        if not existing:
            _start_clocks(ticket, policy, target, now)
            _moved([ticket_id])
            return
        happenings = []
        moved = False
        for clock in existing:
            if clock.state in FINISHED:
                continue
            minutes = target.minutes_for(clock.kind)
            if minutes is None:  # the new target has no next response: stop waiting for one
                clocks.finish(clock, _calendar(clock.policy), now, ClockState.STOPPED)
                _save(clock)
                moved = True
                continue
            if clock.policy_id == policy.pk and clock.target_minutes == minutes:
                continue
            moved = True
            before = f"{clock.policy.name if clock.policy else '-'}: {clock.target_minutes} min"
            clocks.fold(clock, _calendar(clock.policy), now)  # count on the old calendar
            clocks.retarget(clock, _calendar(policy), now, policy, minutes)
            _save(clock)
            happenings.append(
                Happening(
                    ticket_id,
                    "policy_changed",
                    now,
                    clock=clock.kind,
                    before=before,
                    detail=f"{policy.name} (P{target.priority}): {minutes} min",
                )
            )
        record(happenings)
        if moved:
            _moved([ticket_id])
    _act_now(ticket_id, now)


def _act_now(ticket_id: int, now: datetime) -> None:
    """A change may leave a clock already due (e.g. a smaller target): act at once rather
    than at the next sweep. The same exactly-once claims as the sweep."""
    for trigger in (Trigger.WARNING, Trigger.BREACH):
        _sweep_batch(trigger, now, SWEEP_BATCH, SweepResult(), ticket_id=ticket_id)


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    escalations: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.warned + self.breached


def sweep_due(*, now: datetime | None = None, limit: int = 5000) -> SweepResult:
    """Warn and breach every clock that is due, at most `limit` of them, each exactly once
    even with several workers sweeping at the same time. Safe to call at any time."""
    now = now or wallclock.now()
    result = SweepResult()
    for trigger in (Trigger.WARNING, Trigger.BREACH):
        while result.processed < limit:
            size = min(SWEEP_BATCH, limit - result.processed)
            if _sweep_batch(trigger, now, size, result) == 0:
                break
    return result


def _due(trigger: str, now: datetime, size: int, ticket_id: int | None) -> list[int]:
    due = SlaClock.objects.filter(state=ClockState.RUNNING)
    if ticket_id is not None:
        due = due.filter(ticket_id=ticket_id)
    if trigger == Trigger.WARNING:
        # A clock already past its deadline skips the warning and goes straight to breach.
        due = due.filter(warned_at__isnull=True, warn_at__lte=now, deadline__gt=now)
        due = due.order_by("warn_at")
    else:
        due = due.filter(breached_at__isnull=True, deadline__lte=now).order_by("deadline")
    return list(due.values_list("pk", flat=True)[:size])


def _claim(trigger: str, ids: Sequence[int], now: datetime) -> list[int]:
    """One conditional UPDATE ... RETURNING: only rows still due are claimed. On PostgreSQL a
    row being claimed by another transaction is waited for and then re-checked, so two
    workers never both claim it; SQLite has one writer at a time."""
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    marks = ", ".join(["%s"] * len(ids))  # placeholders only: every value is a parameter
    if trigger == Trigger.WARNING:
        sql = (
            f"UPDATE {table} SET warned_at = %s WHERE id IN ({marks}) AND state = %s "  # noqa: S608
            "AND warned_at IS NULL AND warn_at <= %s AND deadline > %s RETURNING id"
        )
        params = [at, *ids, ClockState.RUNNING.value, at, at]
    else:
        sql = (
            f"UPDATE {table} SET breached_at = %s, state = %s WHERE id IN ({marks}) "  # noqa: S608
            "AND state = %s AND breached_at IS NULL AND deadline <= %s RETURNING id"
        )
        params = [at, ClockState.BREACHED.value, *ids, ClockState.RUNNING.value, at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _sweep_batch(
    trigger: str, now: datetime, size: int, result: SweepResult, *, ticket_id: int | None = None
) -> int:
    """Claim and act on up to `size` due clocks in one transaction; returns how many were
    found due (0 means nothing is left)."""
    with transaction.atomic():
        ids = _due(trigger, now, size, ticket_id)
        if not ids:
            return 0
        claimed = _claim(trigger, ids, now)
        if claimed:
            _escalate(trigger, claimed, now, result)
    return len(ids)


def _escalate(trigger: str, clock_ids: list[int], now: datetime, result: SweepResult) -> None:
    due = list(
        SlaClock.objects.filter(pk__in=clock_ids)
        .select_related("ticket")
        .only(
            "id",
            "kind",
            "policy_id",
            "deadline",
            "ticket__id",
            "ticket__number",
            "ticket__team_id",
            "ticket__assignee_id",
        )
    )
    escalations: dict[int, list[SlaEscalation]] = defaultdict(list)
    for escalation in SlaEscalation.objects.filter(
        policy_id__in={c.policy_id for c in due}, trigger=trigger
    ).order_by("id"):
        escalations[escalation.policy_id].append(escalation)
    team_ids = {c.ticket.team_id for c in due if c.ticket.team_id}
    team_ids |= {e.team_id for group in escalations.values() for e in group if e.team_id}
    members, managers = _team_people(team_ids)

    verb = "sla_warning" if trigger == Trigger.WARNING else "sla_breach"
    what = "warning" if trigger == Trigger.WARNING else "breach"
    happenings: list[Happening] = []
    notifications: list[tuple] = []
    ticket_changes: list[tuple[SlaClock, SlaEscalation]] = []
    for clock in due:
        ticket = clock.ticket
        happenings.append(Happening(ticket.pk, what, now, clock=clock.kind))
        params = {
            "number": ticket.number,
            "clock": clock.kind,
            "deadline": f"{clock.deadline:%Y-%m-%d %H:%M} UTC" if clock.deadline else "",
        }
        for escalation in escalations.get(clock.policy_id or 0, ()):
            if not escalation.applies_to(clock.kind):
                continue
            action = escalation.action
            if action in (EscalationAction.REASSIGN_TEAM, EscalationAction.RAISE_PRIORITY):
                ticket_changes.append((clock, escalation))
                continue
            team_id = escalation.team_id or ticket.team_id or 0
            users: list[int]
            if action == EscalationAction.NOTIFY_ASSIGNEE:
                # Nobody assigned yet: the team is told instead.
                users = [ticket.assignee_id] if ticket.assignee_id else members.get(team_id, [])
            elif action == EscalationAction.NOTIFY_TEAM:
                users = members.get(team_id, [])
            else:
                users = managers.get(ticket.team_id or 0, [])
            users = list(dict.fromkeys(users))
            notifications.extend((u, ticket.pk, verb, params, now, None) for u in users)
            happenings.append(
                Happening(ticket.pk, action, now, clock=clock.kind, detail=str(len(users)))
            )
            result.escalations += 1
    record(happenings)
    notify_many(notifications)
    for clock, escalation in ticket_changes:
        if _change_ticket(clock, escalation, now):
            result.escalations += 1
    happened = SlaWarned if trigger == Trigger.WARNING else SlaBreached
    for clock in due:
        events.publish(
            happened(ticket_id=clock.ticket.pk, clock=clock.kind, deadline=clock.deadline)
        )
    if trigger == Trigger.WARNING:
        result.warned += len(due)
    else:
        result.breached += len(due)


def _team_people(team_ids: set[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Active members of each team, and its leads and managers (one query)."""
    members: dict[int, list[int]] = defaultdict(list)
    managers: dict[int, list[int]] = defaultdict(list)
    if not team_ids:
        return members, managers
    rows = TeamMembership.objects.filter(team_id__in=team_ids, user__is_active=True).values_list(
        "team_id", "user_id", "is_lead", "user__role"
    )
    for team_id, user_id, is_lead, role in rows.order_by("team_id", "user_id"):
        members[team_id].append(user_id)
        if is_lead or role in (Role.MANAGER, Role.ADMIN):
            managers[team_id].append(user_id)
    return members, managers


def _change_ticket(clock: SlaClock, escalation: SlaEscalation, now: datetime) -> bool:
    """Reassign or raise the priority through the ticket actions, as the system user, so the
    ticket's own rules, version and timeline apply. Raising the priority raises the urgency
    one step (or the impact when urgency is already high): the matrix then gives the new
    priority, and the SLA clocks follow it (ticket.updated)."""
    from atiende.tickets.actions import ticket_update  # tickets' actions import no SLA code

    ticket = Ticket.objects.get(pk=clock.ticket_id)
    if escalation.action == EscalationAction.REASSIGN_TEAM:
        if not escalation.team_id or ticket.team_id == escalation.team_id:
            return False
        changes: dict = {"team": escalation.team_id}
        detail = escalation.team.name if escalation.team else ""
    else:
        if ticket.urgency > 1:
            changes = {"urgency": ticket.urgency - 1}
        elif ticket.impact > 1:
            changes = {"impact": ticket.impact - 1}
        else:
            return False
        detail = ""
    try:
        ticket_update(actor=system_actor(), ticket_id=ticket.pk, version=None, changes=changes)
    except DomainError as exc:
        logger.warning("SLA escalation failed", extra={"ticket": ticket.pk, "error": str(exc)})
        return False
    ticket.refresh_from_db(fields=["priority"])
    if escalation.action == EscalationAction.RAISE_PRIORITY:
        detail = f"P{ticket.priority}"
    record([Happening(ticket.pk, escalation.action, now, clock=clock.kind, detail=detail)])
    return True


# --- configuration: calendars and policies ------------------------------------------------------
#
# The API's writes. They validate with the models' full_clean, as the admin's forms do (one
# set of rules), and record every change in the audit log as audit.admin.AuditedAdmin does:
# the calendar or policy itself, and each holiday, closure, target or escalation added,
# changed or removed. Lists of rows sent replace the current ones, matched by their natural
# key (a holiday by date, a target by priority...), so resending a list records nothing.

CALENDAR_FIELDS = frozenset({"name", "time_zone", "country", "subdivision", "is_24x7", "hours"})
POLICY_EDITABLE = frozenset(
    {"name", "position", "is_active", "calendar_id", "kinds", "priorities", "pause_statuses",
     "warn_at_percent"}
)  # fmt: skip
POLICY_M2M = ("organizations", "categories", "teams")
STALE_CALENDAR = _lazy(
    "This calendar was changed by someone else (version %(current)d, you had %(yours)d)."
)
STALE_POLICY = _lazy(
    "This SLA policy was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _require_manager(actor: User) -> None:
    if not (actor.is_active and actor.is_manager):
        raise Forbidden(gettext("Only managers may change service levels."))


def _problems(instance: models.Model, prefix: str = "", exclude: Iterable[str] = ()) -> dict:
    """The model's validation errors, keyed as the API names the fields."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        return {
            (prefix.rstrip(".") or "__all__") if name == NON_FIELD_ERRORS else prefix + name: list(
                messages
            )
            for name, messages in exc.message_dict.items()
        }
    return {}


def _rows(
    model: type[models.Model], data: list[dict], key: Callable[[Any], Any], field: str
) -> tuple[list, dict]:
    """Unsaved, validated rows from `data`, and the errors ("holidays.1.date": [...])."""
    rows, problems, seen = [], {}, set()
    for i, values in enumerate(data):
        row = model(**values)
        found = _problems(row, f"{field}.{i}.", exclude=["calendar", "policy"])
        if not found and key(row) in seen:
            found = {f"{field}.{i}": [gettext("This row repeats an earlier one.")]}
        seen.add(key(row))
        rows.append(row)
        problems.update(found)
    return rows, problems


def _sync(actor: User, current: Iterable, wanted: list, key: Callable[[Any], Any]) -> bool:
    """Make a parent's rows `wanted` (validated, parent set): rows with the same key are kept
    (updated if they differ), others deleted or created. Each change is recorded. Whether
    anything changed."""
    existing = {key(row): row for row in current}
    wanted_keys = {key(row) for row in wanted}
    changed = False
    for k, old in existing.items():
        if k not in wanted_keys:
            record_change(actor=actor, action=Action.DELETED, obj=old, before=snapshot(old))
            old.delete()
            changed = True
    for row in wanted:
        old = existing.get(key(row))
        if old is None:
            row.save()
            record_change(actor=actor, action=Action.CREATED, obj=row)
            changed = True
            continue
        before = snapshot(old)
        row.pk, row._state.adding = old.pk, False
        if snapshot(row) != before:
            row.save()
            record_change(actor=actor, action=Action.UPDATED, obj=row, before=before)
            changed = True
    return changed


def _holiday_key(row: CalendarHoliday) -> Any:
    return row.date


def _closure_key(row: CalendarClosure) -> Any:
    return (row.start, row.end)


def _target_key(row: SlaTarget) -> Any:
    return row.priority


def _escalation_key(row: SlaEscalation) -> Any:
    return (row.trigger, row.clock, row.action, row.team_id)


def _calendar_rows(holidays: list[dict] | None, closures: list[dict] | None) -> tuple:
    problems: dict = {}
    new_holidays = new_closures = None
    if holidays is not None:
        new_holidays, found = _rows(CalendarHoliday, holidays, _holiday_key, "holidays")
        problems.update(found)
    if closures is not None:
        new_closures, found = _rows(CalendarClosure, closures, _closure_key, "closures")
        problems.update(found)
    return new_holidays, new_closures, problems


def _save_calendar_rows(actor: User, calendar: BusinessCalendar, holidays, closures) -> bool:
    changed = False
    if holidays is not None:
        for row in holidays:
            row.calendar = calendar
        changed |= _sync(actor, calendar.holidays.all(), holidays, _holiday_key)
    if closures is not None:
        for row in closures:
            row.calendar = calendar
        changed |= _sync(actor, calendar.closures.all(), closures, _closure_key)
    return changed


def calendar_create(
    *,
    actor: User,
    holidays: list[dict] | None = None,
    closures: list[dict] | None = None,
    **fields: Any,
) -> BusinessCalendar:
    """A new business calendar (managers), with its holidays and closures."""
    _require_manager(actor)
    calendar = BusinessCalendar(**{k: v for k, v in fields.items() if k in CALENDAR_FIELDS})
    new_holidays, new_closures, problems = _calendar_rows(holidays, closures)
    problems = {**_problems(calendar), **problems}
    if problems:
        raise ValidationFailed(errors=problems)
    with transaction.atomic():
        calendar.save()
        record_change(actor=actor, action=Action.CREATED, obj=calendar)
        _save_calendar_rows(actor, calendar, new_holidays, new_closures)
    return calendar


def calendar_update(
    *,
    actor: User,
    calendar_id: int,
    version: Any = None,
    holidays: list[dict] | None = None,
    closures: list[dict] | None = None,
    **fields: Any,
) -> BusinessCalendar:
    """Change the fields given; `holidays`/`closures`, when given, replace the lists.
    `version` (the one read) refuses a write made from a stale read (409)."""
    _require_manager(actor)
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            raise NotFound()
        check_version(calendar.version, version, stale=STALE_CALENDAR)
        before = snapshot(calendar)
        for name, value in fields.items():
            if name in CALENDAR_FIELDS:
                setattr(calendar, name, value)
        new_holidays, new_closures, problems = _calendar_rows(holidays, closures)
        problems = {**_problems(calendar), **problems}
        if problems:
            raise ValidationFailed(errors=problems)
        rows_changed = _save_calendar_rows(actor, calendar, new_holidays, new_closures)
        if rows_changed or snapshot(calendar) != before:
            calendar.save()  # a new updated_at: processes rebuild their copy (to_calendar)
            record_change(actor=actor, action=Action.UPDATED, obj=calendar, before=before)
    return calendar


def calendar_delete(*, actor: User, calendar_id: int, version: Any = None) -> None:
    """Delete a calendar no policy uses (409 while one does: policies keep their calendar)."""
    _require_manager(actor)
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            raise NotFound()
        check_version(calendar.version, version, stale=STALE_CALENDAR)
        users = list(calendar.policies.order_by("position", "id").values_list("name", flat=True))
        if users:
            raise Conflict(
                gettext("This calendar is used by SLA policies: %(names)s.")
                % {"names": ", ".join(users)},
                current_version=calendar.version,
            )
        record_change(actor=actor, action=Action.DELETED, obj=calendar, before=snapshot(calendar))
        calendar.delete()


def _policy_links(sent: dict[str, list[int] | None]) -> dict:
    """Errors for organisation, category and team ids that do not exist."""
    problems = {}
    for name, ids in sent.items():
        if ids is None:
            continue
        model = cast(type[models.Model], SlaPolicy._meta.get_field(name).related_model)
        found = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            problems[name] = [
                gettext("These ids do not exist: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            ]
    return problems


def _policy_rows(targets: list[dict] | None, escalations: list[dict] | None) -> tuple:
    problems: dict = {}
    new_targets = new_escalations = None
    if targets is not None:
        new_targets, found = _rows(SlaTarget, targets, _target_key, "targets")
        problems.update(found)
    if escalations is not None:
        new_escalations, found = _rows(SlaEscalation, escalations, _escalation_key, "escalations")
        problems.update(found)
    return new_targets, new_escalations, problems


def _save_policy(actor: User, policy: SlaPolicy, links: dict, targets, escalations) -> bool:
    changed = False
    for name, ids in links.items():
        if ids is not None and set(getattr(policy, name).values_list("pk", flat=True)) != set(ids):
            getattr(policy, name).set(ids)
            changed = True
    for rows, current, key in (
        (targets, policy.targets.all(), _target_key),
        (escalations, policy.escalations.all(), _escalation_key),
    ):
        if rows is not None:
            for row in rows:
                row.policy = policy
            changed |= _sync(actor, current, rows, key)
    return changed


def policy_create(
    *,
    actor: User,
    targets: list[dict] | None = None,
    escalations: list[dict] | None = None,
    organizations: list[int] | None = None,
    categories: list[int] | None = None,
    teams: list[int] | None = None,
    **fields: Any,
) -> SlaPolicy:
    """A new SLA policy (managers), with its conditions, targets and escalations."""
    _require_manager(actor)
    links = {"organizations": organizations, "categories": categories, "teams": teams}
    policy = SlaPolicy(**{k: v for k, v in fields.items() if k in POLICY_EDITABLE})
    new_targets, new_escalations, problems = _policy_rows(targets, escalations)
    problems = {**_problems(policy), **_policy_links(links), **problems}
    if problems:
        raise ValidationFailed(errors=problems)
    with transaction.atomic():
        policy.save()
        _save_policy(actor, policy, links, new_targets, new_escalations)
        record_change(
            actor=actor,
            action=Action.CREATED,
            obj=policy,
            after=snapshot(policy, m2m=POLICY_M2M),
        )
    return policy


def policy_update(
    *,
    actor: User,
    policy_id: int,
    version: Any = None,
    targets: list[dict] | None = None,
    escalations: list[dict] | None = None,
    organizations: list[int] | None = None,
    categories: list[int] | None = None,
    teams: list[int] | None = None,
    **fields: Any,
) -> SlaPolicy:
    """Change the fields given; lists given replace the current ones. Policies are never
    deleted (clocks keep the policy they ran under): deactivate one with is_active=False."""
    _require_manager(actor)
    links = {"organizations": organizations, "categories": categories, "teams": teams}
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).first()
        if policy is None:
            raise NotFound()
        check_version(policy.version, version, stale=STALE_POLICY)
        before = snapshot(policy, m2m=POLICY_M2M)
        for name, value in fields.items():
            if name in POLICY_EDITABLE:
                setattr(policy, name, value)
        new_targets, new_escalations, problems = _policy_rows(targets, escalations)
        problems = {**_problems(policy), **_policy_links(links), **problems}
        if problems:
            raise ValidationFailed(errors=problems)
        rows_changed = _save_policy(actor, policy, links, new_targets, new_escalations)
        after = snapshot(policy, m2m=POLICY_M2M)
        if rows_changed or after != before:
            policy.save()
            record_change(
                actor=actor, action=Action.UPDATED, obj=policy, before=before, after=after
            )
    return policy
