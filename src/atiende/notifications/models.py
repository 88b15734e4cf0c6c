"""In-app notifications. A notification stores a message key and its parameters, not text,
so it is rendered in the reader's language when shown (see messages.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    verb = models.CharField(_("message"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_recent"),
            models.Index(
                fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.verb}"

    @property
    def message(self) -> str:
        from .messages import render

        return render(self.verb, self.params)


class Channel(models.TextChoices):
    APP = "app", _("In the app")
    EMAIL = "email", _("By e-mail")


class Preference(models.Model):
    """One choice for one event and channel (notifications.preferences.EVENTS): a person's own
    (`user` set) or a team's default (`team` set, by administrators). What nobody chose
    follows the defaults in code; a person's choice beats their teams' defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("user"),
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("team"),
    )  # fmt: skip
    event = models.CharField(_("event"), max_length=20)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event", "channel"],
                name="preference_user_unique",
                condition=Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["team", "event", "channel"],
                name="preference_team_unique",
                condition=Q(team__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(team__isnull=True), name="preference_one_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.team_id}:{self.event}:{self.channel}={self.enabled}"
