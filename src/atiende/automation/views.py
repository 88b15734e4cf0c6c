"""The desk's "Automation" pages (managers and administrators): the rules by trigger in the
order they run (enable, disable, move, delete), and one rule's page with pickers and a dry
run that shows what it would have done to the last 1,000 tickets before it is saved."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, NotFound, ValidationFailed
from atiende.core.http import agents_only

from . import actions, forms, selectors
from .models import Trigger


def _managers_only(request) -> None:
    if not request.user.is_manager:
        raise NotFound()


@agents_only
def rule_list(request):
    _managers_only(request)
    rules = list(selectors.rules_for(request.user).select_related("calendar"))
    groups = [(label, [r for r in rules if r.trigger == value]) for value, label in Trigger.choices]
    context = {"nav": "automation", "groups": [(lbl, rs) for lbl, rs in groups if rs]}
    return render(request, "automation/list.html", context)


@agents_only
def rule_edit(request, rule_id: int | None = None):
    _managers_only(request)
    rule = selectors.rule_get(request.user, rule_id) if rule_id else None
    post = request.POST if request.method == "POST" else None
    form, condition_set, action_set = forms.build(post, rule)
    status = 200
    dry = None
    if post is not None:
        status = 422
        if form.is_valid() and condition_set.is_valid() and action_set.is_valid():
            data = forms.rule_data(form, condition_set, action_set)
            try:
                if "dry_run" in request.POST:
                    dry = actions.dry_run(
                        actor=request.user, data={**data, "id": rule.pk if rule else None}
                    )
                    status = 200
                elif rule is None:
                    rule = actions.rule_create(actor=request.user, data=data)
                    messages.success(request, _("Rule created."))
                    return redirect("automation:list")
                else:
                    actions.rule_update(
                        actor=request.user, rule_id=rule.pk, data=data,
                        version=request.POST.get("version"),
                    )  # fmt: skip
                    messages.success(request, _("Rule saved."))
                    return redirect("automation:list")
            except ValidationFailed as exc:
                forms.place_errors(exc, form, condition_set, action_set)
            except DomainError as exc:
                form.add_error(None, exc.first_message())
    context = {
        "nav": "automation",
        "rule": rule,
        "form": form,
        "condition_set": condition_set,
        "action_set": action_set,
        "dry": dry,
    }
    return render(request, "automation/edit.html", context, status=status)


@require_POST
@agents_only
def rule_toggle(request, rule_id: int):
    _managers_only(request)
    rule = selectors.rule_get(request.user, rule_id)
    actions.rule_set_enabled(actor=request.user, rule_id=rule.pk, enabled=not rule.enabled)
    return redirect("automation:list")


@require_POST
@agents_only
def rule_move(request, rule_id: int):
    _managers_only(request)
    actions.rule_move(actor=request.user, rule_id=rule_id, up=request.POST.get("up") == "1")
    return redirect("automation:list")


@require_POST
@agents_only
def rule_delete(request, rule_id: int):
    _managers_only(request)
    actions.rule_delete(actor=request.user, rule_id=rule_id)
    messages.success(request, _("Rule deleted."))
    return redirect("automation:list")
