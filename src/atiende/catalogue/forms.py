"""The HTML forms of the catalogue. The request form is built from an item's fields; it only
shapes input and rendering: `forms_engine.clean` (through actions.request_submit) is the one
validation, the same as the API's. Managers' editors are plain forms whose values go to the
actions, which validate and decide."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization, Role
from atiende.cmdb.models import SERVICE_CLASSES, CiClass, ConfigurationItem
from atiende.tickets.models import Category

from . import selectors
from .models import ApproverSource, CatalogueCategory, FieldType, FormField, StepMode

PREFIX = "f_"  # every answer's name in the portal's form: "f_<key>"


class _Raw(forms.Field):
    """A field that hands its submitted value over as it came: the engine judges it."""

    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        return value


class _RawMultiple(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        return value


def _widget(spec: FormField) -> forms.Field:
    label = spec.label_text()
    help_text = spec.help()
    common: dict[str, Any] = {"label": label, "help_text": help_text}
    kind = spec.type
    if kind == FieldType.LONG_TEXT:
        return _Raw(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == FieldType.NUMBER:
        return _Raw(
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **common
        )
    if kind == FieldType.DATE:
        return _Raw(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE:
        choices = [("", _("Choose…")), *spec.options()]
        return _Raw(widget=forms.Select(choices=choices), **common)
    if kind == FieldType.MULTI_CHOICE:
        return _RawMultiple(choices=spec.options(), widget=forms.CheckboxSelectMultiple, **common)
    if kind == FieldType.YES_NO:
        return _Raw(
            widget=forms.RadioSelect(choices=[("yes", _("Yes")), ("no", _("No"))]), **common
        )
    if kind == FieldType.PERSON:
        return _Raw(
            widget=forms.EmailInput(
                attrs={"autocomplete": "off", "placeholder": "name@example.org"}
            ),
            **common,
        )
    if kind == FieldType.CI:
        picks: list[tuple[Any, Any]] = [("", _("Choose…")), *selectors.ci_options(spec)]
        return _Raw(widget=forms.Select(choices=picks), **common)
    if kind == FieldType.ATTACHMENT:
        return forms.FileField(required=False, **common)
    return _Raw(widget=forms.TextInput(attrs={"maxlength": 1000}), **common)


def _initial(spec: FormField) -> Any:
    if not spec.default:
        return None
    if spec.type == FieldType.MULTI_CHOICE:
        return [v.strip() for v in spec.default.split(",") if v.strip()]
    return spec.default


class RequestForm(forms.Form):
    """An item's request form as the requester sees it (also the managers' preview)."""

    def __init__(self, *args, specs: list[FormField], **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = specs
        by_id = {s.pk: s for s in specs}
        for spec in specs:
            field = _widget(spec)
            field.initial = _initial(spec)
            field.required = False
            field.show_required = spec.required  # type: ignore[attr-defined]
            field.spec = spec  # type: ignore[attr-defined]
            controller = by_id.get(spec.condition_field_id) if spec.condition_field_id else None
            field.when = (  # type: ignore[attr-defined]
                {"field": PREFIX + controller.key, "values": json.dumps(spec.condition_values)}
                if controller is not None
                else None
            )
            self.fields[PREFIX + spec.key] = field

    def answers(self) -> tuple[dict[str, Any], dict[str, list]]:
        """What was submitted under the form's names, raw, and the files: every "f_…" name,
        known or not (the engine refuses unknown ones)."""
        data: dict[str, Any] = {}
        types = {s.key: s.type for s in self.specs}
        for name in self.data:
            if not name.startswith(PREFIX):
                continue
            key = name[len(PREFIX) :]
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if types.get(key) == FieldType.MULTI_CHOICE:
                data[key] = [v for v in values if v != ""]
            else:
                data[key] = values[-1] if values else ""
        files: dict[str, list] = {}
        for name in self.files:
            if name.startswith(PREFIX):
                files[name[len(PREFIX) :]] = self.files.getlist(name)
        return data, files

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            name = PREFIX + key
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def rows(self):
        """(bound field, condition) per question, for the template."""
        return [(self[name], self.fields[name]) for name in self.fields]


# --- managers -------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    category_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=120, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ItemForm(forms.Form):
    category_id = forms.TypedChoiceField(label=_("Category"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=120)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_es = forms.CharField(
        label=_("Description (Spanish)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    service_id = forms.TypedChoiceField(
        label=_("Business service"), coerce=int, required=False, empty_value=None
    )
    ticket_category_id = forms.TypedChoiceField(
        label=_("Ticket category (routes to its team)"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    organization_ids = forms.TypedMultipleChoiceField(
        label=_("Only these organisations"),
        coerce=int,
        required=False,
        help_text=_("None chosen: everyone may request it."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Only these roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every role."),
    )
    delivery_days = forms.IntegerField(
        label=_("Expected delivery (working days)"), min_value=0, max_value=3650, required=False
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields
        f["category_id"].choices = [(c.pk, c.label()) for c in CatalogueCategory.objects.all()]
        f["service_id"].choices = [
            ("", _("None")),
            *list(
                ConfigurationItem.objects.filter(ci_class__in=SERVICE_CLASSES)
                .order_by("name")
                .values_list("id", "name")
            ),
        ]
        f["ticket_category_id"].choices = [("", _("None"))] + [
            (c.pk, c.label()) for c in Category.objects.filter(is_active=True)
        ]
        f["organization_ids"].choices = list(Organization.objects.values_list("id", "name"))


class FieldForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=40, help_text=_("e.g. operating_system"))
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    label = forms.CharField(label=_("Question"), max_length=200)
    label_es = forms.CharField(label=_("Question (Spanish)"), max_length=200, required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=500, required=False)
    help_text_es = forms.CharField(label=_("Help text (Spanish)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    default = forms.CharField(label=_("Default answer"), max_length=500, required=False)
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: code | English | Spanish (for choice fields)."),
    )
    ci_class = forms.ChoiceField(label=_("Configuration item class"), required=False)
    condition_field_id = forms.TypedChoiceField(
        label=_("Show only when"), coerce=int, required=False, empty_value=None
    )
    condition_values = forms.CharField(
        label=_("has one of these answers"),
        required=False,
        max_length=500,
        help_text=_("Option codes separated by commas; yes or no for a yes/no question."),
    )

    def __init__(self, *args, controllers: list[FormField], **kwargs):
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields
        f["ci_class"].choices = [("", _("Any class")), *list(CiClass.choices)]
        f["condition_field_id"].choices = [("", _("Always shown"))] + [
            (s.pk, f"{s.label_text()} ({s.key})") for s in controllers
        ]

    def action_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["condition_values"] = [
            v.strip() for v in (data.get("condition_values") or "").split(",") if v.strip()
        ]
        return data


class ApprovalStepForm(forms.Form):
    """An approval step of an item: who approves, when, and (a board) how many."""

    source = forms.ChoiceField(label=_("Who approves"), choices=ApproverSource.choices)
    board_id = forms.TypedChoiceField(
        label=_("Board"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Only for “Members of a board”."),
    )
    required = forms.IntegerField(
        label=_("Approvals needed"),
        min_value=0,
        max_value=100,
        initial=1,
        required=False,
        help_text=_("For a board: how many of its members must approve (0 = all of them)."),
    )
    mode = forms.ChoiceField(label=_("When"), choices=StepMode.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from atiende.changes.models import Board

        self.fields["board_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (b.pk, b.label()) for b in Board.objects.order_by("name")
        ]


class TaskTemplateForm(forms.Form):
    """A fulfilment task of an item: its title in both languages, the team, when it opens and
    its target."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=200, required=False)
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int)
    mode = forms.ChoiceField(label=_("When"), choices=StepMode.choices)
    target_minutes = forms.IntegerField(
        label=_("Target (business minutes)"),
        min_value=1,
        max_value=525_600,
        required=False,
        help_text=_("From when the task opens; empty for no target."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from atiende.accounts.models import Team

        self.fields["team_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (t.pk, t.name) for t in Team.objects.order_by("name")
        ]
