"""Continual improvement: emerging trends found in incident counts (trends.py, tasks.py) and
the continual improvement register (ITIL's CSI register). See docs/improvement.md."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .metrics import METRIC_CHOICES


class Dimension(models.TextChoices):
    CATEGORY = "category", _("Category")
    SERVICE = "service", _("Service")
    CI = "ci", _("Configuration item")


class TrendStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PROBLEM_OPENED = "problem_opened", _("Problem opened")
    DISMISSED = "dismissed", _("Dismissed")


# A trend still waiting for someone: the daily job updates it instead of raising another.
ACTIVE_TREND_STATUSES = (TrendStatus.NEW, TrendStatus.ACKNOWLEDGED)


class Trend(models.Model):
    """An emerging trend: more incidents in the recent window for one category, service or CI
    than its own history predicts (trends.py has the rule). The incidents behind it are those
    of the window, read again through the viewer's access rule (selectors.trend_incidents)."""

    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension)
    key = models.BigIntegerField(_("key"))  # the category's or the item's id
    label = models.CharField(_("name"), max_length=200)  # its name when last detected
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    observed = models.PositiveIntegerField(_("observed"))
    expected = models.FloatField(_("expected"))
    score = models.FloatField(_("score"))  # -log10 of the Poisson tail probability
    status = models.CharField(
        _("status"), max_length=16, choices=TrendStatus, default=TrendStatus.NEW
    )
    detected_at = models.DateTimeField(_("detected"))
    updated_at = models.DateTimeField(_("updated"))
    problem = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("problem"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    dismiss_reason = models.CharField(_("reason for dismissing"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Set by the selectors: the problem ticket if the reader may see it, else None.
    visible_problem: Any = None

    class Meta:
        verbose_name = _("emerging trend")
        verbose_name_plural = _("emerging trends")
        constraints = [
            # At most one trend waiting for someone per category, service or CI: the daily
            # job updates it, so running it twice never duplicates.
            models.UniqueConstraint(
                fields=["dimension", "key"],
                condition=Q(status__in=["new", "acknowledged"]),
                name="improvement_trend_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="improvement_trend_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="improvement_trend_status"),
            models.Index(fields=["dimension", "key", "-window_end"], name="improvement_trend_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.label}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TREND_STATUSES

    @property
    def ratio(self) -> float | None:
        return self.observed / self.expected if self.expected else None


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


# Deciding on a proposal is a manager's call (actions.py).
MANAGER_STATUSES = (ItemStatus.APPROVED, ItemStatus.REJECTED)


class ItemPriority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class ImprovementItem(models.Model):
    """One entry of the continual improvement register."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # led by improvement_item_owner
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus, default=ItemStatus.PROPOSED
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=ItemPriority, default=ItemPriority.MEDIUM
    )
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    metric = models.CharField(_("metric"), max_length=40, choices=METRIC_CHOICES, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline_start = models.DateField(_("baseline period start"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline period end"), null=True, blank=True)
    current_value = models.DecimalField(
        _("current value"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    measured_at = models.DateTimeField(_("measured"), null=True, blank=True)
    tickets = models.ManyToManyField(
        "tickets.Ticket", verbose_name=_("related tickets"), blank=True, related_name="+"
    )
    trends = models.ManyToManyField(
        Trend, verbose_name=_("related trends"), blank=True, related_name="improvements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("improvement")
        verbose_name_plural = _("improvements")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="improvement_item_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="improvement_item_status"),
            models.Index(fields=["owner", "-updated_at", "-id"], name="improvement_item_owner"),
        ]

    def __str__(self) -> str:
        return self.title
