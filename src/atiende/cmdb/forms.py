"""Forms of the CMDB pages: they parse input; actions validate and write."""

from __future__ import annotations

import json
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Team

from .models import CiClass, CiStatus, Environment, RelationType


def _with_any(choices, label=None):
    return [("", label or _("Any")), *choices]


class ItemFilterForm(forms.Form):
    """The list's filters (GET). Every field is optional; unknown values are ignored."""

    q = forms.CharField(label=_("Name"), required=False, max_length=200)
    ci_class = forms.ChoiceField(label=_("Class"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    environment = forms.ChoiceField(label=_("Environment"), required=False)
    team = forms.TypedChoiceField(
        label=_("Owner team"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["ci_class"]).choices = _with_any(
            [("services", _("Services (all)")), *CiClass.choices]
        )
        cast(forms.ChoiceField, self.fields["status"]).choices = _with_any(CiStatus.choices)
        cast(forms.ChoiceField, self.fields["environment"]).choices = _with_any(Environment.choices)
        cast(forms.ChoiceField, self.fields["team"]).choices = _with_any(
            [(t.pk, t.name) for t in Team.objects.order_by("name")]
        )


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    ci_class = forms.ChoiceField(label=_("Class"), choices=CiClass.choices)
    status = forms.ChoiceField(label=_("Status"), choices=CiStatus.choices, initial=CiStatus.ACTIVE)
    environment = forms.ChoiceField(
        label=_("Environment"), choices=Environment.choices, initial=Environment.PRODUCTION
    )
    owner_team = forms.TypedChoiceField(
        label=_("Owner team"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attributes = forms.CharField(
        label=_("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "mono"}),
        help_text=_('A JSON object, e.g. {"ip": "10.0.0.5", "cpus": 8}.'),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner_team"]).choices = _with_any(
            [(t.pk, t.name) for t in Team.objects.order_by("name")], _("None")
        )

    @staticmethod
    def initial_for(item) -> dict:
        return {
            "name": item.name,
            "ci_class": item.ci_class,
            "status": item.status,
            "environment": item.environment,
            "owner_team": item.owner_team_id,
            "description": item.description,
            "attributes": json.dumps(item.attributes, indent=2, ensure_ascii=False)
            if item.attributes
            else "",
            "version": item.version,
        }


class RelationForm(forms.Form):
    """Add a relation from the CI page: this item <type> the named item, or the reverse."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("out", _("This item …")), ("in", _("… this item"))],
        initial="out",
    )
    type = forms.ChoiceField(label=_("Relation"), choices=RelationType.choices)
    other = forms.CharField(label=_("Other item (name)"), max_length=200)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[("items", _("Services and CIs")), ("relations", _("Relations"))],
        initial="items",
    )
    file = forms.FileField(label=_("CSV file"))
    dry_run = forms.BooleanField(
        label=_("Only check the file and preview (write nothing)"), required=False, initial=True
    )
