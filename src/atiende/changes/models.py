"""Tables of the changes domain.

A change IS a `tickets.Ticket` of kind `change` (number CHG-000123, same timeline, same access
rules); `ChangeDetails` holds what only changes have: type, plans, window, risk and review.
Approvals are asked of `Board`s according to `ApprovalPolicy` rows; the risk comes from a
configurable questionnaire (`RiskQuestion`, `RiskChoice`, thresholds in `RiskSettings`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.core.i18n import in_language


class ChangeType(models.TextChoices):
    STANDARD = "standard", _("Standard")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class RiskLevel(models.TextChoices):
    LOW = "low", pgettext_lazy("risk level", "Low")
    MEDIUM = "medium", pgettext_lazy("risk level", "Medium")
    HIGH = "high", pgettext_lazy("risk level", "High")


class ReviewOutcome(models.TextChoices):
    SUCCESS = "success", _("Successful")
    PARTIAL = "partial", _("Partially successful")
    FAILURE = "failure", _("Failed")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("No longer needed")


class Board(models.Model):
    """A group of people who approve changes: the change managers, the CAB, the emergency
    board (ECAB)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_es = models.CharField(
        _("name (Spanish)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to Spanish readers; leave empty to show the name."),
    )
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="change_boards", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("approval board")
        verbose_name_plural = _("approval boards")

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None = None) -> str:
        """The board's name in the reader's language."""
        return in_language(self.name, self.name_es, language)


class ApprovalPolicy(models.Model):
    """Who must approve a change of a type and risk: `required` members of `board`.

    Every active policy that matches the change's type and risk (an empty risk matches every
    risk) applies when the change enters authorisation; all of them must be satisfied.
    """

    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(
        _("name (Spanish)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to Spanish readers; leave empty to show the name."),
    )
    change_type = models.CharField(_("change type"), max_length=16, choices=ChangeType)
    risk_level = models.CharField(
        _("risk"),
        max_length=8,
        choices=RiskLevel,
        blank=True,
        help_text=_("Leave empty to apply to every risk level."),
    )
    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="policies", verbose_name=_("board")
    )
    required = models.PositiveSmallIntegerField(
        _("approvals required"),
        default=1,
        help_text=_("How many members of the board must approve (0 = all of them)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["change_type", "risk_level", "name"]
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None = None) -> str:
        """The policy's name in the reader's language."""
        return in_language(self.name, self.name_es, language)


class ChangeTemplate(models.Model):
    """A pre-approved standard change: the plans are filled in from here."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("backout plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    risk_level = models.CharField(_("risk"), max_length=8, choices=RiskLevel, default=RiskLevel.LOW)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")

    def __str__(self) -> str:
        return self.name


class RiskQuestion(models.Model):
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_es = models.CharField(_("question (Spanish)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("risk question")
        verbose_name_plural = _("risk questions")

    def __str__(self) -> str:
        return self.text()

    def text(self, language: str | None = None) -> str:
        return in_language(self.text_en, self.text_es, language)


class RiskChoice(models.Model):
    question = models.ForeignKey(
        RiskQuestion, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text_en = models.CharField(_("answer (English)"), max_length=200)
    text_es = models.CharField(_("answer (Spanish)"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("risk answer")
        verbose_name_plural = _("risk answers")

    def __str__(self) -> str:
        return self.text()

    def text(self, language: str | None = None) -> str:
        return in_language(self.text_en, self.text_es, language)


class RiskSettings(models.Model):
    """Thresholds of the risk score: a single row (pk=1)."""

    medium_from = models.PositiveSmallIntegerField(
        _("medium from"), default=4, help_text=_("A score at least this is medium risk.")
    )
    high_from = models.PositiveSmallIntegerField(
        _("high from"), default=9, help_text=_("A score at least this is high risk.")
    )

    class Meta:
        verbose_name = _("risk settings")
        verbose_name_plural = _("risk settings")

    def __str__(self) -> str:
        return str(_("Risk settings"))

    @classmethod
    def load(cls) -> RiskSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class ChangeDetails(models.Model):
    """What only a change has; one row per ticket of kind `change`."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="change",
        verbose_name=_("ticket"),
    )
    change_type = models.CharField(
        _("change type"), max_length=16, choices=ChangeType, default=ChangeType.NORMAL
    )
    template = models.ForeignKey(
        ChangeTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("template"),
    )
    reason = models.TextField(_("reason"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("backout plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_changes",
        verbose_name=_("implementer"),
    )
    risk_level = models.CharField(_("risk"), max_length=8, choices=RiskLevel, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)
    risk_assessed_at = models.DateTimeField(_("risk assessed"), null=True, blank=True)
    review_outcome = models.CharField(
        _("review outcome"), max_length=8, choices=ReviewOutcome, blank=True
    )
    review_notes = models.TextField(_("review notes"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("change details")
        verbose_name_plural = _("change details")
        indexes = [
            # Range queries (calendar, conflicts): planned_start < end AND planned_end > start.
            models.Index(
                fields=["planned_start", "planned_end"],
                name="change_planned_window",
                condition=Q(planned_start__isnull=False),
            ),
            models.Index(
                fields=["planned_end", "planned_start"],
                name="change_planned_end",
                condition=Q(planned_end__isnull=False),
            ),
            models.Index(fields=["change_type", "planned_start"], name="change_type_start"),
            models.Index(fields=["reviewed_at"], name="change_reviewed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=models.F("planned_start")),
                name="change_planned_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return str(self.ticket_id)


class RiskAnswer(models.Model):
    """One answer of a change's risk questionnaire; the weight is kept as answered, so a later
    edit of the questionnaire does not rewrite past assessments."""

    change = models.ForeignKey(ChangeDetails, on_delete=models.CASCADE, related_name="risk_answers")
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(RiskChoice, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("risk assessment answer")
        verbose_name_plural = _("risk assessment answers")
        constraints = [
            models.UniqueConstraint(fields=["change", "question"], name="unique_risk_answer")
        ]

    def __str__(self) -> str:
        return f"{self.change_id}:{self.question_id}"


class Approval(models.Model):
    """One approver's decision on one ticket: a change (under one policy of one board) or a
    catalogue request (under one approval step of its item). The one approval row of the
    desk: one decision action, one "My approvals" (docs/catalogue.md "Approvals")."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="approvals",
        verbose_name=_("ticket"),
        db_index=False,  # led by approval_ticket
    )
    change = models.ForeignKey(
        ChangeDetails,
        on_delete=models.CASCADE,
        related_name="approvals",
        verbose_name=_("change"),
        null=True,
        blank=True,
        db_index=False,  # led by approval_change
    )
    step = models.ForeignKey(
        "catalogue.ApprovalStep",
        on_delete=models.SET_NULL,
        related_name="approvals",
        verbose_name=_("approval step"),
        null=True,
        blank=True,
        db_index=False,  # the item's steps are few; read through the ticket
    )
    policy = models.ForeignKey(
        ApprovalPolicy,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("policy"),
        null=True,
        blank=True,
    )
    board = models.ForeignKey(
        Board,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("board"),
        null=True,
        blank=True,
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="change_approvals",
        verbose_name=_("approver"),
        db_index=False,  # led by approval_approver_status
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus, default=ApprovalStatus.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("requested"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The last reminder sent to the approver (actions.approval_reminders_send), or when a
    # delegate was asked: at most one reminder a day.
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [
            models.Index(fields=["change", "status"], name="approval_change"),
            models.Index(fields=["ticket", "status"], name="approval_ticket"),
            models.Index(
                fields=["approver", "status", "-created_at", "-id"],
                name="approval_approver_status",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "policy", "approver"],
                condition=Q(status="pending"),
                name="unique_pending_approval",
            ),
            models.UniqueConstraint(
                fields=["ticket", "step", "approver"],
                condition=Q(status="pending", step__isnull=False),
                name="unique_pending_step_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.approver_id}:{self.status}"

    def save(self, *args, **kwargs) -> None:
        # A change's details are keyed by its ticket: a change's approval is that ticket's.
        if self.ticket_id is None and self.change_id is not None:
            self.ticket_id = self.change_id
        super().save(*args, **kwargs)


# Calendar -------------------------------------------------------------------------------------
# Blackout windows (freezes), the schedule conflicts found between changes, and the private
# links of the iCalendar feed (see docs/change-calendar.md).


class BlackoutWindow(models.Model):
    """A freeze: no change may be scheduled inside it, except emergency changes or with an
    override whose reason is recorded in the change's timeline. An empty scope covers every
    service and item."""

    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.TextField(_("reason"), blank=True)
    items = models.ManyToManyField(
        "cmdb.ConfigurationItem",
        blank=True,
        related_name="blackout_windows",
        verbose_name=_("services and items"),
        help_text=_("Leave empty to freeze everything."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("blackout window")
        verbose_name_plural = _("blackout windows")
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="blackout_window")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConflictKind(models.TextChoices):
    SAME_ITEM = "same_item", _("Same item")
    SHARED_SERVICE = "shared_service", _("Shared service")
    BLACKOUT = "blackout", _("Blackout window")


class ChangeConflict(models.Model):
    """A conflict found when a change was scheduled (recomputed when its window or items
    change): with another change (stored for both of them) or with a blackout window."""

    change = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="schedule_conflicts",
        verbose_name=_("change"),
        db_index=False,  # led by conflict_change
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ConflictKind)
    other = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other change"),
    )
    blackout = models.ForeignKey(
        BlackoutWindow,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("blackout window"),
    )
    item_ids = models.JSONField(_("shared items"), default=list, blank=True)
    service_ids = models.JSONField(_("shared services"), default=list, blank=True)
    detected_at = models.DateTimeField(_("detected"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("schedule conflict")
        verbose_name_plural = _("schedule conflicts")
        indexes = [models.Index(fields=["change", "kind"], name="conflict_change")]
        constraints = [
            models.CheckConstraint(
                condition=Q(other__isnull=False, blackout__isnull=True)
                | Q(other__isnull=True, blackout__isnull=False),
                name="conflict_other_xor_blackout",
            )
        ]

    def __str__(self) -> str:
        return f"{self.change_id}:{self.kind}:{self.other_id or self.blackout_id}"


class CalendarFeedToken(models.Model):
    """The secret in a person's calendar feed URL (calendar applications cannot sign in).
    Only a SHA-256 digest is stored; a new link revokes the previous one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
        verbose_name=_("user"),
    )
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed link")
        verbose_name_plural = _("calendar feed links")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.prefix}…)"


class ChangeFootprint(models.Model):
    """What a change touches, kept for the conflict check: its affected items and the
    services they serve (transitively). Written whenever the change's conflicts are
    recomputed, so checking one change reads its neighbours' footprints instead of walking
    the CMDB from each of them. Trusted only while the impact graph is at the version it
    was walked on (`cmdb.graph`): any change to relations or services walks it again."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="change_footprint",
        verbose_name=_("change"),
    )
    item_ids = models.JSONField(_("items"), default=list, blank=True)
    service_ids = models.JSONField(_("services"), default=list, blank=True)
    graph_version = models.BigIntegerField(_("impact graph version"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("change footprint")
        verbose_name_plural = _("change footprints")

    def __str__(self) -> str:
        return str(self.ticket_id)


class ScheduleBound(models.Model):
    """The longest planned window of any change, kept (a single row, pk=1) so that range
    queries can bound their index scan: a change overlapping [start, end) starts after
    start - longest. Grows as windows are saved; computed again from the changes when
    missing, when the longest window shrinks, and when it is longer than a window may be
    (changes.conflicts.MAX_WINDOW: only an old or hand-edited row can be)."""

    longest_seconds = models.PositiveBigIntegerField(_("longest planned window (seconds)"))

    class Meta:
        verbose_name = _("schedule bound")
        verbose_name_plural = _("schedule bounds")

    def __str__(self) -> str:
        return str(self.longest_seconds)
