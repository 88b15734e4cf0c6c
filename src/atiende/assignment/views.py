"""The desk's "Assignment" pages (managers and administrators): the teams and their modes,
one team's policy with its agents, one agent's skills and availability; and the agent's own
availability, posted from the card on /account/."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.accounts.models import Team
from atiende.core.errors import DomainError, NotFound
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.ids import parse_id

from . import actions, selectors
from .forms import AgentSettingsForm, AvailabilityForm, PolicyForm


def _managers_only(request) -> None:
    if not request.user.is_manager:
        raise NotFound()


@agents_only
def team_list(request):
    _managers_only(request)
    context = {"nav": "assignment", "teams": selectors.teams_with_policies()}
    return render(request, "assignment/teams.html", context)


@agents_only
def team_settings(request, team_id: int):
    _managers_only(request)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    policy = selectors.policy_of(team)
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                actions.policy_update(
                    actor=request.user,
                    team_id=team.pk,
                    version=parse_id(request.POST.get("version", "")),
                    **form.cleaned_data,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Assignment settings saved."))
                return redirect("assignment:team", team.pk)
        status = 422
    else:
        form = PolicyForm(
            initial={
                "mode": policy.mode,
                "use_skills": policy.use_skills,
                "respect_working_hours": policy.respect_working_hours,
                "default_cap": policy.default_cap,
            }
        )
    context = {
        "nav": "assignment",
        "team": team,
        "policy": policy,
        "form": form,
        "members": selectors.team_members(team),
    }
    return render(request, "assignment/team.html", context, status=status)


@agents_only
def agent_settings(request, user_id: int):
    _managers_only(request)
    agent = selectors.agent_get(user_id)
    if agent is None:
        raise NotFound()
    current = selectors.settings_of(agent)
    back = parse_id(request.GET.get("team", ""))
    back_team = Team.objects.filter(pk=back).only("name").first() if back is not None else None
    back = back_team.pk if back_team is not None else None
    status = 200
    if request.method == "POST":
        form = AgentSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.agent_settings_update(
                    actor=request.user,
                    user_id=agent.pk,
                    version=parse_id(request.POST.get("version", "")),
                    available=data["available"],
                    away_from=data["away_from"],
                    away_until=data["away_until"],
                    calendar_id=data["calendar"].pk if data["calendar"] else None,
                    cap=data["cap"],
                    category_ids=[c.pk for c in data["categories"]],
                    languages=data["languages"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Assignment settings saved."))
                if back is not None:
                    return redirect("assignment:team", back)
                return redirect("assignment:agent", agent.pk)
        status = 422
    else:
        form = AgentSettingsForm(
            initial={
                "available": current.available,
                "away_from": current.away_from,
                "away_until": current.away_until,
                "calendar": current.calendar,
                "cap": current.cap,
                "categories": list(current.categories.all()) if current.pk else [],
                "languages": current.languages,
            }
        )
    context = {
        "nav": "assignment",
        "agent": agent,
        "current": current,
        "form": form,
        "back": back,
        "back_team": back_team,
    }
    return render(request, "assignment/agent.html", context, status=status)


@require_POST
@agents_only
def availability(request):
    """The agent's own availability, from the card on /account/."""
    form = AvailabilityForm(request.POST)
    target = reverse("accounts:profile") + "#assignment-availability"
    if form.is_valid():
        try:
            actions.availability_set(
                actor=request.user, user_id=request.user.pk, **form.cleaned_data
            )
        except DomainError as exc:
            messages.error(request, exc.first_message())
        else:
            messages.success(request, _("Your availability was saved."))
        return redirect(target)
    context = {"form": form}
    return render(request, "assignment/availability.html", context, status=422)
