"""The profile page: language, time zone and personal API tokens. For every role."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, Forbidden
from atiende.core.forms import apply_domain_error

from . import actions, profile_cards, selectors
from .forms import PreferencesForm, TokenCreateForm
from .models import User


class AuthenticatedRequest(HttpRequest):
    """What login_required guarantees: request.user is a real User (for type checking)."""

    user: User


def _render_profile(
    request: AuthenticatedRequest,
    *,
    preferences_form: PreferencesForm | None = None,
    token_form: TokenCreateForm | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    tokens = selectors.tokens_of(user)
    context = {
        "nav": "profile",
        "preferences_form": preferences_form
        or PreferencesForm(
            initial={
                "language": user.language,
                "time_zone": user.time_zone,
                "email_notifications": user.email_notifications,
            }
        ),
        "token_form": token_form or TokenCreateForm(),
        "tokens": tokens,
        "can_create_tokens": tokens_enabled(user),
        "show_tokens": tokens_enabled(user) or bool(tokens),
        "new_secret": new_secret,
        "cards": profile_cards.for_user(user),  # other domains' cards (notifications)
    }
    response = render(request, "accounts/profile.html", context, status=status)
    if new_secret:
        # The secret is shown once: never cache this page.
        response["Cache-Control"] = "no-store"
    return response


def tokens_enabled(user: User) -> bool:
    """Personal API tokens on the account page: for agents; for requesters only where the
    desk offers them (settings.REQUESTER_API_TOKENS). A requester who has tokens still sees
    them, to revoke them."""
    return user.is_agent or settings.REQUESTER_API_TOKENS


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    return _render_profile(request)


@login_required
@require_POST
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, preferences_form=form, status=422)
    try:
        user = actions.preferences_update(
            actor=request.user,
            language=form.cleaned_data["language"],
            time_zone=form.cleaned_data["time_zone"],
            email_notifications=form.cleaned_data["email_notifications"],
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_profile(request, preferences_form=form, status=exc.status_code)
    # Confirm in the language just chosen (the middleware activated the old one).
    with translation.override(user.language or translation.get_language()):
        messages.success(request, _("Your preferences were saved."))
    response = redirect("accounts:profile")
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax", httponly=True
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@login_required
@require_POST
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    if not tokens_enabled(request.user):
        raise Forbidden(_("Personal API tokens are not offered to requesters here."))
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, token_form=form, status=422)
    try:
        issued = actions.api_token_create(
            actor=request.user,
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_profile(request, token_form=form, status=exc.status_code)
    return _render_profile(request, new_secret=issued.secret, status=201)


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = actions.api_token_revoke(actor=request.user, token_id=token_id)
    messages.success(
        request, _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name}
    )
    return redirect("accounts:profile")


# Set by the sign-in view on a person's first sign-in; base.html then loads timezone.js.
TIME_ZONE_PENDING = "atiende_time_zone_pending"


@login_required
@require_POST
def browser_time_zone(request: AuthenticatedRequest) -> HttpResponse:
    """The browser's time zone, posted once after a first sign-in (static/atiende/timezone.js).
    204 whether or not it was used; 400 for a name that is not a time zone."""
    if not request.session.pop(TIME_ZONE_PENDING, False):
        return HttpResponse(status=204)
    try:
        actions.time_zone_from_browser(
            actor=request.user, time_zone=request.POST.get("time_zone", "")[:64]
        )
    except DomainError as exc:
        detail = " ".join(m for messages_ in exc.errors.values() for m in messages_)
        return HttpResponse(
            detail or exc.detail, status=400, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse(status=204)
