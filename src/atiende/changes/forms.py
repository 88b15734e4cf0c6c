"""Forms of the change pages: they parse and label input; the actions validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User
from atiende.accounts.selectors import agents_visible_to, teams_visible_to
from atiende.core.forms import MomentField
from atiende.tickets.models import LINKABLE_TYPES, Impact, Urgency

from . import workflow
from .models import ChangeType, ReviewOutcome, RiskLevel, RiskQuestion
from .selectors import templates_active

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _agent_choices(user: User) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(a.pk), a.display_name) for a in agents_visible_to(user)]


def _team_choices(user: User) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(t.pk), t.name) for t in teams_visible_to(user)]


class ChangeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *ChangeType.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    risk = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("Any")), *RiskLevel.choices]
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from atiende.tickets.models import Status

        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Any")),
            ("open", _("Open")),
            *[(s, Status(s).label) for s in workflow.STATUSES],
        ]


class ChangeForm(forms.Form):
    """New change; also the fields of the edit panel (the view drops what cannot change)."""

    change_type = forms.ChoiceField(
        label=_("Type"), choices=ChangeType.choices, initial=ChangeType.NORMAL
    )
    template = forms.ChoiceField(
        label=_("Template"),
        required=False,
        help_text=_("Standard changes are made from a pre-approved template."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    reason = forms.CharField(label=_("Reason for the change"), required=False, widget=TEXTAREA)
    implementation_plan = forms.CharField(
        label=_("Implementation plan"), required=False, widget=TEXTAREA
    )
    backout_plan = forms.CharField(label=_("Backout plan"), required=False, widget=TEXTAREA)
    test_plan = forms.CharField(label=_("Test plan"), required=False, widget=TEXTAREA)
    planned_start = MomentField(label=_("Planned start"), required=False, widget=DATETIME_WIDGET)
    planned_end = MomentField(
        label=_("Planned end"), required=False, widget=DATETIME_WIDGET, end_of_day=True
    )
    implementer = forms.ChoiceField(label=_("Implementer"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    assignee = forms.ChoiceField(label=_("Change owner"), required=False)
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=Impact.choices, coerce=int, initial=Impact.LOW
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.LOW
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["template"].choices = [("", "—"), *((str(t.pk), t.name) for t in templates_active())]
        agents = _agent_choices(user)
        f["implementer"].choices = agents
        f["assignee"].choices = agents
        f["team"].choices = _team_choices(user)


class ChangeEditForm(ChangeForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    EDIT_FIELDS = (
        "title", "description", "change_type", "reason", "implementation_plan", "backout_plan",
        "test_plan", "planned_start", "planned_end", "implementer", "team", "assignee",
    )  # fmt: skip

    def __init__(self, *args, editable_content: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("template", "impact", "urgency"):
            del self.fields[name]
        if not editable_content:
            for name in ("description", "change_type", *workflow_content()):
                del self.fields[name]

    def changes(self, initial: dict) -> dict:
        """The fields whose submitted value differs from what the page showed."""
        data = self.cleaned_data
        result = {}
        for name in self.EDIT_FIELDS:
            if name not in self.fields:
                continue
            value = data.get(name)
            if value != initial.get(name):
                result[name] = value
        return result


def workflow_content() -> tuple[str, ...]:
    return ("reason", "implementation_plan", "backout_plan", "test_plan")


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=[(s, s) for s in workflow.STATUSES])
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=TEXTAREA)
    override_reason = forms.CharField(
        label=_("Blackout override reason"),
        required=False,
        max_length=2000,
        help_text=_("Only needed to schedule a non-emergency change inside a blackout window."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject."),
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Required unless the change was successful."),
    )
    caused_incidents = forms.CharField(
        label=_("Incidents caused"),
        required=False,
        max_length=500,
        help_text=_("Numbers separated by commas, e.g. INC-000123, INC-000130."),
    )

    def incident_refs(self) -> list[str]:
        raw = self.cleaned_data.get("caused_incidents") or ""
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


class RiskForm(forms.Form):
    """One radio group per active question of the questionnaire."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[RiskQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text(),
                choices=[(str(c.pk), c.text()) for c in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class ItemForm(forms.Form):
    item = forms.CharField(
        label=_("Service or configuration item"),
        max_length=200,
        help_text=_("Its exact name or its id."),
    )


class LinkForm(forms.Form):
    link_type = forms.ChoiceField(label=_("Link type"), choices=LINKABLE_TYPES)
    other = forms.CharField(
        label=_("Ticket number"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "INC-000123"}),
    )
