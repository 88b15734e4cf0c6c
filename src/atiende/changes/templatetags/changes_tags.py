"""Display helpers of the change pages: badges for type, status, risk, approval and review."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from atiende.tickets.models import Status

from ..models import ApprovalStatus, ChangeType, ReviewOutcome, RiskLevel
from ..selectors import lifecycle_status

register = template.Library()


def _badge(css: str, value: str, enum) -> SafeString:
    try:
        label = str(enum(value).label)
    except ValueError:
        label = value
    return format_html('<span class="badge {}-{}">{}</span>', css, value, label)


@register.simple_tag
def change_status_badge(status: str) -> SafeString:
    status = lifecycle_status(status)
    return _badge("status", status, Status)


@register.simple_tag
def type_badge(change_type: str) -> SafeString:
    return _badge("change-type", change_type, ChangeType)


@register.simple_tag
def risk_badge(level: str) -> SafeString:
    if not level:
        return format_html('<span class="badge risk-none">{}</span>', _("Not assessed"))
    return _badge("risk", level, RiskLevel)


# The risk said as a phrase, for places where a bare "High" would read as the priority.
RISK_PHRASES: dict[str, Any] = {
    RiskLevel.LOW: pgettext_lazy("risk badge", "Low risk"),
    RiskLevel.MEDIUM: pgettext_lazy("risk badge", "Medium risk"),
    RiskLevel.HIGH: pgettext_lazy("risk badge", "High risk"),
}


@register.simple_tag
def risk_phrase_badge(level: str) -> SafeString:
    """ "High risk" / "Riesgo alto" (or "Risk not assessed") as a badge."""
    phrase = RISK_PHRASES.get(level) if level else None
    if phrase is None:
        return format_html('<span class="badge risk-none">{}</span>', _("Risk not assessed"))
    return format_html('<span class="badge risk-{}">{}</span>', level, phrase)


@register.simple_tag
def approval_badge(status: str) -> SafeString:
    return _badge("approval", status, ApprovalStatus)


@register.simple_tag
def review_badge(outcome: str) -> SafeString:
    return _badge("review", outcome, ReviewOutcome)


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100)} %"
