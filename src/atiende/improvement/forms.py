"""The register's forms and the pages' filters. Values go to the actions as given (text);
the actions validate them, and `apply_domain_error` puts their refusals on the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User

from .metrics import METRIC_CHOICES
from .models import ImprovementItem, ItemPriority, ItemStatus, TrendStatus


def _with_any(choices: list, label: Any = None) -> list:
    return [("", label or _("Any")), *choices]


class TrendFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("open", _("Waiting (new or acknowledged)")),
            *TrendStatus.choices,
            ("all", _("All")),
        ]


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for dismissing"), max_length=500, widget=forms.TextInput()
    )


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Title"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    metric = forms.ChoiceField(label=_("Metric"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _with_any(ItemStatus.choices)  # type: ignore[attr-defined]
        self.fields["metric"].choices = _with_any(METRIC_CHOICES)  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = forms.CharField(
        label=_("Owner"),
        required=False,
        max_length=254,
        help_text=_("An agent's user name or e-mail address."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=ItemPriority.choices, coerce=int, initial=ItemPriority.MEDIUM
    )
    expected_benefit = forms.CharField(
        label=_("Expected benefit"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    metric = forms.ChoiceField(
        label=_("Metric it targets"), required=False, choices=_with_any(METRIC_CHOICES, _("None"))
    )
    baseline_value = forms.CharField(label=_("Baseline value"), required=False, max_length=30)
    baseline_start = forms.CharField(
        label=_("Baseline period start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    baseline_end = forms.CharField(
        label=_("Baseline period end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    current_value = forms.CharField(label=_("Current value"), required=False, max_length=30)
    measured_at = forms.CharField(
        label=_("Measured on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tickets = forms.CharField(
        label=_("Related tickets"),
        required=False,
        max_length=2000,
        help_text=_("Ticket numbers separated by spaces, e.g. PRB-000012 INC-000345."),
    )
    trends = forms.CharField(
        label=_("Related trends"),
        required=False,
        max_length=2000,
        help_text=_("Trend numbers separated by spaces."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_owner(self) -> int | None:
        value = self.cleaned_data["owner"].strip()
        if not value:
            return None
        found = list(
            User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value), is_active=True)
            .exclude(role="requester")
            .values_list("pk", flat=True)[:2]
        )
        if len(found) != 1:
            raise forms.ValidationError(_("No agent has this user name or e-mail address."))
        return found[0]

    def clean_trends(self) -> list[str]:
        return self.cleaned_data["trends"].replace(",", " ").split()

    def values(self) -> dict[str, Any]:
        """What the actions take: everything but the version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    @staticmethod
    def initial_for(item: ImprovementItem, tickets: list, trends: list) -> dict[str, Any]:
        owner = item.owner
        return {
            "title": item.title,
            "description": item.description,
            "owner": (owner.email or owner.username) if owner else "",
            "status": item.status,
            "priority": item.priority,
            "expected_benefit": item.expected_benefit,
            "metric": item.metric,
            "baseline_value": _plain(item.baseline_value),
            "baseline_start": item.baseline_start.isoformat() if item.baseline_start else "",
            "baseline_end": item.baseline_end.isoformat() if item.baseline_end else "",
            "current_value": _plain(item.current_value),
            "measured_at": item.measured_at.date().isoformat() if item.measured_at else "",
            "tickets": " ".join(t.number for t in tickets),
            "trends": " ".join(str(t.pk) for t in trends),
            "version": item.version,
        }


def _plain(value: Any) -> str:
    return "" if value is None else format(value.normalize(), "f")
