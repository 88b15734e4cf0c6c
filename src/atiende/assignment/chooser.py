"""Who gets a ticket: the team's candidates with their load in ONE query (`candidates`), then
a pure choice over those rows (`choose`), so the rule is tested without a database and the
cost does not grow with a query per agent (docs/assignment.md).

Fairness rule: the members are ordered by id and read from just after the agent chosen last
(the policy's pointer), so round-robin gives each eligible agent one ticket in turn (counts
differ by at most one) and least-loaded breaks ties the same way instead of always picking
the lowest id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from atiende.accounts.models import Role, TeamMembership
from atiende.tickets.models import OPEN_STATUSES, Ticket

from .models import AgentSettings, Mode, TeamPolicy

# A ticket's weight in an agent's load: critical (1) counts 5, planning (5) counts 1.
WEIGHT_BASE = 6

# Why an agent was passed over, in the order they are checked (an agent counts once).
UNAVAILABLE = "unavailable"
AWAY = "away"
OFF_HOURS = "off_hours"
UNSKILLED = "unskilled"
AT_CAP = "at_cap"
REASONS = (UNAVAILABLE, AWAY, OFF_HOURS, UNSKILLED, AT_CAP)


def weight(priority: int) -> int:
    return WEIGHT_BASE - priority


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    open: int  # open tickets assigned, every team
    load: int  # the same, weighted by priority
    cap: int | None
    passed_over: str = ""  # one of REASONS, or "" when eligible


@dataclass(frozen=True)
class Choice:
    chosen: Candidate | None
    members: int
    skipped: dict[str, int] = field(default_factory=dict)


def _away(settings: AgentSettings, now: datetime) -> bool:
    if settings.away_from is None and settings.away_until is None:
        return False
    started = settings.away_from is None or settings.away_from <= now
    ongoing = settings.away_until is None or now < settings.away_until
    return started and ongoing


def candidates(
    policy: TeamPolicy, *, category_id: int | None, language: str, now: datetime
) -> list[Candidate]:
    """The team's active agents, each with their open tickets (count and weighted load),
    settings and calendar: one query (two correlated index range scans per member on
    ticket_assignee_recent). Calendars are built once per process (sla.BusinessCalendar)."""
    mine = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
    )
    rows = (
        TeamMembership.objects.filter(team_id=policy.team_id, user__is_active=True)
        .exclude(user__role=Role.REQUESTER)
        .select_related("user__assignment_settings__calendar")
        .annotate(
            open_count=Coalesce(
                Subquery(mine.annotate(n=Count("pk")).values("n")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
            load=Coalesce(
                Subquery(mine.annotate(w=Sum(Value(WEIGHT_BASE) - F("priority"))).values("w")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("user_id")
    )
    if policy.use_skills and category_id is not None:
        through = AgentSettings.categories.through.objects
        rows = rows.annotate(
            lists_categories=Exists(through.filter(agentsettings_id=OuterRef("user_id"))),
            handles_category=Exists(
                through.filter(agentsettings_id=OuterRef("user_id"), category_id=category_id)
            ),
        )
    found = []
    for row in rows:
        user = row.user
        settings = getattr(user, "assignment_settings", None) or AgentSettings(user=user)
        cap = settings.cap if settings.cap is not None else policy.default_cap
        reason = ""
        if not settings.available:
            reason = UNAVAILABLE
        elif _away(settings, now):
            reason = AWAY
        elif (
            policy.respect_working_hours
            and settings.calendar is not None
            and not settings.calendar.to_calendar().is_open(now)
        ):
            reason = OFF_HOURS
        elif policy.use_skills and not _skilled(row, settings, category_id, language):
            reason = UNSKILLED
        elif cap is not None and row.open_count >= cap:
            reason = AT_CAP
        found.append(
            Candidate(
                user_id=user.pk,
                name=user.display_name,
                open=row.open_count,
                load=row.load,
                cap=cap,
                passed_over=reason,
            )
        )
    return found


def _skilled(row, settings: AgentSettings, category_id: int | None, language: str) -> bool:
    """An agent handles what they list, and everything in a dimension where they list nothing."""
    if category_id is not None and row.lists_categories and not row.handles_category:
        return False
    return not (language and settings.languages and language not in settings.languages)


def choose(mode: str, found: Sequence[Candidate], pointer: int | None) -> Choice:
    """Pure: the agent for the next ticket, reading the members from just after `pointer`."""
    skipped = Counter(c.passed_over for c in found if c.passed_over)
    eligible = sorted((c for c in found if not c.passed_over), key=lambda c: c.user_id)
    if pointer is not None:
        after = [c for c in eligible if c.user_id > pointer]
        eligible = after + [c for c in eligible if c.user_id <= pointer]
    chosen: Candidate | None = None
    if eligible and mode == Mode.ROUND_ROBIN:
        chosen = eligible[0]
    elif eligible and mode == Mode.LEAST_LOADED:
        chosen = min(eligible, key=lambda c: (c.load, c.open))  # min keeps the first of ties
    return Choice(chosen=chosen, members=len(found), skipped=dict(skipped))
