"""Service-level configuration (calendars, policies, targets, escalations) and the live clocks
of each ticket. The arithmetic lives in calendar.py (pure) and clocks.py; state changes only
in actions.py."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import date as date_type
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import validate_time_zone
from atiende.core.dates import YEAR_MAX, YEAR_MIN, check_year
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import Kind, Priority, Status

from .calendar import Calendar, WeeklyHours

logger = logging.getLogger(__name__)

DEFAULT_HOURS = {"mon-fri": "09:00-17:00"}


def validate_weekly_hours(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_('Give the hours as {"mon-fri": "09:00-17:00"}.'))
    try:
        WeeklyHours.parse(value)
    except (ValueError, TypeError) as exc:
        raise ValidationError(_("Invalid opening hours: %(error)s") % {"error": exc}) from exc


def _choice_list(value, allowed, describe) -> None:
    """A JSON list of distinct values taken from `allowed` (an empty list means any)."""
    if not isinstance(value, list):
        raise ValidationError(_("Give a list of values."))
    unknown = [v for v in value if v not in allowed or isinstance(v, bool)]
    if unknown:
        raise ValidationError(
            _("Not valid: %(values)s. Choose from %(allowed)s.")
            % {"values": ", ".join(map(str, unknown)), "allowed": describe}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each value may appear only once."))


def validate_kinds(value) -> None:
    _choice_list(value, Kind.values, ", ".join(Kind.values))


def validate_priorities(value) -> None:
    _choice_list(value, Priority.values, "1..5")


def validate_statuses(value) -> None:
    _choice_list(value, Status.values, ", ".join(Status.values))


class Versioned(models.Model):
    """A row edited by people in the admin and over the API: `version` grows by one on
    every save, so an API client can send the version it read (core.versions.check_version)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


class BusinessCalendar(Versioned):
    """When a desk works: weekly hours in a time zone, minus public holidays of a country
    (and subdivision), minus custom holidays and closures. `is_24x7` ignores the hours."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO code (ES, MX, CO, AR, CL, PE, US, GB...) for public holidays."),
    )
    subdivision = models.CharField(
        _("subdivision"),
        max_length=10,
        blank=True,
        help_text=_("Region for regional holidays, e.g. MD (Madrid) or CT (Catalonia)."),
    )
    is_24x7 = models.BooleanField(_("open 24x7"), default=False)
    hours = models.JSONField(
        _("weekly hours"),
        default=dict,
        blank=True,
        validators=[validate_weekly_hours],
        help_text=_('Local wall time, e.g. {"mon-fri": "08:00-14:00, 15:00-18:00"}.'),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            self._build()
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def weekly_hours(self) -> WeeklyHours:
        return WeeklyHours.always() if self.is_24x7 else WeeklyHours.parse(self.hours or {})

    def _build(self) -> Calendar:
        holidays = (
            frozenset(self.holidays.values_list("date", flat=True)) if self.pk else frozenset()
        )
        closures = tuple(_countable(self.closures.values_list("start", "end"))) if self.pk else ()
        return Calendar(
            tz=self.time_zone,
            hours=self.weekly_hours(),
            country=self.country.upper() or None,
            subdivision=self.subdivision.upper() or None,
            closed_dates=holidays,
            closures=closures,
        )

    def to_calendar(self) -> Calendar:
        """The pure Calendar, built once per process per (id, updated_at): its year tables
        are then reused by every deadline. Editing holidays or closures in the admin saves
        the calendar too, which bumps updated_at."""
        key = (self.pk, self.updated_at)
        with _cache_lock:
            cached = _calendar_cache.get(key)
        if cached is None:
            cached = self._build()
            with _cache_lock:
                if len(_calendar_cache) > 256:
                    _calendar_cache.clear()
                _calendar_cache[key] = cached
        return cached


_calendar_cache: dict[tuple[int | None, datetime | None], Calendar] = {}
_cache_lock = threading.Lock()


class CalendarHoliday(models.Model):
    """A custom closed day on top of the public holidays (e.g. the company's anniversary)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date: models.DateField[date_type, date_type] = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_holiday")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()

    def clean(self) -> None:
        super().clean()
        if self.date is not None:
            _within_years(date=self.date)


class CalendarClosure(models.Model):
    """A closed range of time, e.g. 24 December from 14:00."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closures"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="closure_order")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M} {self.reason}".strip()

    def clean(self) -> None:
        """A closure the SLA clocks can count around: within the years the desk reads, at most
        CLOSURE_MAX long. (A closure to year 9999 left no business time after it, and every
        new ticket's clock failed; an office closed for longer is a calendar to switch off.)"""
        super().clean()
        if self.start is None or self.end is None:
            return
        _within_years(start=self.start, end=self.end)
        if self.end < self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.end - self.start > CLOSURE_MAX:
            raise ValidationError(
                {"end": _("A closure lasts at most %(days)d days.") % {"days": CLOSURE_MAX.days}}
            )


CLOSURE_MAX = timedelta(days=366)


def _countable(
    closures: Iterable[tuple[datetime, datetime]],
) -> Iterator[tuple[datetime, datetime]]:
    """The closures the clocks count around. A row saved before CalendarClosure.clean existed
    (or written past it) may reach year 9999 and leave no business time after it; it is
    skipped, with a warning, so one absurd row cannot fail every new ticket's clock."""
    for start, end in closures:
        if start.year >= YEAR_MIN and end.year <= YEAR_MAX and start <= end <= start + CLOSURE_MAX:
            yield start, end
        else:
            logger.warning("SLA closure %s - %s ignored: outside the allowed range", start, end)


def _within_years(**values: date_type) -> None:
    """core.dates' years, as a model ValidationError (admin forms show it on the field)."""
    errors = {}
    for name, value in values.items():
        try:
            check_year(value.year, name)
        except ValidationFailed as exc:
            errors[name] = exc.first_message()
    if errors:
        raise ValidationError(errors)


class SlaPolicy(Versioned):
    """Ordered policies: the first active one whose conditions all match applies. An empty
    condition matches anything."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    kinds = models.JSONField(
        _("kinds"),
        default=list,
        blank=True,
        validators=[validate_kinds],
        help_text=_("Ticket kinds; none means any."),
    )
    priorities = models.JSONField(
        _("priorities"),
        default=list,
        blank=True,
        validators=[validate_priorities],
        help_text=_("None means any."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="+", verbose_name=_("organisations")
    )
    categories = models.ManyToManyField(
        "tickets.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    teams = models.ManyToManyField(
        "accounts.Team", blank=True, related_name="+", verbose_name=_("teams")
    )
    pause_statuses = models.JSONField(
        _("pausing statuses"),
        default=list,
        blank=True,
        validators=[validate_statuses],
        help_text=_("Statuses that stop the clocks, e.g. Pending."),
    )
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at (%)"), default=75)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_at_percent__gte=1, warn_at_percent__lte=100),
                name="sla_policy_warn_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name


# A year of business time: far beyond any real target, and short enough that a deadline
# stays within the calendar's 200-year horizon even on an 8x5 calendar.
TARGET_MAX_MINUTES = 365 * 24 * 60
TARGET_RANGE = [MinValueValidator(1), MaxValueValidator(TARGET_MAX_MINUTES)]


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=[(p, str(p)) for p in range(1, 6)]
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), validators=TARGET_RANGE
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), validators=TARGET_RANGE
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (minutes)"),
        null=True,
        blank=True,
        validators=TARGET_RANGE,
        help_text=_("After each public reply of the requester; empty for none."),
    )

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="unique_sla_target")
        ]

    def __str__(self) -> str:
        return f"{self.policy} P{self.priority}"

    def minutes_for(self, clock_kind: str) -> int | None:
        return {
            ClockKind.FIRST_RESPONSE: self.first_response_minutes,
            ClockKind.RESOLUTION: self.resolution_minutes,
            ClockKind.NEXT_RESPONSE: self.next_response_minutes,
        }[ClockKind(clock_kind)]


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    NEXT_RESPONSE = "next_response", _("Next response")


class Trigger(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM = "notify_team", _("Notify the team")
    NOTIFY_MANAGERS = "notify_managers", _("Notify the managers")
    REASSIGN_TEAM = "reassign_team", _("Reassign to a team")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")


class SlaEscalation(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger)
    clock = models.CharField(
        _("clock"),
        max_length=16,
        choices=[*ClockKind.choices, ("any", _("Any clock"))],
        default="any",
    )
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For 'reassign to a team' (required) and 'notify the team' (optional)."),
    )

    class Meta:
        ordering = ["policy", "trigger", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.get_action_display()}"

    def clean(self) -> None:
        if self.action == EscalationAction.REASSIGN_TEAM and not self.team_id:
            raise ValidationError({"team": _("Choose the team to reassign to.")})

    def applies_to(self, clock_kind: str) -> bool:
        return self.clock in ("any", clock_kind)


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    STOPPED = "stopped", _("Stopped")


class SlaClock(models.Model):
    """One service-level clock of a ticket. Bookkeeping (see clocks.py):

    business time counted so far = `elapsed` + business time in [running_since, now) when
    `running_since` is set (it is None while paused or finished). `deadline` and `warn_at`
    are absolute instants recomputed whenever counting resumes after business time was
    paused; while paused they keep their last values, which the sweep ignores. A breach is
    never undone: state stays "breached" even if the ticket is then resolved (met_at records
    when), and the clock keeps counting for reports.
    """

    # No index of its own: sla_clock_ticket (ticket, kind) serves every lookup by ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks", db_index=False
    )
    kind = models.CharField(_("clock"), max_length=16, choices=ClockKind)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="clocks"
    )
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    warn_at_percent = models.PositiveSmallIntegerField(default=75)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    running_since = models.DateTimeField(null=True, blank=True)
    elapsed = models.DurationField(_("elapsed business time"))
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)

    class Meta:
        ordering = ["ticket", "started_at", "id"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            # One first-response and one resolution clock per ticket; next-response clocks
            # are one per requester reply cycle.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=~Q(kind="next_response"),
                name="unique_sla_clock_per_kind",
            )
        ]
        indexes = [
            # What the sweep scans: only clocks still due to warn / to breach.
            models.Index(
                fields=["warn_at"],
                name="sla_clock_due_warning",
                condition=Q(state="running", warned_at__isnull=True),
            ),
            models.Index(
                fields=["deadline"],
                name="sla_clock_due_breach",
                condition=Q(state="running", breached_at__isnull=True),
            ),
            models.Index(fields=["ticket", "kind"], name="sla_clock_ticket"),
            models.Index(fields=["state", "deadline"], name="sla_clock_state_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.kind}:{self.state}"

    @property
    def is_counting(self) -> bool:
        return self.running_since is not None
