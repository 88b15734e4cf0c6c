"""Template helpers of the CMDB: display labels (no queries: the ticket page's card gets its
items from its panel loader, cmdb.panels)."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist

from atiende.cmdb.models import CiClass, CiStatus, Environment, ItemAction, RelationType

register = template.Library()


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


_CHOICE_FIELDS = {"ci_class": CiClass, "status": CiStatus, "environment": Environment}


@register.filter
def event_text(event) -> str:
    """An audit event's changes in the reader's language: "status: Active → In maintenance",
    "depends on san-01", "vm-01 runs on"."""
    from atiende.cmdb.models import ConfigurationItem

    changes = event.changes or {}
    if event.action in (ItemAction.RELATION_ADDED, ItemAction.RELATION_REMOVED):
        label = relation_label(changes.get("type", ""))
        if "target" in changes:
            return f"{label} {changes['target']}"
        return f"{changes.get('source', '')} {label}"
    parts = []
    for key, value in changes.items():
        if not (isinstance(value, list) and len(value) == 2):
            continue
        enum = _CHOICE_FIELDS.get(key)
        old, new = value
        if enum is not None:
            old, new = _label(enum, old or ""), _label(enum, new or "")
        try:
            name = str(getattr(ConfigurationItem._meta.get_field(key), "verbose_name", key))
        except FieldDoesNotExist:
            name = key
        parts.append(f"{name}: {change_value(old)} → {change_value(new)}")
    return "; ".join(parts)
