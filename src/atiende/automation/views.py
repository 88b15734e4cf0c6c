"""The desk's "Automation" pages. Rules (managers and administrators): the rules by trigger
in the order they run (enable, disable, move, delete), and one rule's page with pickers and
a dry run that shows what it would have done to the last 1,000 tickets before it is saved.
Macros (agents): the ones they may use and keep, one macro's page, applying one from the
ticket page or the queue's bulk panel. Tags on the ticket page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from atiende.core.http import agents_only
from atiende.core.ids import parse_id
from atiende.tickets.selectors import ticket_get
from atiende.tickets.views.desk import queue_url, report_bulk

from . import actions, forms, selectors
from .models import MacroScope, Trigger


def _managers_only(request) -> None:
    if not request.user.is_manager:
        raise NotFound()


@agents_only
def rule_list(request):
    _managers_only(request)
    rules = list(selectors.rules_for(request.user).select_related("calendar"))
    groups = [(label, [r for r in rules if r.trigger == value]) for value, label in Trigger.choices]
    context = {
        "nav": "automation",
        "tab": "rules",
        "groups": [(lbl, rs) for lbl, rs in groups if rs],
    }
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
        "tab": "rules",
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


# --- macros -------------------------------------------------------------------------------------


@agents_only
def macro_list(request):
    """The macros the agent may use, grouped by whom they are shared with; theirs to keep
    (own, their led teams', everyone's for managers) have Edit and Delete."""
    user = request.user
    rows = list(selectors.macros_listed_for(user).select_related("team"))

    def keeps(m) -> bool:
        return selectors.can_keep(user, scope=m.scope, team_id=m.team_id, owner_id=m.owner_id)

    groups = [
        (label, [(m, keeps(m)) for m in rows if m.scope == value])
        for value, label in (
            (MacroScope.PERSONAL, _("My macros")),
            (MacroScope.TEAM, _("My teams'")),
            (MacroScope.GLOBAL, _("Everyone's")),
        )
    ]
    context = {
        "nav": "automation",
        "tab": "macros",
        "groups": [(lbl, ms) for lbl, ms in groups if ms],
    }
    return render(request, "automation/macros.html", context)


@agents_only
def macro_edit(request, macro_id: int | None = None):
    user = request.user
    macro = selectors.macro_kept(user, macro_id) if macro_id else None
    post = request.POST if request.method == "POST" else None
    form, action_set = forms.build_macro(user, post, macro)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid() and action_set.is_valid():
            data = forms.macro_data(form, action_set)
            try:
                if macro is None:
                    actions.macro_create(actor=user, data=data)
                    messages.success(request, _("Macro created."))
                else:
                    actions.macro_update(
                        actor=user, macro_id=macro.pk, data=data,
                        version=request.POST.get("version"),
                    )  # fmt: skip
                    messages.success(request, _("Macro saved."))
                return redirect("automation:macros")
            except ValidationFailed as exc:
                forms.place_macro_errors(exc, form, action_set)
            except Forbidden as exc:
                status = 403
                form.add_error(None, exc.first_message())
    context = {
        "nav": "automation",
        "tab": "macros",
        "macro": macro,
        "form": form,
        "action_set": action_set,
    }
    return render(request, "automation/macro_edit.html", context, status=status)


@require_POST
@agents_only
def macro_delete(request, macro_id: int):
    actions.macro_delete(actor=request.user, macro_id=macro_id)
    messages.success(request, _("Macro deleted."))
    return redirect("automation:macros")


def _to_ticket(ticket, anchor: str = ""):
    url = reverse("desk:ticket", args=[ticket.number])
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_POST
@agents_only
def macro_apply(request, number: str):
    """The ticket page's "Apply macro": all of it or nothing, as the agent, against the
    version the page showed (a stale page: the 409 page, from the middleware)."""
    ticket = ticket_get(request.user, number)
    macro_id = parse_id(request.POST.get("macro", ""))
    if macro_id is None:
        messages.error(request, _("Choose a macro."))
        return _to_ticket(ticket, "macros")
    macro = selectors.macro_get(request.user, macro_id)
    try:
        done = actions.macro_apply(
            actor=request.user, macro_id=macro.pk, ticket_id=ticket.pk,
            version=request.POST.get("version"),
        )  # fmt: skip
    except (ValidationFailed, Forbidden) as exc:
        messages.error(
            request,
            _("The macro “%(name)s” changed nothing: %(why)s")
            % {"name": macro.name, "why": exc.first_message()},
        )
        return _to_ticket(ticket, "macros")
    messages.success(
        request,
        _("Macro “%(name)s” applied: %(done)s.")
        % {"name": macro.name, "done": "; ".join(done.lines)},
    )
    return _to_ticket(ticket)


@require_POST
@agents_only
def macro_bulk(request):
    """The queue's bulk "Apply a macro": each ticket all or nothing, reported per ticket as
    the queue's own bulk actions are."""
    form = forms.MacroBulkForm(request.POST, actor=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(queue_url(request))
    result = actions.macro_apply_many(
        actor=request.user,
        macro_id=form.cleaned_data["macro"],
        ticket_ids=form.cleaned_data["ticket_ids"],
    )
    report_bulk(request, result)
    return redirect(queue_url(request))


# --- tags -------------------------------------------------------------------------------------


@require_POST
@agents_only
def tag_add(request, number: str):
    ticket = ticket_get(request.user, number)
    try:
        actions.tag_add(actor=request.user, ticket_id=ticket.pk, name=request.POST.get("tag", ""))
    except ValidationFailed as exc:
        messages.error(request, exc.first_message())
    return _to_ticket(ticket, "tags")


@require_POST
@agents_only
def tag_remove(request, number: str):
    ticket = ticket_get(request.user, number)
    actions.tag_remove(actor=request.user, ticket_id=ticket.pk, name=request.POST.get("tag", ""))
    return _to_ticket(ticket, "tags")
