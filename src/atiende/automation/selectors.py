"""Reads of automation: the rules (managers only), the names behind a rule's ids, and the
options of the rule pickers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from atiende.accounts.models import Organization, Role, Team, User
from atiende.accounts.selectors import people
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.queries import one_or_none
from atiende.tickets.models import Category, Kind, Ticket

from .models import Rule


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
    }.get(kind)


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
