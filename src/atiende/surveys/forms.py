from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization, Team
from atiende.tickets.models import Kind

from .models import SurveySettings


class SettingsForm(forms.Form):
    """Who is asked, when and how often: the managers' settings page (and the admin's form)."""

    enabled = forms.BooleanField(label=_("surveys enabled"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("ticket kinds"), choices=Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask about tickets of these kinds; none chosen means every kind."),
    )  # fmt: skip
    teams = forms.ModelMultipleChoiceField(
        label=_("teams"), queryset=Team.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask about tickets of these teams; none chosen means every team."),
    )  # fmt: skip
    organizations = forms.ModelMultipleChoiceField(
        label=_("organisations"), queryset=Organization.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask requesters of these organisations; none chosen means everyone."),
    )  # fmt: skip
    delay_hours = forms.IntegerField(
        label=_("delay (hours)"), min_value=0, max_value=720,
        help_text=_("How long after the resolution the survey e-mail is sent."),
    )  # fmt: skip
    min_days_between = forms.IntegerField(
        label=_("days between surveys to one person"), min_value=0, max_value=365,
        help_text=_("A person is asked at most once in this many days (0: after every ticket)."),
    )  # fmt: skip
    answer_days = forms.IntegerField(
        label=_("days to answer"), min_value=1, max_value=365,
        help_text=_("How long the rating links of a survey stay valid."),
    )  # fmt: skip

    @staticmethod
    def initial_of(config: SurveySettings) -> dict[str, Any]:
        return {
            "enabled": config.enabled,
            "kinds": list(config.kinds or []),
            "teams": list(config.teams.all()),
            "organizations": list(config.organizations.all()),
            "delay_hours": config.delay_hours,
            "min_days_between": config.min_days_between,
            "answer_days": config.answer_days,
        }


class SettingsAdminForm(forms.ModelForm):
    """The admin's form: the kinds as boxes to tick, not JSON."""

    kinds = forms.MultipleChoiceField(
        label=_("ticket kinds"), choices=Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask about tickets of these kinds; none chosen means every kind."),
    )  # fmt: skip

    class Meta:
        model = SurveySettings
        fields = ["enabled", "kinds", "teams", "organizations", "delay_hours",
                  "min_days_between", "answer_days"]  # fmt: skip
