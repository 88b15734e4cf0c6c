"""Reads of automation: the rules (managers only), the macros (who may apply and who may
keep each), tickets' tags, the names behind a rule's ids, and the options of the pickers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from atiende.accounts.models import Organization, Role, Team, TeamMembership, User
from atiende.accounts.selectors import people, team_ids_of
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.memo import KeyedMemo, ProcessMemo
from atiende.core.queries import one_or_none
from atiende.tickets.models import Category, Kind, Ticket

from .models import Macro, MacroScope, Rule, TicketTag


def rules_for(actor: User) -> QuerySet[Rule]:
    """Every rule, in trigger and run order, for managers and administrators; none for others."""
    if not actor.is_authenticated or not actor.is_active or not actor.is_manager:
        return Rule.objects.none()
    return Rule.objects.order_by("trigger", "position", "id")


def rule_get(actor: User, rule_id: int) -> Rule:
    rule = one_or_none(rules_for(actor).filter(pk=rule_id))
    if rule is None:
        raise NotFound()
    return rule


def _model_for(kind: str):
    from atiende.canned.models import CannedResponse, Scope
    from atiende.catalogue.models import CatalogueItem
    from atiende.cmdb.models import ConfigurationItem
    from atiende.sla.models import BusinessCalendar
    from atiende.webhooks.models import Webhook

    return {
        "team": (Team.objects.all(), "name"),
        "category": (Category.objects.all(), "name"),
        "organization": (Organization.objects.all(), "name"),
        "assignee": (people().exclude(role=Role.REQUESTER), None),
        "agent": (people().exclude(role=Role.REQUESTER), None),
        "requester": (people(), None),
        "service": (ConfigurationItem.objects.all(), "name"),
        "time": (BusinessCalendar.objects.all(), "name"),
        "canned": (CannedResponse.objects.exclude(scope=Scope.PERSONAL), "title"),
        "problem": (Ticket.objects.filter(kind=Kind.PROBLEM), "number"),
        "webhook": (Webhook.objects.all(), "name"),
        "catalogue_item": (CatalogueItem.objects.all(), "name"),
    }.get(kind)


def answer_keys() -> list[tuple[str, str]]:
    """(key, "key — label") of the request form fields a condition may look at, by key."""
    from atiende.catalogue.models import FormField

    found: dict[str, str] = {}
    for key, label in FormField.objects.order_by("key", "id").values_list("key", "label")[:2000]:
        found.setdefault(key, f"{key} — {label}")
    return list(found.items())


def answer_keys_exist(keys: Iterable[str]) -> set[str]:
    from atiende.catalogue.models import FormField

    return set(FormField.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def existing(kind: str, ids: Iterable[int]) -> set[int]:
    """Which of `ids` exist among the rows a rule may name for `kind` (one query)."""
    found = _model_for(kind)
    if found is None:
        return set()
    rows, _name = found
    return set(rows.filter(pk__in=list(ids)).values_list("pk", flat=True))


def ref_names(kind: str, values: Iterable[str]) -> dict[str, str]:
    """{value: display name} of the rows a rule names (one query)."""
    found = _model_for(kind)
    ids = [pk for pk in (parse_id(v) for v in values) if pk is not None]
    if found is None or not ids:
        return {}
    rows, name = found
    if name is None:
        return {str(u.pk): u.display_name for u in rows.filter(pk__in=ids)}
    return {str(pk): str(label) for pk, label in rows.filter(pk__in=ids).values_list("pk", name)}


def options(kind: str) -> list[tuple[str, str]]:
    """(value, name) of every row a picker of `kind` offers, by name."""
    found = _model_for(kind)
    if found is None:
        return []
    rows, name = found
    if name is None:
        users = rows.order_by("first_name", "last_name", "username")
        return [(str(u.pk), u.display_name) for u in users[:2000]]
    return [
        (str(pk), str(label)) for pk, label in rows.order_by(name).values_list("pk", name)[:2000]
    ]


# --- macros -----------------------------------------------------------------------------------


def _is_agent(actor: User) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active and actor.is_agent)


_SCOPE_ORDER = Case(
    When(scope=MacroScope.PERSONAL, then=Value(0)),
    When(scope=MacroScope.TEAM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def macros_visible_to(actor: User) -> QuerySet[Macro]:
    """The macros an agent may apply: their own, their teams' and everyone's (requesters:
    none). Own first, then teams', then everyone's, each by name."""
    if not _is_agent(actor):
        return Macro.objects.none()
    return Macro.objects.filter(_visible(actor)).order_by(_SCOPE_ORDER, "name", "id")


def _visible(actor: User) -> Q:
    return (
        Q(scope=MacroScope.GLOBAL)
        | Q(scope=MacroScope.TEAM, team_id__in=team_ids_of(actor))
        | Q(scope=MacroScope.PERSONAL, owner_id=actor.pk)
    )


def _kept(actor: User) -> Q:
    q = Q(scope=MacroScope.PERSONAL, owner_id=actor.pk)
    if actor.is_manager:
        return q | Q(scope__in=[MacroScope.TEAM, MacroScope.GLOBAL])
    return q | Q(scope=MacroScope.TEAM, team_id__in=led_team_ids(actor))


def macros_listed_for(actor: User) -> QuerySet[Macro]:
    """The management page's list: the macros the actor may use or keep (a manager keeps
    every team's)."""
    if not _is_agent(actor):
        return Macro.objects.none()
    return Macro.objects.filter(_visible(actor) | _kept(actor)).order_by(_SCOPE_ORDER, "name", "id")


def macro_listed(actor: User, macro_id: int) -> Macro:
    found = one_or_none(macros_listed_for(actor).filter(pk=macro_id))
    if found is None:
        raise NotFound()
    return found


def macro_get(actor: User, macro_id: int) -> Macro:
    """A macro the actor may apply (NotFound otherwise, as for a missing one)."""
    found = one_or_none(macros_visible_to(actor).filter(pk=macro_id))
    if found is None:
        raise NotFound()
    return found


def led_team_ids(actor: User) -> list[int]:
    """The teams whose macros the actor keeps: every team for managers, else the teams they
    lead."""
    if not _is_agent(actor):
        return []
    if actor.is_manager:
        return list(Team.objects.values_list("pk", flat=True))
    cached = getattr(actor, "_led_team_ids", None)
    if cached is None:
        cached = list(
            TeamMembership.objects.filter(user_id=actor.pk, is_lead=True).values_list(
                "team_id", flat=True
            )
        )
        actor._led_team_ids = cached  # type: ignore[attr-defined]
    return cached


def can_keep(actor: User, *, scope: str, team_id: int | None = None, owner_id=None) -> bool:
    """May the actor create, change or delete a macro of this owner: their own personal
    ones, a team's if they lead it (or are a manager), everyone's if a manager."""
    if not _is_agent(actor):
        return False
    if scope == MacroScope.PERSONAL:
        return owner_id is None or owner_id == actor.pk
    if scope == MacroScope.TEAM:
        return actor.is_manager or (team_id is not None and team_id in led_team_ids(actor))
    return bool(actor.is_manager)


def macros_kept_by(actor: User) -> QuerySet[Macro]:
    """The macros the actor keeps (the management page's list)."""
    if not _is_agent(actor):
        return Macro.objects.none()
    return Macro.objects.filter(_kept(actor)).order_by(_SCOPE_ORDER, "name", "id")


def macro_kept(actor: User, macro_id: int) -> Macro:
    found = one_or_none(macros_kept_by(actor).select_related("team").filter(pk=macro_id))
    if found is None:
        raise NotFound()
    return found


def macro_choices(actor: User) -> list[tuple[int, str]]:
    """(id, name) of the macros the actor may apply, for the pickers (one query, or none:
    see `_macro_choices`)."""
    if not _is_agent(actor):
        return []
    key = (actor.pk, tuple(sorted(team_ids_of(actor))))
    return _macro_choices.get(key, lambda: _macro_choices_read(actor))


def _macro_choices_read(actor: User) -> list[tuple[int, str]]:
    return list(macros_visible_to(actor).values_list("pk", "name")[:500])


# What an agent may apply depends only on the agent and their teams (the key: a change of
# teams is a new key at once) and on the macros, whose saves and deletes forget every entry
# (automation/apps.py; other worker processes within `seconds`, as every ProcessMemo).
_macro_choices: KeyedMemo[tuple[int, tuple[int, ...]], list[tuple[int, str]]] = KeyedMemo(
    seconds=30.0
)
forget_macro_choices = _macro_choices.forget


# --- tags -------------------------------------------------------------------------------------


def tags_of(tickets: Sequence[Ticket]) -> dict[int, list[str]]:
    """Each ticket's tags by name (one query, on ticket_tag_once). The tickets are the ones
    a page already read for its reader."""
    found: dict[int, list[str]] = {t.pk: [] for t in tickets}
    rows = TicketTag.objects.filter(ticket_id__in=list(found)).order_by("ticket_id", "name")
    for ticket_id, name in rows.values_list("ticket_id", "name"):
        found[ticket_id].append(name)
    return found


TAG_CHOICES_MAX = 500


def _tag_names() -> list[str]:
    rows = TicketTag.objects.order_by("name").values_list("name", flat=True).distinct()
    return list(rows[:TAG_CHOICES_MAX])


# The queue's tag filter asks for the names on every queue (and once per saved view counted):
# kept per process; a new tag forgets this process's copy, others see it within 10 seconds.
tag_name_memo = ProcessMemo(_tag_names, seconds=10)


def tag_names() -> list[str]:
    """The tags in use, by name (the queue's filter; an index-only scan of ticket_tag_name,
    then no query while kept)."""
    return tag_name_memo.get()
