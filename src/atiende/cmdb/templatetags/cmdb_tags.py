"""Template helpers of the CMDB: the affected items of a ticket (for the include on the
desk ticket page, which then needs no change to the tickets views) and display labels."""

from __future__ import annotations

from django import template

from atiende.cmdb import selectors
from atiende.cmdb.models import CiClass, CiStatus, Environment, ItemAction, RelationType

register = template.Library()


@register.simple_tag(takes_context=True)
def affected_items(context, ticket):
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.items_of_ticket(user, ticket) if user is not None else []


def _label(enum, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


@register.filter
def ci_class_label(value: str) -> str:
    return _label(CiClass, value)


@register.filter
def ci_status_label(value: str) -> str:
    return _label(CiStatus, value)


@register.filter
def environment_label(value: str) -> str:
    return _label(Environment, value)


@register.filter
def relation_label(value: str) -> str:
    return _label(RelationType, value)


@register.filter
def action_label(value: str) -> str:
    return _label(ItemAction, value)


@register.filter
def change_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list) and len(value) == 2:  # [old, new] of an update
        return f"{change_value(value[0])} → {change_value(value[1])}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    return str(value)
