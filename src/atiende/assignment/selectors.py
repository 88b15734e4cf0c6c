"""Reads of assignment settings (managers' pages, the API, the profile card)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from atiende.accounts.models import Role, Team, TeamMembership, User
from atiende.tickets import workflow
from atiende.tickets.models import OPEN_STATUSES, Ticket
from atiende.tickets.selectors import has_timeline_entry

from .models import AgentSettings, TeamPolicy


def teams_with_policies() -> list[tuple[Team, TeamPolicy | None]]:
    """Every team and its policy (None: manual), in one query."""
    teams = Team.objects.select_related("assignment_policy").order_by("name")
    return [(team, getattr(team, "assignment_policy", None)) for team in teams]


def policy_of(team: Team) -> TeamPolicy:
    """The team's policy, or an unsaved manual one."""
    return TeamPolicy.objects.filter(team=team).first() or TeamPolicy(team=team)


def team_members(team: Team) -> list[TeamMembership]:
    """The team's agents with their settings, calendar and open tickets: one query."""
    mine = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return list(
        TeamMembership.objects.filter(team=team, user__is_active=True)
        .exclude(user__role=Role.REQUESTER)
        .select_related("user__assignment_settings__calendar")
        .annotate(open_count=Coalesce(Subquery(mine), Value(0), output_field=IntegerField()))
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def settings_of(user: User) -> AgentSettings:
    """The agent's settings, or unsaved defaults (available, no limits)."""
    return AgentSettings.objects.filter(user=user).select_related(
        "calendar"
    ).first() or AgentSettings(user=user)


def agent_get(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).exclude(role=Role.REQUESTER).first()


def waiting_tickets(team_id: int, *, nobody_type: str, nobody: str) -> QuerySet[Ticket]:
    """The team's open, unassigned tickets (not changes) that automatic assignment found
    nobody for, oldest first (the periodic retry), with their requester's language."""
    return (
        Ticket.objects.filter(team_id=team_id, assignee__isnull=True, status__in=OPEN_STATUSES)
        .exclude(kind__in=workflow.OWN_LIFECYCLE_KINDS)
        .filter(has_timeline_entry(type=nobody_type, old=nobody))
        .select_related("requester")
        .only(
            "kind", "status", "team_id", "assignee_id", "category_id", "created_at",
            "requester__language",
        )
        .order_by("created_at", "id")
    )  # fmt: skip
