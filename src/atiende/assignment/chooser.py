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
from functools import cache

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from atiende.accounts.models import Role, TeamMembership
from atiende.sla.models import BusinessCalendar
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


def _away(away_from: datetime | None, away_until: datetime | None, now: datetime) -> bool:
    if away_from is None and away_until is None:
        return False
    started = away_from is None or away_from <= now
    ongoing = away_until is None or now < away_until
    return started and ongoing


# The columns read per member (plain values: building model instances for 20 members cost
# more than the query itself). The calendar's own columns rebuild it only when its cached
# table (sla.BusinessCalendar.to_calendar, per id and updated_at) is not there yet.
S = "user__assignment_settings__"
CALENDAR = ("id", "updated_at", "name", "time_zone", "country", "subdivision", "is_24x7", "hours")
COLUMNS = (
    "user_id", "user__first_name", "user__last_name", "user__username",
    f"{S}available", f"{S}away_from", f"{S}away_until", f"{S}cap", f"{S}languages",
    *(f"{S}calendar__{name}" for name in CALENDAR),
    "open_count", "load",
)  # fmt: skip


def _is_open(values: tuple, now: datetime) -> bool:
    calendar = BusinessCalendar(**dict(zip(CALENDAR, values, strict=True)))
    return calendar.to_calendar().is_open(now)


@cache
def _members() -> QuerySet[TeamMembership]:
    """Every team's active agents with their open tickets (count and weighted load), built
    once per process: building these expressions cost a third of the choice's CPU. Each call
    filters a copy (`.filter` clones it), so the template is never evaluated itself."""
    mine = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
    )
    return (
        TeamMembership.objects.filter(user__is_active=True)
        .exclude(user__role=Role.REQUESTER)
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


def candidates(
    policy: TeamPolicy, *, category_id: int | None, language: str, now: datetime
) -> list[Candidate]:
    """The team's active agents, each with their open tickets (count and weighted load),
    settings and calendar: one query (two correlated index range scans per member on
    ticket_assignee_recent). Calendars are built once per process (sla.BusinessCalendar)."""
    rows = _members().filter(team_id=policy.team_id)
    skills = policy.use_skills and category_id is not None
    columns: tuple[str, ...] = COLUMNS
    if policy.use_skills and category_id is not None:
        through = AgentSettings.categories.through.objects
        rows = rows.annotate(
            lists_categories=Exists(through.filter(agentsettings_id=OuterRef("user_id"))),
            handles_category=Exists(
                through.filter(agentsettings_id=OuterRef("user_id"), category_id=category_id)
            ),
        )
        columns = (*COLUMNS, "lists_categories", "handles_category")
    found = []
    width = len(CALENDAR)
    for row in rows.values_list(*columns):
        user_id, first, last, username, available, away_from, away_until, own_cap, languages = row[
            :9
        ]
        calendar = row[9 : 9 + width]
        open_count, load = row[9 + width : 11 + width]
        cap = own_cap if own_cap is not None else policy.default_cap
        reason = ""
        if available is False:  # None: no settings row, available by default
            reason = UNAVAILABLE
        elif _away(away_from, away_until, now):
            reason = AWAY
        elif (
            policy.respect_working_hours and calendar[0] is not None and not _is_open(calendar, now)
        ):
            reason = OFF_HOURS
        elif policy.use_skills and not _skilled(
            row[-2:] if skills else (False, False), languages or [], language
        ):
            reason = UNSKILLED
        elif cap is not None and open_count >= cap:
            reason = AT_CAP
        found.append(
            Candidate(
                user_id=user_id,
                name=f"{first} {last}".strip() or username,
                open=open_count,
                load=load,
                cap=cap,
                passed_over=reason,
            )
        )
    return found


def _skilled(categories: tuple[bool, bool], languages: list[str], language: str) -> bool:
    """An agent handles what they list, and everything in a dimension where they list nothing."""
    lists_categories, handles_category = categories
    if lists_categories and not handles_category:
        return False
    return not (language and languages and language not in languages)


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
