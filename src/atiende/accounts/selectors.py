"""Reads of accounts data, scoped to the actor."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat, Upper

from atiende.core.memo import ProcessMemo
from atiende.core.queries import row_with_related
from atiende.core.text import fold

from .models import SYSTEM_USERNAME, ApiToken, Role, Team, TeamMembership, User


def team_ids_of(user: User) -> list[int]:
    """The ids of the user's teams (in id order), cached on the user object for the request
    (`user_with_team_ids` fills it for the signed-in user)."""
    cached = getattr(user, "_team_ids", None)
    if cached is None:
        cached = (
            list(
                TeamMembership.objects.filter(user_id=user.pk)
                .order_by("team_id")
                .values_list("team_id", flat=True)
            )
            if user.pk
            else []
        )
        user._team_ids = cached  # type: ignore[attr-defined]
    return cached


def user_with_team_ids(pk: int) -> User | None:
    """The user with primary key `pk` (None if there is none), their team ids read in the same
    statement and cached for `team_ids_of`: what a signed-in request loads
    (accounts.middleware), where it saves the team query that every agent page's access
    rule runs."""
    user, teams = row_with_related(User, pk, TeamMembership, "user", "team")
    if user is not None:
        user._team_ids = teams  # type: ignore[attr-defined]
    return user


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


def _load_agents() -> tuple[list[tuple[int, str]], dict[int, list[int | str]]]:
    """Every agent's (id, name), by name, and team ids ("*" for those who see every ticket),
    in one query (a join on the memberships)."""
    names: dict[int, str] = {}
    teams: dict[int, list[int | str]] = {}
    agents = people().exclude(role=Role.REQUESTER).order_by("first_name", "last_name", "username")
    rows = agents.values_list(
        "pk", "username", "first_name", "last_name", "role", "sees_all_tickets",
        "teammembership__team_id",
    )  # fmt: skip
    for pk, username, first, last, role, sees_all, team_id in rows:
        if pk not in names:
            names[pk] = User(username=username, first_name=first, last_name=last).display_name
            teams[pk] = ["*"] if sees_all or role == Role.ADMIN else []
        if team_id is not None:
            teams[pk].append(team_id)
    return list(names.items()), teams


# The desk's pickers draw these on every ticket page; they change a few times a week.
# Saving a user, team or membership forgets them (AccountsConfig.ready); see core.memo.
_agents = ProcessMemo(_load_agents)
_team_choices = ProcessMemo(lambda: list(Team.objects.order_by("name").values_list("id", "name")))


def forget_people(**_signal_kwargs: object) -> None:
    for memo in (_agents, _team_choices):
        memo.forget()


def agent_choices(actor: User) -> list[tuple[int, str]]:
    """(id, name) of every agent, by name: the options of an agent's assignee pickers."""
    return _agents.get()[0] if actor.is_agent else []


def agent_team_ids(actor: User) -> dict[int, list[int | str]]:
    """Each agent's team ids, "*" for those who see every ticket (assignee selects). Read-only."""
    return _agents.get()[1] if actor.is_agent else {}


def team_choices(actor: User) -> list[tuple[int, str]]:
    """(id, name) of every team an agent may route to, by name."""
    return _team_choices.get() if actor.is_agent else []
