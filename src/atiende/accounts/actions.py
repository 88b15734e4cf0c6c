"""The only code that changes accounts state."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.queries import column_list, from_row

from .models import SYSTEM_USERNAME, ApiToken, Organization, Role, Team, TeamMembership, User

TOKEN_PREFIX = "atd_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = Role.REQUESTER,
    first_name: str = "",
    last_name: str = "",
    organization_name: str | None = None,
    team_name: str | None = None,
    is_organization_manager: bool = False,
    sees_all_tickets: bool = False,
    language: str = "",
    time_zone: str = "UTC",
    check_password: bool = True,
    actor: User | None = None,
) -> User:
    """Create a user; a missing organisation or team named here is created too. `actor` is
    who did it, for the audit log (None: the command line or the demo data)."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("A username is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is already taken.")]
    if role not in Role.values:
        errors["role"] = [_("Unknown role.")]
    if password and check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors=errors)
    organization = None
    if organization_name:
        organization, created = Organization.objects.get_or_create(name=organization_name)
        if created:
            record_change(actor=actor, action=Action.CREATED, obj=organization)
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        organization=organization,
        is_organization_manager=is_organization_manager,
        sees_all_tickets=sees_all_tickets,
        language=language,
        time_zone=time_zone,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_change(actor=actor, action=Action.CREATED, obj=user)
    if team_name:
        team, created = Team.objects.get_or_create(name=team_name)
        if created:
            record_change(actor=actor, action=Action.CREATED, obj=team)
        membership = TeamMembership.objects.create(team=team, user=user)
        record_change(actor=actor, action=Action.CREATED, obj=membership)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def api_token_create(*, actor: User, user: User, name: str = "") -> IssuedToken:
    if actor.pk != user.pk and not actor.is_admin:
        raise Forbidden()
    name = (name or "").strip()[:100] or _("Personal token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=hash_token(secret)
    )
    record_change(actor=actor, action=Action.CREATED, obj=token)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    tokens = ApiToken.objects.select_for_update()
    if not actor.is_admin:
        tokens = tokens.filter(user=actor)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record_change(actor=actor, action=Action.UPDATED, obj=token, before=before)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a bearer token, or None. Touches last_used_at at most per minute.

    Every API request runs this: one hand-written join read into instances (core.queries),
    because compiling the same ORM query each time cost three times its execution."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [hash_token(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token, end = from_row(ApiToken, row)
    user, end = from_row(User, row, end)
    organization, _end = from_row(Organization, row, end)
    assert token is not None and user is not None  # inner joins
    User.organization.field.set_cached_value(user, organization)
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@cache
def _token_sql() -> str:
    quote = connection.ops.quote_name
    token, user, org = (quote(m._meta.db_table) for m in (ApiToken, User, Organization))
    return (
        f"SELECT {column_list(ApiToken, 't')}, {column_list(User, 'u')}, "  # noqa: S608
        f"{column_list(Organization, 'o')} FROM {token} t "
        f"JOIN {user} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"LEFT JOIN {org} o ON o.{quote('id')} = u.{quote('organization_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND u.{quote('is_active')}"
    )


@transaction.atomic
def preferences_update(
    *, actor: User, language: str, time_zone: str, email_notifications: bool | None = None
) -> User:
    errors: dict[str, list[str]] = {}
    if language and language not in ("en", "es"):
        errors["language"] = [_("Unknown language.")]
    try:
        from .models import validate_time_zone

        validate_time_zone(time_zone)
    except ValidationError:
        errors["time_zone"] = [_("Unknown time zone.")]
    if errors:
        raise ValidationFailed(errors=errors)
    actor.language = language
    actor.time_zone = time_zone
    fields = ["language", "time_zone"]
    if email_notifications is not None:
        actor.email_notifications = email_notifications
        fields.append("email_notifications")
    actor.save(update_fields=fields)
    return actor


def system_actor() -> User:
    """The user in whose name the sweep changes tickets (reassign, raise priority): an admin
    so every ticket is visible to it, active because selectors ignore inactive users, with an
    unusable password and no tokens, so nobody can sign in as it."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user, _created = User.objects.get_or_create(
            username=SYSTEM_USERNAME,
            defaults={
                "role": Role.ADMIN,
                "first_name": "Atiende",
                "is_active": True,
                "password": make_password(None),
            },
        )
    return user
