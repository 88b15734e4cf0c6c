"""Reads of accounts data, scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import SYSTEM_USERNAME, ApiToken, Role, Team, User


def team_ids_of(user: User) -> list[int]:
    """The ids of the user's teams, cached on the user object for the request."""
    cached = getattr(user, "_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True)) if user.pk else []
        user._team_ids = cached  # type: ignore[attr-defined]
    return cached


def people() -> QuerySet[User]:
    """Active people, without the system account: what every people picker lists."""
    return User.objects.filter(is_active=True).exclude(username=SYSTEM_USERNAME)


def agents_visible_to(actor: User) -> QuerySet[User]:
    if not actor.is_agent:
        return User.objects.none()
    return people().exclude(role=Role.REQUESTER).order_by("first_name", "last_name", "username")


def teams_visible_to(actor: User) -> QuerySet[Team]:
    if not actor.is_agent:
        return Team.objects.none()
    return Team.objects.all()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
