"""Survey pages: the one-click rating links (no sign-in), the portal widget's answer, the
results with their drill-down, the follow-up of a poor rating and the settings page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from atiende.core import clock
from atiende.core.dates import check_range, parse_moment
from atiende.core.errors import DomainError, Forbidden, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.ids import parse_id
from atiende.tickets.selectors import ticket_get

from . import actions, export, links, selectors
from .forms import SettingsForm
from .models import FollowUpStatus, Rating, SurveySettings

# --- the links of the e-mail (no sign-in) --------------------------------------------------------


def _refused(request: HttpRequest, reason: str, status: int, language: str = "") -> HttpResponse:
    with translation.override(language or translation.get_language()):
        return render(request, "surveys/link.html", {"reason": reason}, status=status)


@require_http_methods(["GET"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The first click records the rating (one click, no sign-in); the link is then spent,
    and the person goes on to the comment page. Altered links answer 400, expired or used
    ones 410, in the person's language."""
    try:
        link = links.read_rate_token(token)
    except links.LinkInvalid:
        return _refused(request, "invalid", 400)
    except links.LinkOver as exc:
        return _refused(request, exc.reason, 410, exc.language)
    invitation = link.invitation
    try:
        actions.answer(actor=invitation.person, invitation_id=invitation.pk, rating=link.rating)
    except DomainError as exc:  # e.g. expired between the read and the write
        return _refused(request, "expired", exc.status_code if exc.status_code < 500 else 410,
                        invitation.person.language)  # fmt: skip
    return redirect("surveys:comment", token=links.comment_token(invitation))


@csrf_protect
@require_http_methods(["GET", "POST"])
def comment(request: HttpRequest, token: str) -> HttpResponse:
    """After the click: thanks, and a form to add a comment (or change the rating)."""
    try:
        link = links.read_comment_token(token)
    except links.LinkInvalid:
        return _refused(request, "invalid", 400)
    except links.LinkOver as exc:
        return _refused(request, exc.reason, 410, exc.language)
    invitation = link.invitation
    with translation.override(invitation.person.language or translation.get_language()):
        response = invitation.response
        context = {"invitation": invitation, "ticket": invitation.ticket, "response": response,
                   "ratings": Rating.choices, "token": token}  # fmt: skip
        if request.method != "POST":
            return render(request, "surveys/comment.html", context)
        try:
            actions.answer(
                actor=invitation.person, invitation_id=invitation.pk,
                rating=request.POST.get("rating", response.rating),
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except DomainError as exc:
            context["error"] = exc.first_message()
            return render(request, "surveys/comment.html", context, status=exc.status_code)
        context["done"] = True
        return render(request, "surveys/comment.html", context)


# --- the portal widget ---------------------------------------------------------------------------


@require_POST
@login_required
def answer(request, number: str) -> HttpResponse:
    """The requester's rating from the portal ticket page (the widget's form)."""
    ticket = ticket_get(request.user, number)
    try:
        actions.answer_ticket(
            actor=request.user, ticket_id=ticket.pk, rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except ValidationFailed as exc:
        messages.error(request, exc.first_message())
        return redirect("portal:ticket", number=ticket.number)
    messages.success(request, _("Thank you for your answer."))
    return redirect("portal:ticket", number=ticket.number)


# --- results and follow-ups (desk) ---------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[selectors.Filters, dict, dict[str, list[str]]]:
    """The period and filters of the query string; errors by field (the page shows them)."""
    errors: dict[str, list[str]] = {}
    now = clock.now()
    start = now - timedelta(days=30)
    end = now
    query = request.GET
    try:
        if query.get("start"):
            start = parse_moment(query["start"], field="start") or start
        if query.get("end"):
            end = parse_moment(query["end"], field="end", end_of_day=True) or end
        check_range(start, end, max_days=3660)
    except ValidationFailed as exc:
        errors = exc.errors or {"start": [exc.first_message()]}
        start, end = now - timedelta(days=30), now
    ids = {name: parse_id(query.get(name, "")) for name in ("team", "agent", "category", "service")}
    rating = parse_id(query.get("rating", ""))
    filters = selectors.Filters(
        start=start, end=end, rating=rating if rating in Rating.values else None, **ids
    )
    shown = {"start": query.get("start", ""), "end": query.get("end", ""),
             **{k: v for k, v in ids.items() if v is not None}}  # fmt: skip
    return filters, shown, errors


@agents_only(others_to="portal:home")
def results(request) -> HttpResponse:
    filters, shown, errors = _filters(request)
    by = request.GET.get("by", "team")
    if by not in selectors.DIMENSIONS:
        by = "team"
    summary = selectors.csat_summary(request.user, filters=filters, by=by, previous=True)
    return render(
        request,
        "surveys/results.html",
        {
            "nav": "surveys",
            "summary": summary,
            "by": by,
            "dimensions": [(key, label) for key, (_p, label) in selectors.DIMENSIONS.items()],
            "filters": filters,
            "shown": shown,
            "errors": errors,
            "follow_ups": list(selectors.open_follow_ups(request.user)[:20]),
        },
        status=400 if errors else 200,
    )


@agents_only(others_to="portal:home")
def responses(request) -> HttpResponse:
    filters, shown, errors = _filters(request)
    page = selectors.responses_page(request.user, filters, cursor=request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "surveys/responses.html",
        {
            "nav": "surveys",
            "page": page,
            "shown": shown,
            "errors": errors,
            "query": query.urlencode(),
            "ratings": Rating.choices,
        },
        status=400 if errors else 200,
    )


@agents_only
def responses_export(request) -> StreamingHttpResponse:
    filters, _shown, errors = _filters(request)
    if errors:
        raise ValidationFailed(errors=errors)
    response = StreamingHttpResponse(
        export.export_responses(selectors.responses_visible_to(request.user, filters)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="survey-answers.csv"'
    return response


@require_POST
@agents_only
def follow_up(request, follow_up_id: int) -> HttpResponse:
    back = request.POST.get("next") or ""
    try:
        moved = actions.follow_up_move(
            actor=request.user, follow_up_id=follow_up_id, to=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except ValidationFailed as exc:
        messages.error(request, exc.first_message())
    else:
        messages.success(
            request, _("Follow-up: %(status)s.") % {"status": FollowUpStatus(moved.status).label}
        )
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("surveys:results")


# --- settings (managers) -------------------------------------------------------------------------


@agents_only(others_to="portal:home")
def settings_page(request) -> HttpResponse:
    user = request.user
    if not (user.is_manager or user.is_admin):
        raise Forbidden()
    config = SurveySettings.load()
    if request.method != "POST":
        form = SettingsForm(initial=SettingsForm.initial_of(config))
    else:
        form = SettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.settings_update(
                    actor=user, enabled=data["enabled"], kinds=data["kinds"],
                    team_ids=[t.pk for t in data["teams"]],
                    organization_ids=[o.pk for o in data["organizations"]],
                    delay_hours=data["delay_hours"], min_days_between=data["min_days_between"],
                    answer_days=data["answer_days"],
                )  # fmt: skip
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Survey settings saved."))
                return redirect("surveys:settings")
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "surveys/settings.html",
        {"nav": "surveys", "form": form, "results_url": reverse("surveys:results")},
        status=status,
    )
