"""Automation rules: when (a trigger), if (conditions), do (actions); and the bookkeeping
that makes time rules run exactly once per ticket and period. See docs/automation.md."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import schema

NAME_MAX = 120


class Trigger(models.TextChoices):
    CREATED = "created", _("A ticket is created")
    UPDATED = "updated", _("A ticket is updated")
    COMMENTED = "commented", _("A reply or note is added")
    STATUS = "status", _("A ticket changes status")
    SLA_WARNING = "sla_warning", _("An SLA target is about to be missed")
    SLA_BREACH = "sla_breach", _("An SLA target was missed")
    SCHEDULED = "scheduled", _("On a schedule (tickets untouched for a while)")
    SUBMITTED = "submitted", _("A service request is submitted from the catalogue")


EVENT_TRIGGERS = tuple(t for t in Trigger if t != Trigger.SCHEDULED)


class WaitUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    BUSINESS_DAYS = "business_days", _("business days")


class Rule(models.Model):
    """One rule. `conditions` and `actions` hold the rows of schema.Condition / schema.Action
    as validated by schema.parse_* (actions.rule_create / rule_update): never edited as
    free JSON. Rules of a trigger run in `position` order."""

    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger)
    position = models.PositiveIntegerField(_("position"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    # Time rules: tickets untouched (no update of any kind) for `wait` units.
    wait = models.PositiveIntegerField(_("untouched for"), null=True, blank=True)
    wait_unit = models.CharField(
        _("unit"), max_length=16, choices=WaitUnit, default=WaitUnit.DAYS, blank=True
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [
            models.Index(fields=["trigger", "enabled", "position"], name="rule_trigger_order")
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def spec(self) -> schema.RuleSpec:
        return schema.load(self.conditions, self.actions)


class RuleRun(models.Model):
    """A time rule acted on a ticket for one period (the ticket's `updated_at` when it was
    found due). The unique constraint is the exactly-once guarantee: of two workers that
    find the same ticket due, the second one's INSERT fails and it leaves the ticket alone."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.DateTimeField()  # the ticket's updated_at when it was found due
    at = models.DateTimeField()
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("time rule run")
        verbose_name_plural = _("time rule runs")
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "period"], name="rule_run_once")
        ]
        indexes = [models.Index(fields=["ticket"], name="rule_run_ticket")]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.ticket_id}@{self.period:%Y-%m-%d %H:%M}"


class TicketTag(models.Model):
    """A tag a rule (or a macro) put on a ticket."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="tags", db_index=False
    )
    name = models.CharField(_("tag"), max_length=schema.TAG_MAX)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")
        constraints = [models.UniqueConstraint(fields=["ticket", "name"], name="ticket_tag_once")]
        indexes = [models.Index(fields=["name"], name="ticket_tag_name")]

    def __str__(self) -> str:
        return self.name


class MacroScope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    TEAM = "team", _("Team")
    GLOBAL = "global", _("Everyone")


class Macro(models.Model):
    """A named set of actions a person applies to a ticket (or many) in one click, as
    themselves. Personal (its owner), a team's (its members; kept by its leads and
    managers) or everyone's (kept by managers). `actions` holds schema.Action rows of
    schema.MACRO_ACTIONS, validated by schema.parse_actions (actions.macro_create)."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    scope = models.CharField(_("shared with"), max_length=8, choices=MacroScope)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # macro_owner_name
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # macro_team_name
    )
    actions = models.JSONField(_("actions"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("ticket macro")
        verbose_name_plural = _("ticket macros")
        constraints = [
            # Exactly the owner of a personal one, the team of a team one, neither otherwise.
            models.CheckConstraint(
                condition=(
                    models.Q(scope="personal", owner__isnull=False, team__isnull=True)
                    | models.Q(scope="team", owner__isnull=True, team__isnull=False)
                    | models.Q(scope="global", owner__isnull=True, team__isnull=True)
                ),
                name="macro_scope_owner_team",
            )
        ]
        indexes = [
            models.Index(fields=["scope", "name"], name="macro_scope_name"),
            models.Index(fields=["owner", "name"], name="macro_owner_name"),
            models.Index(fields=["team", "name"], name="macro_team_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def spec(self) -> tuple[schema.Action, ...]:
        return schema.parse_actions(self.actions, allowed=schema.MACRO_ACTIONS)
