"""API authentication: a personal bearer token, or the browser session (with CSRF)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from atiende.accounts.actions import api_token_lookup
from atiende.accounts.models import TokenScope
from atiende.core.middleware import activate_time_zone

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    """Bearer tokens go through the sign-in throttle (atiende.accounts.throttle): a wrong
    token is a failed sign-in from the client's address, and from a locked-out address wrong
    tokens get 429 until its cool-off ends (and so does the sign-in page). A valid token is
    not refused for its address: it cannot have been guessed, and a shared address must not
    lock programs out; nor does it cost a query. Then expiry (401) and scope (403)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        found = api_token_lookup(token)
        if found is None:
            credentials = {"username": None}
            AxesProxyHandler.update_request(request)
            if not AxesProxyHandler.is_allowed(request, credentials):
                raise HttpError(429, _("Too many failed sign-in attempts. Try again later."))
            user_login_failed.send(sender=TokenAuth, credentials=credentials, request=request)
            return None
        if found.is_expired():
            raise HttpError(401, _("This API token has expired. Create a new one."))
        needed = TokenScope.READ if request.method in SAFE_METHODS else TokenScope.WRITE
        if not found.allows(needed):
            detail = _(
                "This API token's scopes (%(scopes)s) do not allow this; it needs “%(needed)s”."
            )
            raise HttpError(403, detail % {"scopes": found.scopes, "needed": needed})
        user = found.user
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]  # the token-scope rules
        # The preferences middleware ran before we knew the user; answer in their language,
        # and read their naive dates in their time zone.
        if user.language:
            translation.activate(user.language)
        activate_time_zone(user)
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser session. CSRF is enforced for unsafe methods, but only when there is a
    session cookie at all: a request with no credentials is a plain 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if key is None:
            return None
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [TokenAuth(), ActiveSessionAuth()]
