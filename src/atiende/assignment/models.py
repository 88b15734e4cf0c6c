"""Smart assignment: a team's policy (how its new tickets find an agent) and each agent's
assignment settings (skills, availability, cap). The choice is in chooser.py (pure, over
one query's rows); state changes only in actions.py. See docs/assignment.md."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CAP_MAX = 10_000


class Mode(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class TeamPolicy(models.Model):
    """How a team's unassigned tickets are given to its agents. The row is also the lock that
    serialises the choice per team (select_for_update on PostgreSQL), and keeps the
    round-robin pointer (the agent chosen last)."""

    team = models.OneToOneField(
        "accounts.Team",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="assignment_policy",
        verbose_name=_("team"),
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode, default=Mode.MANUAL)
    use_skills = models.BooleanField(
        _("match skills"),
        default=False,
        help_text=_("Only agents whose categories and languages fit the ticket are chosen."),
    )
    respect_working_hours = models.BooleanField(
        _("respect working hours"),
        default=True,
        help_text=_("Agents with a business calendar are chosen only while it is open."),
    )
    default_cap = models.PositiveIntegerField(
        _("cap per agent"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAP_MAX)],
        help_text=_("Most open tickets an agent may hold; empty for no limit."),
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("last assigned"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policies")

    def __str__(self) -> str:
        return str(self.team)

    @property
    def is_automatic(self) -> bool:
        return self.mode != Mode.MANUAL


class AgentSettings(models.Model):
    """An agent's skills and availability for automatic assignment. An agent without a row
    is available, handles every category and language, has no calendar and the team's cap."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="assignment_settings",
        verbose_name=_("agent"),
    )
    available = models.BooleanField(
        _("available for assignment"),
        default=True,
        help_text=_("Off: no ticket is given to this agent automatically."),
    )
    away_from = models.DateTimeField(_("out of office from"), null=True, blank=True)
    away_until = models.DateTimeField(_("out of office until"), null=True, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working hours"),
        help_text=_("The business calendar of the agent's working hours; empty: any time."),
    )
    cap = models.PositiveIntegerField(
        _("cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAP_MAX)],
        help_text=_("Most open tickets; empty: the team's cap."),
    )
    categories = models.ManyToManyField(
        "tickets.Category",
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
        help_text=_("Categories this agent handles; none: every category."),
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Languages this agent answers in (en, es); none: every language."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("agent assignment settings")
        verbose_name_plural = _("agent assignment settings")

    def __str__(self) -> str:
        return str(self.user)
