"""Policy matching and clock arithmetic over the pure `Calendar`. No writes here: functions
take and update SlaClock objects in memory; actions.py saves them.

Bookkeeping of a clock: `elapsed` is the business time counted before `running_since`; while
counting, the business time so far is elapsed + calendar.business_time_between(running_since,
now). Whenever counting (re)starts at an instant t, the clock is rescheduled:

    deadline = calendar.add_business_time(t, target - elapsed)
    warn_at  = calendar.add_business_time(t, target * warn% - elapsed)   (if not yet warned)

When what remains is zero or negative the instant is t itself (due now: the sweep acts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from atiende.core.memo import ProcessMemo

from .calendar import Calendar
from .models import ClockState, SlaClock, SlaPolicy, SlaTarget

ZERO = timedelta(0)


@dataclass(frozen=True)
class PolicyFacts:
    """What a policy's conditions look at, read from a ticket."""

    kind: str
    priority: int
    organization_id: int | None
    category_id: int | None
    team_id: int | None

    @classmethod
    def of(cls, ticket) -> PolicyFacts:
        return cls(
            kind=ticket.kind,
            priority=ticket.priority,
            organization_id=ticket.organization_id,
            category_id=ticket.category_id,
            team_id=ticket.team_id,
        )


def _load_policies() -> list[SlaPolicy]:
    """Active policies in order, with their conditions' ids, targets and calendar loaded."""
    return list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("organizations", "categories", "teams", "targets")
        .order_by("position", "id")
    )


# Policies are read on every ticket event, and change a few times a year: kept in memory,
# cleared by any save of SLA configuration (apps.py).
_policies = ProcessMemo(_load_policies)
active_policies = _policies.get
forget_policies = _policies.forget


def policy_matches(policy: SlaPolicy, facts: PolicyFacts) -> bool:
    """Every condition must hold; an empty condition holds for anything."""
    if policy.kinds and facts.kind not in policy.kinds:
        return False
    if policy.priorities and facts.priority not in [int(p) for p in policy.priorities]:
        return False
    for ids, value in (
        ({o.pk for o in policy.organizations.all()}, facts.organization_id),
        ({c.pk for c in policy.categories.all()}, facts.category_id),
        ({t.pk for t in policy.teams.all()}, facts.team_id),
    ):
        if ids and value not in ids:
            return False
    return True


def match_policy(
    facts: PolicyFacts, policies: list[SlaPolicy] | None = None
) -> tuple[SlaPolicy, SlaTarget] | None:
    """The first matching active policy (by position) and its target for the priority.
    A policy that matches but has no target for this priority applies no clocks: the search
    stops there (the first match applies, as configured)."""
    for policy in active_policies() if policies is None else policies:
        if policy_matches(policy, facts):
            target = next((t for t in policy.targets.all() if t.priority == facts.priority), None)
            return (policy, target) if target is not None else None
    return None


# -- arithmetic ---------------------------------------------------------------------------------


def target_of(clock: SlaClock) -> timedelta:
    return timedelta(minutes=clock.target_minutes)


def elapsed_at(clock: SlaClock, calendar: Calendar, now: datetime) -> timedelta:
    """Business time counted by `clock` up to `now`."""
    if clock.running_since is None or now <= clock.running_since:
        return clock.elapsed
    return clock.elapsed + calendar.business_time_between(clock.running_since, now)


def remaining_at(clock: SlaClock, calendar: Calendar, now: datetime) -> timedelta:
    """Business time left before the target (negative once over it)."""
    return target_of(clock) - elapsed_at(clock, calendar, now)


def _instant_after(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    return calendar.add_business_time(start, duration) if duration > ZERO else start


def schedule(clock: SlaClock, calendar: Calendar) -> None:
    """Recompute deadline and warn_at from running_since (the clock must be counting)."""
    assert clock.running_since is not None
    start = clock.running_since
    clock.deadline = _instant_after(calendar, start, target_of(clock) - clock.elapsed)
    if clock.warned_at is None:
        threshold = target_of(clock) * clock.warn_at_percent / 100
        clock.warn_at = _instant_after(calendar, start, threshold - clock.elapsed)


def start(clock: SlaClock, calendar: Calendar, at: datetime) -> None:
    clock.started_at = at
    clock.running_since = at
    clock.elapsed = ZERO
    clock.state = ClockState.RUNNING
    schedule(clock, calendar)


def fold(clock: SlaClock, calendar: Calendar, at: datetime) -> None:
    """Move the business time of the running segment into `elapsed` (counting continues
    from `at` if it was counting)."""
    if clock.running_since is not None:
        clock.elapsed = elapsed_at(clock, calendar, at)
        clock.running_since = max(at, clock.running_since)


def pause(clock: SlaClock, calendar: Calendar, at: datetime) -> bool:
    if clock.running_since is None or clock.state in (ClockState.MET, ClockState.STOPPED):
        return False
    fold(clock, calendar, at)
    clock.running_since = None
    clock.paused_since = at
    if clock.state == ClockState.RUNNING:
        # deadline and warn_at are kept (the sweep skips paused clocks; summaries show no
        # deadline): a pause without business time in it then changes nothing at all.
        clock.state = ClockState.PAUSED
    return True


def resume(clock: SlaClock, calendar: Calendar, at: datetime) -> bool:
    if clock.paused_since is None or clock.running_since is not None:
        return False
    paused_business_time = calendar.business_time_between(clock.paused_since, at)
    clock.paused_since = None
    clock.running_since = at
    if clock.state == ClockState.PAUSED:
        clock.state = ClockState.RUNNING
        if paused_business_time > ZERO or clock.deadline is None:
            schedule(clock, calendar)
    return True


def finish(clock: SlaClock, calendar: Calendar, at: datetime, state: str) -> bool:
    """Stop counting: met (the target's event happened) or stopped (ticket cancelled).
    A breached clock stays breached; met_at still records when the target was reached."""
    if clock.state in (ClockState.MET, ClockState.STOPPED):
        return False
    if clock.running_since is None and clock.paused_since is None:  # a finished breach
        return False
    fold(clock, calendar, at)
    clock.running_since = None
    clock.paused_since = None
    if state == ClockState.MET:
        clock.met_at = at
    if clock.state != ClockState.BREACHED:
        clock.state = state
    return True


def reopen(clock: SlaClock, calendar: Calendar, at: datetime) -> bool:
    """Resume a met resolution clock after a reopen, keeping the business time it had
    counted (documented rule: a reopen continues the same resolution clock)."""
    if clock.running_since is not None:
        return False
    if clock.state not in (ClockState.MET, ClockState.STOPPED, ClockState.BREACHED):
        return False
    clock.met_at = None
    clock.paused_since = None
    clock.running_since = at
    if clock.state != ClockState.BREACHED:
        clock.state = ClockState.RUNNING
        schedule(clock, calendar)
    return True


def retarget(
    clock: SlaClock, calendar: Calendar, at: datetime, policy: SlaPolicy, minutes: int
) -> None:
    """A new policy or target: keep the business time counted so far; what remains is the new
    target minus it, counted from `at` (due at once when negative). A breach stays."""
    fold(clock, calendar, at)
    clock.policy = policy
    clock.target_minutes = minutes
    clock.warn_at_percent = policy.warn_at_percent
    if clock.running_since is not None and clock.state == ClockState.RUNNING:
        schedule(clock, calendar)


@dataclass(frozen=True)
class ClockSummary:
    """The shape shown by the API and the UI."""

    kind: str
    state: str
    target_minutes: int
    deadline: datetime | None
    remaining_seconds: int
    elapsed_seconds: int
    breached_at: datetime | None
    paused: bool

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "state": self.state,
            "target_minutes": self.target_minutes,
            "deadline": self.deadline,
            "remaining_seconds": self.remaining_seconds,
            "elapsed_seconds": self.elapsed_seconds,
            "breached_at": self.breached_at,
            "paused": self.paused,
        }


def summary(clock: SlaClock, calendar: Calendar, now: datetime) -> ClockSummary:
    elapsed = elapsed_at(clock, calendar, now)
    return ClockSummary(
        kind=clock.kind,
        state=clock.state,
        target_minutes=clock.target_minutes,
        deadline=None if clock.state == ClockState.PAUSED else clock.deadline,
        remaining_seconds=int((target_of(clock) - elapsed).total_seconds()),
        elapsed_seconds=int(elapsed.total_seconds()),
        breached_at=clock.breached_at,
        paused=clock.paused_since is not None,
    )
