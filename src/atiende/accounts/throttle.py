"""Sign-in throttling: django-axes with three counters, each with its own limit.

axes compares the largest of its counters with one limit (AXES_FAILURE_LIMIT); its maintainers
point to a custom handler for distinct limits (jazzband/django-axes#661). Counted within the
cool-off window (AXES_COOLOFF_TIME), failures lock:
- one username from one address after LOGIN_FAILURE_LIMIT (someone mistyping);
- one username from any address after LOGIN_USERNAME_FAILURE_LIMIT (guessing one account's
  password from many addresses), except from an address this user signed in from before:
  an attacker elsewhere cannot keep the owner out;
- one address for any username after LOGIN_ADDRESS_FAILURE_LIMIT (one password sprayed over
  many usernames).
A lockout ends when the cool-off has passed since the last counted failure; failures while
locked out are not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), so it is
bounded. A correct password then resets only that username-and-address pair: a successful
sign-in never wipes out the failures others caused.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from atiende.core import clock
from atiende.core.ratelimit import hit

# How long a successful sign-in makes an address "known" for that user.
KNOWN_ADDRESS_DAYS = 90


def username_key(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username counted against: case-folded, so "Alice" and "alice" share a counter."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")  # set by axes.conf
    if credentials is not None:
        username = credentials.get(field)
    else:
        username = request.POST.get(field) if request is not None else None
    return username.strip().casefold() if isinstance(username, str) else username


class SignInThrottleHandler(AxesDatabaseHandler):
    def _failures(self, **match) -> int:
        attempts = AccessAttempt.objects.filter(**match)
        cool_off = get_cool_off()
        if cool_off is not None:
            attempts = attempts.filter(attempt_time__gte=clock.now() - cool_off)
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def _known_address(self, username: str, address: str | None) -> bool:
        since = clock.now() - timedelta(days=KNOWN_ADDRESS_DAYS)
        # AccessLog keeps the username as the user spells it; counters use the folded one.
        return AccessLog.objects.filter(
            username__iexact=username, ip_address=address, attempt_time__gte=since
        ).exists()

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The pair's failures, or the pair limit itself once another counter is over its own
        limit (axes locks when this reaches AXES_FAILURE_LIMIT, the pair limit)."""
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        pair_limit = settings.AXES_FAILURE_LIMIT
        pair = self._failures(username=username, ip_address=address) if username else 0
        over = self._failures(ip_address=address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        if username and not over and not self._known_address(username, address):
            over = self._failures(username=username) >= settings.LOGIN_USERNAME_FAILURE_LIMIT
        return max(pair, pair_limit) if over else pair

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful sign-in: forget this username's failures from this address only."""
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(
            username=username, ip_address=getattr(request, "axes_ip_address", None)
        ).delete()
        return count


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """429: the page for a person, the API's JSON error shape for a program."""
    if request.path.startswith("/api/"):
        detail = _("Too many failed sign-in attempts. Try again later.")
        return JsonResponse({"detail": detail, "errors": {}}, status=429)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)


# --- password reset requests ------------------------------------------------------------------
# Counted in the cache (Redis when configured), per client address and per e-mail address,
# over PASSWORD_RESET_WINDOW seconds. Known and unknown addresses count alike, so the limit
# itself says nothing about who has an account.


def reset_allowed(address: str | None, email: str) -> bool:
    """Count one reset request; False when either counter is over its limit."""
    window = settings.PASSWORD_RESET_WINDOW
    folded = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    by_address = hit(f"atiende:reset:ip:{address or '-'}", window=window)
    by_email = hit(f"atiende:reset:email:{folded}", window=window)
    return (
        by_address <= settings.PASSWORD_RESET_PER_ADDRESS
        and by_email <= settings.PASSWORD_RESET_PER_EMAIL
    )
