"""The metric dictionary in code (docs/metrics.md is the same list in words): what each metric
counts, over which population, and the dimensions a report may split it by. Pure data: no
queries here (selectors.py runs them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit:
    COUNT = "count"
    SECONDS = "seconds"
    PERCENT = "percent"
    RATIO = "ratio"


@dataclass(frozen=True)
class Metric:
    name: str
    label: Promise
    unit: str
    # The fact column whose value in the period selects the population ("" = open now).
    date_field: str
    # For durations: the fact column measured.
    value_field: str = ""


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("created", _("Tickets created"), Unit.COUNT, "created_at"),
        Metric("resolved", _("Tickets resolved"), Unit.COUNT, "resolved_at"),
        Metric("closed", _("Tickets closed"), Unit.COUNT, "closed_at"),
        Metric("backlog", _("Backlog (open now)"), Unit.COUNT, ""),
        Metric("first_response_wall", _("First response time (wall)"), Unit.SECONDS,
               "created_at", "first_response_wall"),
        Metric("first_response_business", _("First response time (business)"), Unit.SECONDS,
               "created_at", "first_response_business"),
        Metric("resolution_wall", _("Resolution time (wall)"), Unit.SECONDS, "resolved_at",
               "resolution_wall"),
        Metric("resolution_business", _("Resolution time (business)"), Unit.SECONDS,
               "resolved_at", "resolution_business"),
        Metric("sla_first_response", _("SLA compliance: first response"), Unit.PERCENT,
               "created_at", "first_response_sla"),
        Metric("sla_resolution", _("SLA compliance: resolution"), Unit.PERCENT, "created_at",
               "resolution_sla"),
        Metric("fcr", _("First-contact resolution"), Unit.PERCENT, "resolved_at"),
        Metric("reopen_rate", _("Reopen rate"), Unit.PERCENT, "resolved_at"),
        Metric("reassignments", _("Reassignments (team hops)"), Unit.RATIO, "created_at"),
        Metric("change_success", _("Change success rate"), Unit.PERCENT, ""),
        Metric("csat", _("Customer satisfaction (CSAT)"), Unit.PERCENT, ""),
        Metric("deflection", _("Knowledge deflection rate"), Unit.PERCENT, ""),
    )
}  # fmt: skip

# Metrics read from another domain's figures rather than the ticket facts: no ticket list
# behind their numbers (drill-down), and only the dimensions listed here.
OTHER_SOURCES: dict[str, tuple[str, ...]] = {
    "change_success": ("all",),
    "csat": ("all", "team", "agent", "category", "service"),
    "deflection": ("all",),
}

# Dimension -> the fact column (or join) it groups by.
DIMENSIONS: dict[str, Promise] = {
    "all": _("All tickets"),
    "team": _("Team"),
    "agent": _("Agent"),
    "category": _("Category"),
    "service": _("Service"),
    "ci": _("Configuration item"),
    "organization": _("Organisation"),
    "channel": _("Channel"),
    "kind": _("Kind"),
    "priority": _("Priority"),
    "age": _("Age"),
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
}

# Filters a report takes (each one value), with the fact column they test.
FILTERS: dict[str, str] = {
    "team": "team_id",
    "agent": "assignee_id",
    "category": "category_id",
    "organization": "organization_id",
    "channel": "channel",
    "kind": "kind",
    "priority": "priority",
    "item": "ticket__affected_items__item_id",
}

# Backlog age buckets: (code, label, lower bound in days, upper bound in days or None).
AGE_BUCKETS: tuple[tuple[str, Promise, int, int | None], ...] = (
    ("d0", _("Less than a day"), 0, 1),
    ("d1", _("1 to 3 days"), 1, 3),
    ("d3", _("3 to 7 days"), 3, 7),
    ("d7", _("7 to 30 days"), 7, 30),
    ("d30", _("30 days or more"), 30, None),
)

PERCENTILES = (0.5, 0.9)
