"""The only code that changes assignment state: the automatic assignment of a ticket (called
by subscribers.py inside the ticket's transaction), a team's policy and an agent's settings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.actions import system_actor
from atiende.accounts.models import Language, Team, User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.memo import ProcessMemo
from atiende.core.queries import one_or_none
from atiende.core.versions import check_version
from atiende.sla.models import BusinessCalendar
from atiende.tickets import actions as ticket_actions
from atiende.tickets import routing, timeline
from atiende.tickets import workflow as ticket_workflow
from atiende.tickets.models import Category, Ticket

from . import chooser, selectors
from .models import CAP_MAX, AgentSettings, Mode, TeamPolicy

# The timeline entry that explains an automatic choice (rendered by assignment/_event.html).
EVENT_TYPE = "assignment"
ASSIGNED = "assigned"
NOBODY = "nobody"

STALE_POLICY = gettext_lazy(
    "This team's assignment settings were changed by someone else (version %(current)d, "
    "you had %(yours)d)."
)
STALE_SETTINGS = gettext_lazy(
    "These assignment settings were changed by someone else (version %(current)d, "
    "you had %(yours)d)."
)
MANAGERS_ONLY = gettext_lazy("Only managers and administrators can change assignment settings.")


# --- the automatic choice -----------------------------------------------------------------


def _automatic_team_ids() -> frozenset[int]:
    return frozenset(TeamPolicy.objects.exclude(mode=Mode.MANUAL).values_list("team_id", flat=True))


# The teams that assign automatically, kept in process memory (core.memo): a ticket of any
# other team costs its creation no query. Saving a policy forgets it in this process (apps.py);
# other processes see a change within 30 seconds.
automatic_teams = ProcessMemo(_automatic_team_ids, seconds=30)


def is_automatic(team_id: int) -> bool:
    """Does the team assign automatically (tickets.routing.assigns_automatically)? No query."""
    return team_id in automatic_teams.get()


def _locked_policy(team_id: int) -> TeamPolicy | None:
    """The team's automatic policy, locked until the caller's transaction ends (PostgreSQL;
    SQLite serialises writers): choices for one team are made one after another, each seeing
    the assignments before it. No query for a team that is not automatic (the memo)."""
    if team_id not in automatic_teams.get():
        return None
    return one_or_none(
        TeamPolicy.objects.select_for_update().filter(team_id=team_id).exclude(mode=Mode.MANUAL)
    )


def _decide(
    policy: TeamPolicy, *, category_id: int | None, language: str, now: datetime
) -> tuple[chooser.Candidate | None, routing.Note]:
    """The choice under the policy's lock (one query), the pointer moved on, and the timeline
    note that explains it: "Round-robin chose Ana (3 open tickets, load 8)", or why nobody."""
    found = chooser.candidates(policy, category_id=category_id, language=language, now=now)
    choice = chooser.choose(policy.mode, found, policy.last_assigned_id)
    details: dict[str, Any] = {"members": choice.members, "skipped": choice.skipped}
    chosen = choice.chosen
    if chosen is None:
        return None, routing.Note(
            type=EVENT_TYPE, field=policy.mode, old=NOBODY, body=json.dumps(details)
        )
    TeamPolicy.objects.filter(pk=policy.pk).update(last_assigned_id=chosen.user_id)
    policy.last_assigned_id = chosen.user_id
    details.update({"open": chosen.open, "load": chosen.load, "cap": chosen.cap})
    note = routing.Note(
        type=EVENT_TYPE, field=policy.mode, old=ASSIGNED, new=chosen.name, body=json.dumps(details)
    )
    return chosen, note


def choose_for_new(team_id: int, ticket: routing.NewTicket) -> routing.Routed | None:
    """The assignee of a ticket about to be created (tickets.routing, registered in apps.py):
    called by `ticket_create` inside its transaction, before the insert, when its creator chose
    nobody. The ticket is then written assigned (status as for an assignment by its creator),
    with the note on its timeline; the assignee is told by the creation's notice. None: the
    team does not assign automatically, or the ticket is a change (its owner is chosen)."""
    if ticket_workflow.has_own_lifecycle(ticket.kind):
        return None
    policy = _locked_policy(team_id)
    if policy is None:
        return None
    chosen, note = _decide(
        policy, category_id=ticket.category_id, language=ticket.language, now=clock.now()
    )
    return routing.Routed(
        assignee_id=chosen.user_id if chosen else None, actor=system_actor(), note=note
    )


def auto_assign(*, ticket: Ticket, language: str = "") -> Ticket | None:
    """Give an existing open, unassigned ticket of a team with an automatic policy to an
    agent (a ticket moved to the team), inside the caller's transaction, under the policy's
    lock. The assignment goes through tickets' `ticket_update` in the system's name
    (timeline, "assigned to you", SLA, webhooks as for a manual one), followed by the note
    saying why. When nobody can take it, the ticket stays in the team queue and the note says
    why. Answers the updated ticket, or None when nothing was assigned."""
    if (
        ticket.team_id is None
        or ticket.assignee_id is not None
        or not ticket.is_open
        or ticket_workflow.has_own_lifecycle(ticket.kind)
    ):
        return None
    policy = _locked_policy(ticket.team_id)
    if policy is None:
        return None
    return _assign_existing(policy, ticket=ticket, language=language, note_nobody=True)


def _assign_existing(
    policy: TeamPolicy, *, ticket: Ticket, language: str, note_nobody: bool
) -> Ticket | None:
    """auto_assign and the retry, the policy locked. `note_nobody` off (the retry): nothing
    is written when nobody can take it, so a waiting ticket's timeline is not repeated every
    minute."""
    now = clock.now()
    chosen, note = _decide(policy, category_id=ticket.category_id, language=language, now=now)
    if chosen is None and not note_nobody:
        return None
    system = system_actor()
    updated = None
    if chosen is not None:
        updated = ticket_actions.ticket_update(
            actor=system, ticket_id=ticket.pk, version=None, changes={"assignee": chosen.user_id}
        )
    timeline.record(
        ticket.pk, actor=system, type=note.type, at=now, public=False,
        field=note.field, old=note.old, new=note.new, body=note.body,
    )  # fmt: skip
    return updated


# --- waiting tickets: the periodic retry -----------------------------------------------------

# Tickets tried per run of the periodic job, every team together: each is a choice (one
# query) and, when someone is free, an assignment (a ticket_update).
RETRY_BATCH = 100


@dataclass(frozen=True)
class RetryResult:
    tried: int
    assigned: int


def _next_waiting(team_id: int, after: tuple[datetime, int] | None) -> Ticket | None:
    """The team's oldest open, unassigned ticket that its policy found nobody for (a "nobody"
    note), after `after` (created_at, id): tickets put back in the queue by hand, or waiting
    from before the policy, are left to people."""
    waiting = selectors.waiting_tickets(team_id, nobody_type=EVENT_TYPE, nobody=NOBODY)
    if after is not None:
        created_at, pk = after
        waiting = waiting.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
    return waiting.first()


def retry_waiting(*, batch: int = RETRY_BATCH) -> RetryResult:
    """Assign the tickets waiting in the queues of automatic teams, oldest first, now that
    someone may be free (back from out of office, under their cap again, within working
    hours). Each ticket in a transaction of its own that starts by locking the team's policy
    and then reads the next waiting ticket, so concurrent runs (workers, a creation) choose
    one after another and never assign a ticket twice. A team whose policy does not match
    skills stops at its first ticket nobody can take (nobody can take the next either)."""
    tried = assigned = 0
    for team_id in sorted(_automatic_team_ids()):
        after: tuple[datetime, int] | None = None
        while tried < batch:
            with transaction.atomic():
                policy = _locked_policy(team_id)
                ticket = _next_waiting(team_id, after) if policy is not None else None
                if policy is None or ticket is None:
                    break
                tried += 1
                after = (ticket.created_at, ticket.pk)
                done = _assign_existing(
                    policy, ticket=ticket, language=ticket.requester.language, note_nobody=False
                )
            if done is not None:
                assigned += 1
            elif not policy.use_skills:
                break
    return RetryResult(tried=tried, assigned=assigned)


# --- configuration ------------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not actor.is_manager:
        raise Forbidden(str(MANAGERS_ONLY))


def _cap(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CAP_MAX:
        raise ValidationFailed.field(
            field, _("Give a whole number from 1 to %(max)s, or leave it empty.") % {"max": CAP_MAX}
        )
    return value


def policy_update(
    *,
    actor: User,
    team_id: int,
    version: int | None,
    mode: str,
    use_skills: bool,
    respect_working_hours: bool,
    default_cap: int | None,
) -> TeamPolicy:
    """Set a team's policy (created on first use). Managers and administrators."""
    _require_manager(actor)
    team = one_or_none(Team.objects.filter(pk=team_id))
    if team is None:
        raise NotFound()
    if mode not in Mode.values:
        raise ValidationFailed.field("mode", _("Choose manual, round-robin or least loaded."))
    cap = _cap(default_cap, "default_cap")
    with transaction.atomic():
        policy, created = TeamPolicy.objects.select_for_update().get_or_create(team=team)
        if not created:
            check_version(policy.version, version, stale=STALE_POLICY)
        before = snapshot(policy)
        policy.mode = mode
        policy.use_skills = bool(use_skills)
        policy.respect_working_hours = bool(respect_working_hours)
        policy.default_cap = cap
        if not created:
            policy.version += 1
        policy.save()
        record_change(
            actor=actor, action=Action.CREATED if created else Action.UPDATED, obj=policy,
            before=None if created else before,
        )  # fmt: skip
    return policy


def _agent_of(user_id: int) -> User:
    user = one_or_none(User.objects.filter(pk=user_id, is_active=True).exclude(role="requester"))
    if user is None:
        raise NotFound()
    return user


def _check_away(away_from: datetime | None, away_until: datetime | None) -> None:
    if away_from is not None and away_until is not None and away_until <= away_from:
        raise ValidationFailed.field("away_until", _("The end must be after the start."))


def availability_set(
    *,
    actor: User,
    user_id: int,
    version: int | None = None,
    available: bool,
    away_from: datetime | None,
    away_until: datetime | None,
) -> AgentSettings:
    """An agent's own availability (or a manager's for them): the toggle and out of office."""
    if not actor.is_agent:
        raise NotFound()
    if actor.pk != user_id and not actor.is_manager:
        raise NotFound()  # another agent's settings: denied looks like missing
    user = _agent_of(user_id)
    _check_away(away_from, away_until)
    with transaction.atomic():
        settings = _locked_settings(user)
        check_version(settings.version, version, stale=STALE_SETTINGS)
        before = snapshot(settings)
        settings.available = bool(available)
        settings.away_from, settings.away_until = away_from, away_until
        _save(actor, settings, before)
    return settings


def agent_settings_update(
    *,
    actor: User,
    user_id: int,
    version: int | None = None,
    available: bool,
    away_from: datetime | None,
    away_until: datetime | None,
    calendar_id: int | None,
    cap: int | None,
    category_ids: Iterable[int],
    languages: Iterable[str],
) -> AgentSettings:
    """Everything about an agent's assignment (managers and administrators)."""
    _require_manager(actor)
    user = _agent_of(user_id)
    _check_away(away_from, away_until)
    cap = _cap(cap, "cap")
    calendar = None
    if calendar_id is not None:
        calendar = one_or_none(BusinessCalendar.objects.filter(pk=calendar_id))
        if calendar is None:
            raise ValidationFailed.field("calendar", _("Unknown calendar."))
    wanted = list(dict.fromkeys(category_ids))
    categories = list(Category.objects.filter(pk__in=wanted, is_active=True))
    if len(categories) != len(wanted):
        raise ValidationFailed.field("categories", _("Unknown category."))
    langs = list(dict.fromkeys(languages))
    if any(code not in Language.values for code in langs):
        raise ValidationFailed.field("languages", _("Choose from: en, es."))
    with transaction.atomic():
        settings = _locked_settings(user)
        check_version(settings.version, version, stale=STALE_SETTINGS)
        before = snapshot(settings, m2m=["categories"])
        settings.available = bool(available)
        settings.away_from, settings.away_until = away_from, away_until
        settings.calendar = calendar
        settings.cap = cap
        settings.languages = langs
        settings.categories.set(categories)
        _save(actor, settings, before, m2m=["categories"])
    return settings


def _locked_settings(user: User) -> AgentSettings:
    settings, _created = AgentSettings.objects.select_for_update().get_or_create(user=user)
    return settings


def _save(actor: User, settings: AgentSettings, before: dict, m2m: Iterable[str] = ()) -> None:
    after = snapshot(settings, m2m=m2m)
    if after == before:
        return
    settings.version += 1
    settings.save()
    record_change(actor=actor, action=Action.UPDATED, obj=settings, before=before, after=after)
