"""API authentication: a personal bearer token, or the browser session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from atiende.accounts.actions import api_token_authenticate
from atiende.core.middleware import activate_time_zone


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
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
