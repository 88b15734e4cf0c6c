"""Satisfaction surveys: the settings (one row), an invitation per finished ticket, its one
response, and the follow-up of a poor rating. See docs/surveys.md for the decisions."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.core.memo import ProcessMemo
from atiende.core.queries import one_or_none


class Rating(models.IntegerChoices):
    """A 5-point CSAT scale. "Satisfied" (the CSAT score's numerator) is 4 or 5; "poor"
    (which tells the team lead) is 1 or 2."""

    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    NEUTRAL = 3, _("Neither satisfied nor dissatisfied")
    SATISFIED = 4, pgettext_lazy("rating", "Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


SATISFIED_FROM = 4
POOR_UP_TO = 2


def is_poor(rating: int | None) -> bool:
    return rating is not None and rating <= POOR_UP_TO


def default_kinds() -> list[str]:
    """Incidents, requests and questions: the tickets people bring to the desk (problems and
    changes are the desk's own work)."""
    return ["incident", "request", "question"]


class SurveySettings(models.Model):
    """Who is asked, when, and how often. One row (pk=1), edited by managers on the survey
    settings page or in the admin. Empty kinds, teams or organisations mean "all"."""

    # Off until a manager turns surveys on: asking people is the organisation's decision.
    enabled = models.BooleanField(_("surveys enabled"), default=False)
    kinds = models.JSONField(
        _("ticket kinds"),
        default=default_kinds,
        blank=True,
        help_text=_("Ask about tickets of these kinds; none chosen means every kind."),
    )
    teams = models.ManyToManyField(
        "accounts.Team",
        verbose_name=_("teams"),
        blank=True,
        related_name="+",
        help_text=_("Ask about tickets of these teams; none chosen means every team."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("organisations"),
        blank=True,
        related_name="+",
        help_text=_("Ask requesters of these organisations; none chosen means everyone."),
    )
    delay_hours = models.PositiveIntegerField(
        _("delay (hours)"),
        default=0,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("How long after the resolution the survey e-mail is sent."),
    )
    min_days_between = models.PositiveIntegerField(
        _("days between surveys to one person"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("A person is asked at most once in this many days (0: after every ticket)."),
    )
    answer_days = models.PositiveIntegerField(
        _("days to answer"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("How long the rating links of a survey stay valid."),
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))

    @classmethod
    def load(cls) -> SurveySettings:
        """The row to edit (created on first use)."""
        obj = one_or_none(cls.objects.filter(pk=1))
        if obj is None:
            obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def current(cls) -> Rules:
        """The rules as every resolution reads them: kept in process memory, cleared when the
        settings are saved (apps.py); never writes (a desk that never opened the settings
        page has surveys off)."""
        return _current_rules.get()


@dataclass(frozen=True)
class Rules:
    enabled: bool = False
    kinds: tuple[str, ...] = ()
    team_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()
    delay_hours: int = 0
    min_days_between: int = 7
    answer_days: int = 14


def _load_rules() -> Rules:
    obj = one_or_none(
        SurveySettings.objects.filter(pk=1).prefetch_related("teams", "organizations")
    )
    if obj is None:
        return Rules()
    return Rules(
        enabled=obj.enabled,
        kinds=tuple(obj.kinds or ()),
        team_ids=frozenset(t.pk for t in obj.teams.all()),
        organization_ids=frozenset(o.pk for o in obj.organizations.all()),
        delay_hours=obj.delay_hours,
        min_days_between=obj.min_days_between,
        answer_days=obj.answer_days,
    )


_current_rules = ProcessMemo(_load_rules)


class SurveyInvitation(models.Model):
    """The survey of one finished ticket, to its requester: at most one per ticket, ever
    (resolving again after a reopen does not ask again)."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="survey",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person asked"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The ticket's facts when it was finished (the results split by them, as they were then).
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"))
    send_at = models.DateTimeField(_("sent after"))
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(fields=["person", "-created_at"], name="survey_person_recent"),
            models.Index(fields=["created_at"], name="survey_created"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}"


class SurveyResponse(models.Model):
    """The one answer to an invitation. Answering again (another link, the portal) updates
    it: counted once, with its latest rating."""

    invitation = models.OneToOneField(
        SurveyInvitation, verbose_name=_("survey"), on_delete=models.CASCADE,
        related_name="response",
    )  # fmt: skip
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    answered_at = models.DateTimeField(_("answered"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["-answered_at", "-id"], name="survey_response_recent")]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.rating}"

    @property
    def poor(self) -> bool:
        return is_poor(self.rating)


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CONTACTED = "contacted", _("Requester contacted")
    CLOSED = "closed", _("Closed")


# Where a follow-up may go from each state (a closed one can be opened again).
FOLLOW_UP_MOVES: dict[str, tuple[str, ...]] = {
    FollowUpStatus.OPEN: (FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONTACTED, FollowUpStatus.CLOSED),
    FollowUpStatus.ACKNOWLEDGED: (FollowUpStatus.CONTACTED, FollowUpStatus.CLOSED),
    FollowUpStatus.CONTACTED: (FollowUpStatus.CLOSED,),
    FollowUpStatus.CLOSED: (FollowUpStatus.OPEN,),
}  # fmt: skip


class SurveyFollowUp(models.Model):
    """What the team lead does about a poor rating: one per response, opened by it."""

    response = models.OneToOneField(
        SurveyResponse, verbose_name=_("response"), on_delete=models.CASCADE,
        related_name="follow_up",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus, default=FollowUpStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")
        indexes = [models.Index(fields=["status", "-created_at"], name="survey_followup_status")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.status}"


class RatingValue(models.TextChoices):
    """The ratings as the timeline stores them (text), for its labels."""

    VERY_DISSATISFIED = "1", _("1 · Very dissatisfied")
    DISSATISFIED = "2", _("2 · Dissatisfied")
    NEUTRAL = "3", _("3 · Neither satisfied nor dissatisfied")
    SATISFIED = "4", _("4 · Satisfied")
    VERY_SATISFIED = "5", _("5 · Very satisfied")
