"""Display helpers of the change calendar and the CAB agenda."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def change_link(number: str, pattern: str) -> str:
    """The URL of change `number` from a pattern reversed once per page (see views_calendar)."""
    from ..views_calendar import NUMBER_PLACEHOLDER

    return pattern.replace(NUMBER_PLACEHOLDER, number)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def spans_days(entry) -> bool:
    """Whether a change ends on a later local day than it starts."""
    from django.utils import timezone

    return timezone.localtime(entry.end).date() != timezone.localtime(entry.start).date()
