"""The signed-in user of a request, read with their team ids in one statement."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .models import User
from .selectors import user_with_team_ids

# What every session signed in by a password (the login form) or by `force_login` names.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SessionUserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, whose `request.user` comes with its team ids: the
    user row and their memberships in one statement instead of two (every agent page asks
    the access rule, tickets.selectors.visibility, for them)."""

    def process_request(self, request):
        super().process_request(request)  # request.auser, and the checks on the session
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


def session_user(request) -> User | AnonymousUser:
    """django.contrib.auth.get_user (Django 5.2) for a session signed in through ModelBackend,
    with the user read by `user_with_team_ids`: the same rules (an inactive or deleted user is
    nobody; a session whose auth hash no longer matches, e.g. after a password change, is
    flushed, or re-keyed when it matches a fallback secret). Any other backend: Django's."""
    session = request.session
    if session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND or SESSION_KEY not in session:
        return auth.get_user(request)
    if MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = user_with_team_ids(User._meta.pk.to_python(session[SESSION_KEY]))  # type: ignore[union-attr]
    if user is None or not user.is_active:  # ModelBackend.user_can_authenticate
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = auth_hash
        return user
    session.flush()
    return AnonymousUser()
