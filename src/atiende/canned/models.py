"""Canned responses: texts an agent inserts into a reply, personal, for a team or for
everyone, in Spanish, English or any language, with a few fixed placeholders
(placeholders.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    TEAM = "team", _("Team")
    GLOBAL = "global", _("Everyone")


class Language(models.TextChoices):
    ANY = "any", _("Any language")
    ES = "es", _("Spanish")
    EN = "en", _("English")


TITLE_MAX = 120
BODY_MAX = 20_000


class CannedResponse(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {{requester.first_name}}, {{requester.name}}, {{ticket.number}}, "
            "{{ticket.title}}, {{agent.first_name}}, {{agent.name}}."
        ),
    )
    language = models.CharField(_("language"), max_length=3, choices=Language, default="any")
    scope = models.CharField(_("shared with"), max_length=8, choices=Scope)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        constraints = [
            # Exactly the owner of a personal one, the team of a team one, neither otherwise.
            models.CheckConstraint(
                condition=(
                    Q(scope="personal", owner__isnull=False, team__isnull=True)
                    | Q(scope="team", owner__isnull=True, team__isnull=False)
                    | Q(scope="global", owner__isnull=True, team__isnull=True)
                ),
                name="canned_scope_owner_team",
            )
        ]
        indexes = [models.Index(fields=["scope", "title"], name="canned_scope_title")]

    def __str__(self) -> str:
        return self.title
