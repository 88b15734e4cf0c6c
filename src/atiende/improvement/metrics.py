"""The metric keys an improvement item may target. The reports engine (docs/metrics.md, being
built) will compute them; until then the register stores a baseline and a current value that
people enter, with the period and the time they were measured. Keep the keys stable: they are
stored in rows and sent over the API. Documented in docs/improvement.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MetricKey:
    key: str
    label: Promise
    unit: Promise
    better: str  # "lower" or "higher": which way is an improvement


METRICS: tuple[MetricKey, ...] = (
    MetricKey("tickets_created", _("Tickets created per period"), _("tickets"), "lower"),
    MetricKey("incidents_created", _("Incidents created per period"), _("incidents"), "lower"),
    MetricKey("backlog_open", _("Open backlog"), _("tickets"), "lower"),
    MetricKey("first_response_median", _("First response time (median)"), _("hours"), "lower"),
    MetricKey("resolution_time_median", _("Resolution time (median)"), _("hours"), "lower"),
    MetricKey("resolution_time_p90", _("Resolution time (90th percentile)"), _("hours"), "lower"),
    MetricKey("sla_compliance", _("SLA compliance"), _("percent"), "higher"),
    MetricKey("first_contact_resolution", _("First-contact resolution"), _("percent"), "higher"),
    MetricKey("reopen_rate", _("Reopen rate"), _("percent"), "lower"),
    MetricKey("reassignments", _("Reassignments per ticket"), _("hops"), "lower"),
    MetricKey("csat_score", _("Satisfaction (CSAT) score"), _("percent"), "higher"),
    MetricKey("change_success_rate", _("Change success rate"), _("percent"), "higher"),
)

BY_KEY = {metric.key: metric for metric in METRICS}
METRIC_CHOICES = [(metric.key, metric.label) for metric in METRICS]
