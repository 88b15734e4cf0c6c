"""The desk's "Canned responses" page: an agent keeps their personal responses here and reads
the ones their teams and everyone share (managers keep those in the admin)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, NotFound
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only

from . import actions, selectors
from .forms import PersonalResponseForm
from .models import Scope


def _page(request, form: PersonalResponseForm, *, editing=None, status: int = 200):
    rows = list(selectors.responses_visible_to(request.user).select_related("team"))
    return render(
        request,
        "canned/list.html",
        {
            "nav": "canned",
            "form": form,
            "editing": editing,
            "personal": [r for r in rows if r.scope == Scope.PERSONAL],
            "shared": [r for r in rows if r.scope != Scope.PERSONAL],
        },
        status=status,
    )


@agents_only(others_to="portal:home")
def response_list(request):
    if request.method != "POST":
        return _page(request, PersonalResponseForm())
    form = PersonalResponseForm(request.POST)
    if form.is_valid():
        try:
            actions.personal_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Canned response saved."))
            return redirect("canned:list")
    return _page(request, form, status=422)


@agents_only
def response_edit(request, response_id: int):
    response = selectors.personal_of(request.user).filter(pk=response_id).first()
    if response is None:
        raise NotFound()
    if request.method != "POST":
        initial = {"title": response.title, "language": response.language, "body": response.body}
        return _page(request, PersonalResponseForm(initial=initial), editing=response)
    form = PersonalResponseForm(request.POST)
    if form.is_valid():
        try:
            actions.personal_update(
                actor=request.user, response_id=response.pk, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Canned response saved."))
            return redirect("canned:list")
    return _page(request, form, editing=response, status=422)


@require_POST
@agents_only
def response_delete(request, response_id: int):
    actions.personal_delete(actor=request.user, response_id=response_id)
    messages.success(request, _("Canned response deleted."))
    return redirect("canned:list")
