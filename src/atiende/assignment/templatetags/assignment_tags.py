"""Reading an automatic assignment's timeline entry (assignment/_event.html)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext as _

from ..chooser import AT_CAP, AWAY, OFF_HOURS, UNAVAILABLE, UNSKILLED
from ..models import Mode

register = template.Library()


def _reason_labels() -> dict[str, str]:
    return {
        UNAVAILABLE: _("unavailable"),
        AWAY: _("out of office"),
        OFF_HOURS: _("outside working hours"),
        UNSKILLED: _("without the skills"),
        AT_CAP: _("at their cap"),
    }


@register.filter
def assignment_details(body: str) -> dict[str, Any]:
    """The entry's figures, with the agents passed over as "2 out of office" phrases."""
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    labels = _reason_labels()
    skipped = data.get("skipped") or {}
    data["passed"] = [
        f"{count} {labels[reason]}" for reason, count in skipped.items() if reason in labels
    ]
    return data


@register.filter
def assignment_mode(value: str) -> str:
    try:
        return str(Mode(value).label)
    except ValueError:
        return value
