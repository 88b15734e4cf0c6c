"""Writes of the change calendar: blackout windows and the private links of the iCalendar feed.
Same rules as every action module: keyword-only, one transaction, access checked, input
validated with field errors, side effects after commit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.actions import hash_token
from atiende.accounts.models import User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.cmdb.models import ConfigurationItem
from atiende.core import clock
from atiende.core.dates import parse_moment
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.core.sanitize import clean_text

from .. import conflicts
from ..models import BlackoutWindow, CalendarFeedToken

FEED_PREFIX = "cal_"
NAME_MAX = 200
REASON_MAX = 5000
SCOPE_MAX = 500


def _require_manager(actor: User) -> None:
    if not (actor.is_active and actor.is_agent):
        raise NotFound()
    if not actor.is_manager:
        raise Forbidden(_("Only change managers and administrators manage blackout windows."))


def _scope(item_ids: Iterable[Any]) -> list[int]:
    ids: set[int] = set()
    for value in item_ids:
        pk = parse_id(value)
        if pk is None:
            raise ValidationFailed.field("items", _("Unknown service or item."))
        ids.add(pk)
    if len(ids) > SCOPE_MAX:
        raise ValidationFailed.field("items", _("Too many services and items."))
    found = set(ConfigurationItem.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise ValidationFailed.field("items", _("Unknown service or item."))
    return sorted(ids)


def blackout_create(
    *,
    actor: User,
    name: str,
    starts_at: datetime | str,
    ends_at: datetime | str,
    reason: str = "",
    item_ids: Iterable[Any] = (),
) -> BlackoutWindow:
    """Add a blackout window (a freeze); the changes it covers get the conflict at once."""
    _require_manager(actor)
    name = clean_text(name or "").replace("\n", " ").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Keep the name under %(max)d characters.") % {"max": NAME_MAX}]
    reason = clean_text(reason or "")
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("This text is too long.")]
    moments: dict[str, datetime] = {}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        try:
            moment = parse_moment(value, field=field, end_of_day=field == "ends_at")
            if moment is None:
                raise ValidationFailed.field(field, _("This field is required."))
            moments[field] = moment
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if len(moments) == 2 and moments["ends_at"] <= moments["starts_at"]:
        errors["ends_at"] = [_("The end must be after the start.")]
    if errors:
        raise ValidationFailed(errors=errors)
    scope = _scope(item_ids)
    with transaction.atomic():
        blackout = BlackoutWindow.objects.create(
            name=name,
            starts_at=moments["starts_at"],
            ends_at=moments["ends_at"],
            reason=reason,
            created_by=actor,
            created_at=clock.now(),
        )
        blackout.items.set(scope)
        record_change(
            actor=actor,
            action=Action.CREATED,
            obj=blackout,
            after=snapshot(blackout, m2m=["items"]),
        )
        conflicts.refresh_blackout(blackout.pk)
    return blackout


@dataclass
class IssuedFeed:
    token: CalendarFeedToken
    secret: str


def feed_token_create(*, actor: User) -> IssuedFeed:
    """A new private feed link for `actor` (agents only); the previous one stops working.
    The secret is returned once and only its digest is stored."""
    if not (actor.is_active and actor.is_agent):
        raise NotFound()
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
        token = CalendarFeedToken.objects.create(
            user=actor, prefix=secret[:12], digest=hash_token(secret), created_at=now
        )
    return IssuedFeed(token=token, secret=secret)


def feed_token_revoke(*, actor: User) -> int:
    """Revoke the actor's feed links; answers how many were active."""
    return CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


def feed_user(secret: str) -> User | None:
    """The active agent behind a feed secret, or None (revoked, unknown, deactivated)."""
    if not secret or not secret.startswith(FEED_PREFIX) or len(secret) > 100:
        return None
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(digest=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.user.is_agent:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def active_feed(actor: User) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).first()
