"""Forms of the requester portal. They only shape input; tickets.actions validates and decides.

Agent-only fields (requester, team, assignee, priority, status) are deliberately absent, so
anything posted under those names is never read.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.core.i18n import in_language

from ..models import Impact, Kind, Urgency
from ..selectors import categories_active

KIND_CHOICES = [
    (Kind.INCIDENT.value, _("Report a problem")),
    (Kind.REQUEST.value, _("Request something")),
    (Kind.QUESTION.value, _("Ask a question")),
]
KIND_HELP = {
    Kind.INCIDENT.value: _("Something is broken or not working as it should."),
    Kind.REQUEST.value: _("You need something new: access, equipment, software, an account…"),
    Kind.QUESTION.value: _("You want to know how to do something or need advice."),
}
REQUEST_HINT = _("What you need, for whom, and by when.")
IMPACT_CHOICES = [
    (Impact.LOW.value, _("Just me")),
    (Impact.MEDIUM.value, _("Several people or my team")),
    (Impact.HIGH.value, _("Many people or the whole organisation")),
]
URGENCY_CHOICES = [
    (Urgency.LOW.value, _("It can wait: no rush")),
    (Urgency.MEDIUM.value, _("Soon: it slows me down")),
    (Urgency.HIGH.value, _("Now: I cannot work")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files under one field name."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def category_choices() -> list[tuple[str, str]]:
    """The active category tree as indented options (one query)."""
    choices: list[tuple[str, str]] = [("", str(_("I don't know")))]
    for category in categories_active():
        depth = category.full_path.count(" › ")
        choices.append(
            (str(category.pk), "\u2003" * depth + in_language(category.name, category.name_es))
        )
    return choices


class PortalTicketForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you need?"),
        choices=KIND_CHOICES,
        initial=Kind.INCIDENT.value,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line, e.g. “The printer on floor 2 does not print”."),
        error_messages={"required": _("Please write a short summary.")},
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, since when, and what you have already tried."),
    )
    category = forms.ChoiceField(label=_("Topic"), required=False, choices=())
    impact = forms.TypedChoiceField(
        label=_("How many people are affected?"),
        choices=IMPACT_CHOICES,
        coerce=int,
        initial=Impact.LOW.value,
        required=False,
        empty_value=None,  # not asked for requests and questions; the view uses "low"
        widget=forms.RadioSelect,
    )
    urgency = forms.TypedChoiceField(
        label=_("How urgent is it?"),
        choices=URGENCY_CHOICES,
        coerce=int,
        initial=Urgency.LOW.value,
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(label=_("Attach files (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices()
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        if kind == Kind.REQUEST:
            # A request outside the catalogue ("Other request"): no incident questions.
            self.fields["description"].help_text = REQUEST_HINT

    def kind_options(self):
        """The kind radio buttons with an explanation each, for the template."""
        current = self["kind"].value() or Kind.INCIDENT.value
        return [
            {"value": value, "label": label, "help": KIND_HELP[value], "checked": value == current}
            for value, label in KIND_CHOICES
        ]

    def action_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data.get("description", ""),
            "category_id": int(data["category"]) if data.get("category") else None,
            "impact": data.get("impact") or Impact.LOW.value,
            "urgency": data["urgency"],
            "attachments": data.get("attachments") or [],
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attach files (optional)"))
    # The last timeline entry the page showed: a reply from the desk after it holds the
    # requester's message back once, so they read it first (views/portal.reply).
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # the stubs allow None; Django's never is
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            self.add_error("body", _("Write a message or attach a file."))
        return data


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("What is still wrong?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
