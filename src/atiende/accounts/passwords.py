"""Password pages: reset by e-mail, the invitation link, and change password.

Django's auth views with our templates; mail goes through the outbox (accounts.actions
publishes, mail.outbound.notify queues), rendered at delivery in the reader's language.
- Reset: the same page and status whether the address is known or not, and the same work
  (one outbox row; who owns the address is decided at delivery). Throttled per client address
  and per e-mail (accounts.throttle.reset_allowed); over the limit, a 429 that is also the
  same for every address.
- Links are single-use and expire (accounts.tokens); a set password invalidates them.
- Change password needs the current one; Django keeps this session (update_session_auth_hash)
  and every other session of the user ends, since sessions carry a hash of the password.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import actions
from .throttle import reset_allowed
from .tokens import invitation_tokens


class ResetRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = ResetRequestForm  # type: ignore[assignment]
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        email = form.cleaned_data["email"]
        if not reset_allowed(get_client_ip_address(self.request), email):
            return render(
                self.request,
                self.template_name,
                {"form": form, "throttled": True},
                status=429,
            )
        actions.password_reset_request(email=email, language=translation.get_language() or "")
        return HttpResponseRedirect(self.get_success_url())  # never Django's form.save()


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set_form.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        actions.password_set(user=form.user)
        return response

    def render_to_response(self, context, **kwargs):  # type: ignore[no-untyped-def]
        response = super().render_to_response(context, **kwargs)
        if not context.get("validlink"):
            response.status_code = 400  # an expired or used link is not a page that worked
        return response


class PasswordResetConfirmView(_SetPasswordView):
    title = gettext_lazy("Choose a new password")


class InvitationConfirmView(_SetPasswordView):
    title = gettext_lazy("Choose your password")
    token_generator = invitation_tokens


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        actions.password_set(user=form.user)
        messages.success(
            self.request, _("Your password was changed. Other sessions were signed out.")
        )
        return response
