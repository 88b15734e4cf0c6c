"""The only code that changes accounts state."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from atiende.audit.actions import SECRET, record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.events import publish
from atiende.core.queries import column_list, from_row

from .events import PasswordResetRequested, UserInvited
from .models import (
    DEFAULT_TOKEN_SCOPES,
    SYSTEM_USERNAME,
    ApiToken,
    Organization,
    Role,
    Team,
    TeamMembership,
    TokenScope,
    User,
)

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
    invite: bool = False,
) -> User:
    """Create a user; a missing organisation or team named here is created too. `actor` is
    who did it, for the audit log (None: the command line or the demo data). With `invite`,
    a person without a password is mailed a link to set one (user_invite)."""
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
    if invite:
        user_invite(user)
    return user


def user_invite(user: User) -> bool:
    """Mail `user` a link to set a password (the outbox writes it in this transaction), when
    they can use one: active, with an address, and no password yet."""
    if not user.is_active or not user.email or user.has_usable_password():
        return False
    if user.username == SYSTEM_USERNAME:
        return False
    publish(UserInvited(user_id=user.pk))
    return True


def password_reset_request(*, email: str, language: str) -> None:
    """Ask for a reset link. Whether `email` belongs to anyone is decided at delivery, never
    here: known and unknown addresses take the same path."""
    email = (email or "").strip()[:254]
    if email:
        publish(PasswordResetRequested(email=email, language=language))


def password_set(*, user: User, actor: User | None = None) -> None:
    """Record that `user` set or changed their password (the form has saved it)."""
    record_change(
        actor=actor or user, action=Action.UPDATED, obj=user, changes={"password": SECRET}
    )


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


MAX_TOKEN_DAYS = 3650


def _check_token_rules(
    *, scopes: list[str], expires_in_days: int | None, via_token: ApiToken | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = [scope for scope in scopes if scope not in TokenScope.values]
    if not scopes or unknown:
        errors["scopes"] = [
            _("Choose scopes among: %(scopes)s.") % {"scopes": ", ".join(TokenScope.values)}
        ]
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = [
            _("A token expires after 1 to %(max)d days, or never.") % {"max": MAX_TOKEN_DAYS}
        ]
    if via_token is not None and not errors:
        # A token never grants more than it has, nor outlives itself.
        beyond = [scope for scope in scopes if not via_token.allows(scope)]
        if beyond:
            errors["scopes"] = [
                _("This token cannot grant scopes it does not have: %(scopes)s.")
                % {"scopes": ", ".join(beyond)}
            ]
        if via_token.expires_at is not None:
            ends = clock.now() + timedelta(days=expires_in_days or MAX_TOKEN_DAYS)
            if expires_in_days is None or ends > via_token.expires_at:
                errors["expires_in_days"] = [
                    _("A token created with a token must expire no later than it does.")
                ]
    return errors


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    user: User,
    name: str = "",
    scopes: list[str] | None = None,
    expires_in_days: int | None = None,
    via_token: ApiToken | None = None,
) -> IssuedToken:
    """Issue a token. via_token: the API token the request came with, if any; it needs the
    "tokens" scope, which a browser session or the command line does not."""
    if actor.pk != user.pk and not actor.is_admin:
        raise Forbidden()
    if via_token is not None and not via_token.allows(TokenScope.TOKENS):
        raise Forbidden(_("This token may not create tokens: it lacks the “tokens” scope."))
    scopes = list(dict.fromkeys(scopes if scopes is not None else DEFAULT_TOKEN_SCOPES))
    errors = _check_token_rules(scopes=scopes, expires_in_days=expires_in_days, via_token=via_token)
    if errors:
        raise ValidationFailed(errors=errors)
    name = (name or "").strip()[:100] or _("Personal token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        digest=hash_token(secret),
        scopes=" ".join(scopes),
        expires_at=expires_at,
    )
    record_change(actor=actor, action=Action.CREATED, obj=token)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int, via_token: ApiToken | None = None) -> ApiToken:
    if via_token is not None and not via_token.allows(TokenScope.TOKENS):
        raise Forbidden(_("This token may not revoke tokens: it lacks the “tokens” scope."))
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


def api_token_lookup(secret: str) -> ApiToken | None:
    """The unrevoked token of an active user behind a bearer secret (its user loaded), or None;
    expired tokens too, so the caller can say so. Touches last_used_at at most per minute.

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
    ApiToken.user.field.set_cached_value(token, user)
    now = clock.now()
    if token.is_expired(now):
        return token
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a valid (unrevoked, unexpired) bearer token, or None."""
    token = api_token_lookup(secret)
    return None if token is None or token.is_expired() else token.user


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


def time_zone_from_browser(*, actor: User, time_zone: str) -> bool:
    """On a first sign-in, the browser's time zone, unless the person has one already (any
    other than the default UTC). True if it was set."""
    from .models import validate_time_zone

    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise ValidationFailed(errors={"time_zone": [_("Unknown time zone.")]}) from exc
    updated = User.objects.filter(pk=actor.pk, time_zone="UTC").update(time_zone=time_zone)
    if updated:
        actor.time_zone = time_zone
    return bool(updated)


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
