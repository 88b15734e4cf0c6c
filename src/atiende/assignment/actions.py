"""The only code that changes assignment state: the automatic assignment of a ticket (called
by subscribers.py inside the ticket's transaction), a team's policy and an agent's settings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
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
from atiende.tickets import timeline
from atiende.tickets import workflow as ticket_workflow
from atiende.tickets.models import Category, Ticket

from . import chooser
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


def auto_assign(*, ticket: Ticket, language: str = "") -> Ticket | None:
    """Give an open, unassigned ticket of a team with an automatic policy to an agent, inside
    the caller's transaction. The policy row is locked (PostgreSQL; SQLite serialises
    writers), so concurrent creations choose one after another and see each other's
    assignments: the cap and the round-robin turn hold. The assignment itself goes through
    tickets' `ticket_update` in the system's name (timeline, notification "assigned to you",
    SLA, webhooks as for a manual one), followed by an internal timeline entry saying why.
    When nobody can take it, the ticket stays in the team queue and the entry says why.
    Answers the updated ticket, or None when nothing was assigned."""
    if (
        ticket.team_id is None
        or ticket.assignee_id is not None
        or not ticket.is_open
        or ticket_workflow.has_own_lifecycle(ticket.kind)
        or ticket.team_id not in automatic_teams.get()
    ):
        return None
    policy = one_or_none(
        TeamPolicy.objects.select_for_update()
        .filter(team_id=ticket.team_id)
        .exclude(mode=Mode.MANUAL)
    )
    if policy is None:
        return None
    now = clock.now()
    found = chooser.candidates(policy, category_id=ticket.category_id, language=language, now=now)
    choice = chooser.choose(policy.mode, found, policy.last_assigned_id)
    system = system_actor()
    details: dict[str, Any] = {"members": choice.members, "skipped": choice.skipped}
    if choice.chosen is None:
        timeline.record(
            ticket.pk, actor=system, type=EVENT_TYPE, at=now, public=False,
            field=policy.mode, old=NOBODY, body=json.dumps(details),
        )  # fmt: skip
        return None
    chosen = choice.chosen
    TeamPolicy.objects.filter(pk=policy.pk).update(last_assigned_id=chosen.user_id)
    updated = ticket_actions.ticket_update(
        actor=system, ticket_id=ticket.pk, version=None, changes={"assignee": chosen.user_id}
    )
    details.update({"open": chosen.open, "load": chosen.load, "cap": chosen.cap})
    timeline.record(
        ticket.pk, actor=system, type=EVENT_TYPE, at=now, public=False,
        field=policy.mode, old=ASSIGNED, new=chosen.name, body=json.dumps(details),
    )  # fmt: skip
    return updated


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
