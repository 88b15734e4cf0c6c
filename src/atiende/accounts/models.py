"""People, organisations, teams and API tokens."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from atiende.core import clock
from atiende.core.text import fold


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone.")) from exc


# The account in whose name background work changes tickets (SLA escalations). It never
# appears in people pickers and cannot sign in (unusable password, no tokens).
SYSTEM_USERNAME = "atiende-system"


class Role(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.REQUESTER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("Approves this person's catalogue requests when an item asks for it."),
    )
    is_organization_manager = models.BooleanField(
        _("organisation manager"),
        default=False,
        help_text=_("Sees every ticket of their organisation in the portal."),
    )
    sees_all_tickets = models.BooleanField(
        _("sees all tickets"),
        default=False,
        help_text=_("An agent who sees the tickets of every team, not only their own."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language, blank=True, default=""
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    email_notifications = models.BooleanField(
        _("e-mail notifications"),
        default=True,
        help_text=_("Receive acknowledgements, replies, resolutions and SLA alerts by e-mail."),
    )

    # The names folded (core.text.fold: no accents, no case), kept by save(): the people
    # pickers' prefix search (selectors.people_search) finds "José" from "jose" and "Álvaro"
    # from "ÁLVARO" on SQLite as on PostgreSQL (SQLite's UPPER() knows ASCII only).
    first_name_key = models.CharField(max_length=150, blank=True, default="", editable=False)
    last_name_key = models.CharField(max_length=150, blank=True, default="", editable=False)

    class Meta:
        # Incoming mail finds its sender by address, whatever its case (mail.inbound.intake).
        # The people pickers' prefix searches (selectors.people_search) are range scans on
        # these, on both databases.
        indexes = [
            models.Index(Upper("email"), name="user_email_upper"),
            models.Index(fields=["first_name_key"], name="user_first_name_key"),
            models.Index(fields=["last_name_key"], name="user_last_name_key"),
            models.Index(Upper("username"), name="user_username_upper"),
        ]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs) -> None:
        self.first_name_key = fold(self.first_name)[:150]
        self.last_name_key = fold(self.last_name)[:150]
        fields = kwargs.get("update_fields")
        if fields is not None and {"first_name", "last_name"} & set(fields):
            kwargs["update_fields"] = {*fields, "first_name_key", "last_name_key"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_agent(self) -> bool:
        """Agents, managers and admins work in the desk; requesters use the portal."""
        return self.role != Role.REQUESTER

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    members: models.ManyToManyField[User, TeamMembership] = models.ManyToManyField(
        User, through="TeamMembership", related_name="teams", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, verbose_name=_("team"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("user"))
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_membership")
        ]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class TokenScope(models.TextChoices):
    """What an API token may do. "write" includes "read"; "tokens" (creating and revoking
    tokens) must be granted explicitly, so a leaked token cannot mint itself successors."""

    READ = "read", _("Read (GET only)")
    WRITE = "write", _("Read and write")
    TOKENS = "tokens", _("Manage API tokens")


DEFAULT_TOKEN_SCOPES = ("read", "write")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the secret is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # None: never expires. Expired tokens are refused (401) but kept, like revoked ones.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Space-separated TokenScope values, as in OAuth ("read write").
    scopes = models.CharField(_("scopes"), max_length=50, default=" ".join(DEFAULT_TOKEN_SCOPES))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def allows(self, scope: str) -> bool:
        granted = self.scope_list
        return scope in granted or (scope == TokenScope.READ and TokenScope.WRITE in granted)

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or clock.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
