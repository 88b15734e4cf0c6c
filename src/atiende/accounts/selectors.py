"""Reads of accounts data, scoped to the actor."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat, Upper

from atiende.core.text import fold

from .models import SYSTEM_USERNAME, ApiToken, Role, Team, TeamMembership, User


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


PICKER_LIMIT = 20
_NAME_KEYS = ("first_name_key", "last_name_key")
_ADDRESS_FIELDS = ("email", "username")


def people_search(
    actor: User,
    query: str,
    *,
    agents: bool = False,
    team_id: int | None = None,
    limit: int = PICKER_LIMIT,
) -> list[User]:
    """The people pickers' type-ahead: at most `limit` active people whose first name, last
    name, e-mail or user name starts with each word typed (names: accents and case folded;
    addresses: case-insensitive), for agents
    only (requesters never list people). `agents` keeps agents; `team_id` members of that
    team. Each word is a range on an index (user_*_key, user_*_upper), so it stays an index
    scan with 100,000 people, on SQLite and PostgreSQL alike."""
    if not actor.is_active or not actor.is_agent:
        return []
    words = query.split()[:3]
    if not words:
        return []
    rows = people().annotate(**{f"_u_{f}": Upper(f) for f in _ADDRESS_FIELDS})
    for word in words:
        # Names: the stored folded keys (User.first_name_key, no accents, no case) against
        # the folded word, the same on both databases. Addresses: the database upper-cases
        # the word too, so it matches its UPPER() index.
        key = fold(word[:60])
        condition = Q()
        for field in _NAME_KEYS:
            condition |= Q(**{f"{field}__gte": key, f"{field}__lt": key + "\uffff"})
        low = Upper(Value(word[:60]))
        high = Concat(low, Value("\uffff"))
        for field in _ADDRESS_FIELDS:
            condition |= Q(**{f"_u_{field}__gte": low, f"_u_{field}__lt": high})
        rows = rows.filter(condition)
    if agents:
        rows = rows.exclude(role=Role.REQUESTER)
    if team_id is not None:
        rows = rows.filter(teams__id=team_id)
    rows = rows.select_related("organization").order_by("first_name", "last_name", "id")
    return list(rows[: max(1, min(limit, PICKER_LIMIT))])


def person_by_reference(text: str) -> User | None:
    """The active person a picker sent: an id, or an e-mail address (typed without script)."""
    text = (text or "").strip()
    if text.isdigit() and len(text) < 19:
        return people().filter(pk=int(text)).first()
    if "@" in text:
        return (
            people()
            .annotate(email_upper=Upper("email"))
            .filter(email_upper=text.upper())
            .order_by("pk")
            .first()
        )
    return None


def team_ids_by_member() -> dict[int, list[int]]:
    """Every team member's team ids, in one query (the assignee pickers' team filter)."""
    found: dict[int, list[int]] = {}
    for user_id, team_id in TeamMembership.objects.values_list("user_id", "team_id"):
        found.setdefault(user_id, []).append(team_id)
    return found
