"""The approver's pages: "My approvals" (pending, or all) and the decision on one approval,
which re-renders the change page when refused."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.accounts.selectors import agent_choices
from atiende.core.errors import DomainError
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only

from .. import actions, selectors
from ..forms import DecisionForm
from ..models import Approval
from .lifecycle import PAGE_SIZE, _render_change, _user


@agents_only
def my_approvals(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pending = request.GET.get("all") != "1"
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.approval_page(user, pending_only=pending, cursor=cursor, limit=PAGE_SIZE)
    except DomainError:
        page = selectors.approval_page(user, pending_only=pending, cursor=None, limit=PAGE_SIZE)
    context = {
        "nav": "approvals",
        "page": page,
        "pending_only": pending,
        "decision_form": DecisionForm(),
        "delegates": agent_choices(user),  # the desk's picker, kept in memory
    }
    return render(request, "changes/approvals.html", context)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@agents_only
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide one approval asked of the user: a change's (a refusal re-renders the change
    page) or a catalogue request's (a refusal is told on "My approvals")."""
    user = _user(request)
    approval = Approval.objects.filter(pk=pk, approver=user).select_related("ticket").first()
    if approval is None:
        raise Http404
    ticket = approval.ticket
    is_change = approval.change_id is not None
    fallback = (
        reverse("changes:change", args=[ticket.number]) + "#approvals"
        if is_change
        else reverse("changes:approvals")
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if not is_change:
            for errors in form.errors.values():
                messages.error(request, " ".join(str(e) for e in errors))
            return redirect(_safe_next(request, fallback))
        return _render_change(request, ticket, status=422, decision_form=form)
    try:
        actions.approval_decide(
            actor=user,
            approval_id=approval.pk,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        if not is_change:
            messages.error(request, exc.first_message())
            return redirect(_safe_next(request, fallback))
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, decision_form=form)
    if form.cleaned_data["decision"] == "approve":
        messages.success(request, _("You approved %(number)s.") % {"number": ticket.number})
    else:
        messages.success(request, _("You rejected %(number)s.") % {"number": ticket.number})
    return redirect(_safe_next(request, fallback))


@agents_only
@require_POST
def approval_delegate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand one of the user's pending approvals to someone else who may approve it; a
    refusal says why on "My approvals"."""
    from atiende.accounts.selectors import person_by_reference

    user = _user(request)
    person = person_by_reference(request.POST.get("to", ""))
    try:
        delegated = actions.approval_delegate(
            actor=user,
            approval_id=pk,
            to_user_id=person.pk if person else None,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from None
        messages.error(request, exc.first_message())
    else:
        messages.success(
            request,
            _("%(name)s now decides this approval in your place.")
            % {"name": delegated.approver.display_name},
        )
    return redirect(_safe_next(request, reverse("changes:approvals")))
